package office

import (
	"errors"
	"net/http"
	"strings"

	"github.com/yichuang/yichuang/sync/countyd/county"
)

// maxNoticeRows is how many of the latest notices the page lists.
const maxNoticeRows = 200

type noticeRow struct {
	// ID is the notice's event id: the county's ("county-status:12") or
	// a kiosk's UUID, never personal data.
	ID                                                      string
	Created, Case, Tracking, Template, Origin, Mobile, Text string
	Requeues                                                int
	State, Sent, NextTry, LastTry, ProviderID, LastError    string
	Tries                                                   int
}

// noticePages serve the notices page.
// Their st, which shadows the Office's shared one, is all of the
// store they reach.
type noticePages struct {
	*Office
	st county.Notices
}

// noticesPage shows what became of the citizen notices: queued, sent (with
// the provider's id), failed, or held over a point's allowance, and why a
// notice waits (no gateway, no template). Mobiles are masked like every
// number on these pages; the rendered text is the county's own but goes
// through MaskText too, as any text that quotes a clerk.
func (o *noticePages) noticesPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	ctx := r.Context()
	ns, err := o.st.Notices(ctx, "", maxNoticeRows)
	if err != nil {
		o.internal(w, r, rc, "list notices", err)
		return
	}
	counts, err := o.st.NoticeCounts(ctx)
	if err != nil {
		o.internal(w, r, rc, "count notices", err)
		return
	}
	cfg, err := o.st.SMSConfig(ctx)
	configured := err == nil
	if err != nil && !errors.Is(err, county.ErrNotFound) {
		o.internal(w, r, rc, "read sms configuration", err)
		return
	}
	rows := noticeRows(ns)
	switch r.URL.Query().Get("done") {
	case "requeue":
		rc.Flash = "已重新排队，发送程序将在下一轮发送"
	}
	o.render(w, r, rc, "notices", map[string]any{"Notices": rows, "Counts": counts, "Gateway": o.sms,
		"Configured": configured, "Signature": cfg.Signature, "Templates": len(cfg.Templates)})
}

// noticeRows are the notices as the page shows them, mobiles and texts
// masked: the page and its export both show these.
func noticeRows(ns []county.NoticeRecord) []noticeRow {
	var rows []noticeRow
	for _, n := range ns {
		state := n.State
		if n.Held {
			state = "held"
		}
		row := noticeRow{ID: n.EventID, Requeues: n.Requeues, Created: stamp(n.Created), Case: n.CountyCase, Tracking: n.Tracking, Template: n.Template,
			Origin: n.Origin, Mobile: MaskMobile(n.Mobile), Text: MaskText(n.Text), State: state, Tries: n.Tries,
			ProviderID: n.ProviderID, LastError: MaskText(n.LastError)}
		if !n.SentAt.IsZero() {
			row.Sent = stamp(n.SentAt)
		}
		if !n.NextAttemptAt.IsZero() && n.State == county.NoticeQueued {
			row.NextTry = stamp(n.NextAttemptAt)
		}
		if !n.LastAttemptAt.IsZero() {
			row.LastTry = stamp(n.LastAttemptAt)
		}
		rows = append(rows, row)
	}
	return rows
}

// requeueNotice sends a failed notice back to the queue once staff fixed
// what made it fail (the gateway, a template code), audited in the same
// transaction. A sent notice is refused: the citizen has it already.
func (o *noticePages) requeueNotice(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	id := strings.TrimSpace(r.PostFormValue("id"))
	err := o.st.RequeueNotice(r.Context(), id, rc.audit("notice.requeue", ""))
	var inv *county.InvalidError
	switch {
	case errors.Is(err, county.ErrNotFound):
		o.fail(w, r, rc, http.StatusNotFound, "没有这条通知")
		return
	case errors.As(err, &inv):
		o.fail(w, r, rc, http.StatusConflict, inv.Msg)
		return
	case err != nil:
		o.internal(w, r, rc, "requeue notice", err)
		return
	}
	http.Redirect(w, r, "/office/notices?done=requeue", http.StatusSeeOther)
}
