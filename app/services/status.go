package services

import (
	"context"

	"github.com/yichuang/yichuang/app/countylink"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/app/ui/home"
	"github.com/yichuang/yichuang/app/ui/l10n"
)

// Status feeds the home screen's status bar from the store and the county
// link.
type Status struct {
	DB   *store.DB
	Link *countylink.Link
}

var _ home.Source = Status{}

// Status is the hall, the catalog, what waits to sync and how the link is.
func (s Status) Status(ctx context.Context) (home.Status, error) {
	var st home.Status
	sp, _, err := s.DB.ServicePoint(ctx)
	if err != nil {
		return st, err
	}
	st.PointName, st.PointCode, st.Level = sp.Name, sp.Code, sp.Level
	sync, err := s.DB.SyncStatus(ctx)
	if err != nil {
		return st, err
	}
	st.Pending, st.Refused, st.LastSync = sync.Pending, sync.Quarantined, sync.LastPull
	if cat, err := s.DB.ActiveCatalog(ctx); err == nil {
		st.CatalogVersion = cat.Version
	}
	if _, enrolled, err := s.DB.Enrollment(ctx); err != nil {
		return st, err
	} else if !enrolled {
		st.LinkNote = l10n.L("本机尚未在县中心登记")
		return st, nil
	}
	state, up := s.Link.Snapshot()
	st.Online = state.Online
	switch {
	case state.Err != nil:
		st.LinkNote = l10n.Error(s.Link.Problem())
	case state.At.IsZero():
		st.LinkNote = l10n.L("正在连接县中心…")
	}
	if up.Files > 0 && !up.Done && up.Size > 0 {
		st.Uploading, st.UploadFile, st.Uploads = true, up.File, up.Files
		st.UploadFraction = float64(up.Stored) / float64(up.Size)
	}
	return st, nil
}
