package office_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/protocol"
	"github.com/yichuang/yichuang/sync/release"
)

var (
	deviceIDs = regexp.MustCompile(`<div class="small mono">(d_[0-9a-f]{32})</div>`)
	nextLink  = regexp.MustCompile(`<a href="([^"]+)">` + "下一页")
	codeCells = regexp.MustCompile(`<td class="mono">([^<]+)</td>`)
)

// TestFleetPagesAndFilters: the fleet page shows a page of devices with a
// link to the next (all of them, once each, over the pages), a filter
// narrows the page and its export alike, and the enrollment codes shown
// are the ones that still enroll unless the spent ones are asked for.
func TestFleetPagesAndFilters(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	p := county.ServicePoint{Code: "330522102000", Name: "雉城街道便民服务中心", Level: county.LevelTownship}
	want := []string{e.dev}
	for range 60 {
		code, err := e.st.CreateEnrollCode(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		d, err := e.st.Enroll(ctx, code.Code, "hall", "0.9.0")
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, d.ID)
	}
	refused := want[30]
	if err := e.st.SetDeviceStatus(ctx, refused, protocol.DeviceStatus{AppVersion: "1.0.0", Quarantined: 3}); err != nil {
		t.Fatal(err)
	}
	live, err := e.st.CreateEnrollCode(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	admin := e.client(t)
	admin.mustLogin("admin")

	var got []string
	path, pages := "/office/fleet", 0
	for path != "" && pages < 5 {
		status, page := admin.get(path)
		if status != http.StatusOK {
			t.Fatalf("%s: %d", path, status)
		}
		pages++
		for _, m := range deviceIDs.FindAllStringSubmatch(page, -1) {
			got = append(got, m[1])
		}
		if pages == 1 {
			if !strings.Contains(page, "共 61 台设备") || !strings.Contains(page, "有被拒收事件 1 台") {
				t.Errorf("first page's counts: want 61 devices, 1 with refused events, in\n%.3000s", page)
			}
			codes := codeCells.FindAllStringSubmatch(page, -1)
			if len(codes) != 1 || codes[0][1] != live.Code {
				t.Errorf("codes shown: got %q, want only the unused %s", codes, live.Code)
			}
		}
		path = ""
		if m := nextLink.FindStringSubmatch(page); m != nil {
			path = html.UnescapeString(m[1])
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) || pages != 2 {
		t.Errorf("devices over the pages: got %d in %d pages, want the %d enrolled, each once, in 2", len(got), pages, len(want))
	}

	_, page := admin.get("/office/fleet?state=refused")
	if ids := deviceIDs.FindAllStringSubmatch(page, -1); len(ids) != 1 || ids[0][1] != refused {
		t.Errorf("refused filter: got %q, want %s only", ids, refused)
	}
	_, page = admin.get("/office/fleet?version=1.0.0")
	if ids := deviceIDs.FindAllStringSubmatch(page, -1); len(ids) != 1 || ids[0][1] != refused {
		t.Errorf("version filter: got %q, want %s only", ids, refused)
	}
	csvLink, _ := exportLinks(t, page)
	_, _, body := admin.download(csvLink)
	if recs := readCSV(t, body); !strings.Contains(string(body), refused) || strings.Contains(string(body), e.dev) {
		t.Errorf("filtered export: got %d rows, want %s's and not %s's", len(recs), refused, e.dev)
	}
	_, _, body = admin.download("/office/export/fleet?format=csv")
	for _, id := range want {
		if !strings.Contains(string(body), id) {
			t.Errorf("export of the whole fleet misses %s", id)
			break
		}
	}

	_, page = admin.get("/office/fleet?codes=spent")
	codes := codeCells.FindAllStringSubmatch(page, -1)
	if len(codes) != 50 || strings.Contains(page, live.Code) {
		t.Errorf("spent codes: got %d on the first page (live code shown: %v), want a page of 50, the live one left out",
			len(codes), strings.Contains(page, live.Code))
	}
	if status, _ := admin.get("/office/fleet?state=nonsense"); status != http.StatusBadRequest {
		t.Errorf("unknown state: got %d, want 400", status)
	}
	// Three days on (signed in again: the session has lapsed).
	e.clock.Add(county.EnrollTTL + time.Minute)
	admin = e.client(t)
	admin.mustLogin("admin")
	_, page = admin.get("/office/fleet")
	if codes := codeCells.FindAllStringSubmatch(page, -1); len(codes) != 0 {
		t.Errorf("codes once the last expired: got %q, want none", codes)
	}
}

// TestFleetUpdateStates: each kiosk's update state shows in its row and its export, the
// update filter narrows the page to one state, and the head counts the
// published release's kiosks by state.
func TestFleetUpdateStates(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	p := county.ServicePoint{Code: "330522102000", Name: "雉城街道便民服务中心", Level: county.LevelTownship}
	states := []protocol.UpdateStatus{
		{State: protocol.UpdateInstalled, Version: "0.8.0"},
		{State: protocol.UpdateInstalled, Version: "0.8.0"},
		{State: protocol.UpdateRolledBack, Version: "0.8.0", Reason: "self-check failed: exit status 1"},
	}
	var ids []string
	for i := range states {
		code, err := e.st.CreateEnrollCode(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		d, err := e.st.Enroll(ctx, code.Code, "hall", "0.7.0")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ID)
		if err := e.st.SetDeviceStatus(ctx, d.ID, protocol.DeviceStatus{AppVersion: "0.7.0", Update: &states[i]}); err != nil {
			t.Fatal(err)
		}
	}
	// A release published to the pilot: signed elsewhere, stored here.
	_, priv, _ := release.GenerateKey()
	bin := []byte("kiosk 0.8.0")
	sum := sha256.Sum256(bin)
	signed, err := release.Sign(priv, release.Manifest{Product: release.Product, Version: "0.8.0", Track: "stable", OS: "linux", Arch: "amd64",
		SHA256: hex.EncodeToString(sum[:]), Size: int64(len(bin)), Signed: e.clock.Now(), Expires: e.clock.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.AddRelease(ctx, signed, bytes.NewReader(bin), "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.PublishRelease(ctx, "0.8.0", "linux", "amd64", county.ChannelPilot,
		county.AuditEntry{StaffLogin: "admin", ClientIP: "local"}); err != nil {
		t.Fatal(err)
	}

	admin := e.client(t)
	admin.mustLogin("admin")
	_, page := admin.get("/office/fleet")
	for _, want := range []string{"已发布版本 <strong>0.8.0</strong>", "已安装 2", "已回退 1", "self-check failed: exit status 1"} {
		if !strings.Contains(page, want) {
			t.Errorf("fleet page: want %q in\n%.4000s", want, page)
		}
	}
	_, page = admin.get("/office/fleet?update=rolled_back")
	if got := deviceIDs.FindAllStringSubmatch(page, -1); len(got) != 1 || got[0][1] != ids[2] {
		t.Errorf("update=rolled_back: got %v, want only %s", got, ids[2])
	}
	// The export of the filtered page carries the state and the reason.
	if status, _, csv := admin.download("/office/export/fleet?format=csv&update=rolled_back"); status != http.StatusOK ||
		!strings.Contains(string(csv), "已回退 0.8.0（self-check failed: exit status 1）") {
		t.Errorf("export: got %d\n%s\nwant the rolled back kiosk's update cell", status, csv)
	}
	_, page = admin.get("/office/fleet?update=refused")
	if got := deviceIDs.FindAllStringSubmatch(page, -1); len(got) != 0 {
		t.Errorf("update=refused: got %v, want none", got)
	}
}

// TestFleetPublishesAndWithdrawsReleases: an admin sets the pilot and
// publishes an uploaded release to it, then to all, then withdraws it,
// each on the audit trail; a reviewer cannot.
func TestFleetPublishesAndWithdrawsReleases(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, priv, _ := release.GenerateKey()
	bin := []byte("kiosk 0.8.0")
	sum := sha256.Sum256(bin)
	signed, err := release.Sign(priv, release.Manifest{Product: release.Product, Version: "0.8.0", Track: "stable", OS: "linux", Arch: "amd64",
		SHA256: hex.EncodeToString(sum[:]), Size: int64(len(bin)), Signed: e.clock.Now(), Expires: e.clock.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.AddRelease(ctx, signed, bytes.NewReader(bin), "signer"); err != nil {
		t.Fatal(err)
	}
	admin := e.client(t)
	admin.mustLogin("admin")
	_, page := admin.get("/office/fleet")
	if !strings.Contains(page, "软件更新") || !strings.Contains(page, "未发布") {
		t.Fatalf("fleet page: want the uploaded release, unpublished, in\n%.3000s", page)
	}
	token := admin.csrf("/office/fleet")
	if status, _ := admin.post("/office/fleet/pilots", url.Values{"csrf": {token}, "members": {"330522101000, 330522102000"}}); status != http.StatusSeeOther {
		t.Fatalf("set pilots: %d", status)
	}
	if got, _ := e.st.ReleasePilots(ctx); strings.Join(got, " ") != "330522101000 330522102000" {
		t.Errorf("pilots: got %v", got)
	}
	for _, ch := range []string{"pilot", "all", "none"} {
		if status, _ := admin.post("/office/fleet/releases", url.Values{"csrf": {token}, "version": {"0.8.0"}, "os": {"linux"}, "arch": {"amd64"}, "channel": {ch}}); status != http.StatusSeeOther {
			t.Fatalf("publish to %s: %d", ch, status)
		}
	}
	if status, _ := admin.post("/office/fleet/releases", url.Values{"csrf": {token}, "version": {"0.8.0"}, "os": {"linux"}, "arch": {"amd64"}, "channel": {"everyone"}}); status != http.StatusBadRequest {
		t.Errorf("an unknown channel: got %d, want 400", status)
	}
	if n := len(e.audit(t, county.AuditFilter{Action: "release.publish"})); n != 2 {
		t.Errorf("got %d release.publish audit rows, want 2", n)
	}
	if n := len(e.audit(t, county.AuditFilter{Action: "release.withdraw"})); n != 1 {
		t.Errorf("got %d release.withdraw audit rows, want 1", n)
	}
	reviewer := e.client(t)
	reviewer.mustLogin("lishen")
	rtoken := reviewer.csrf("/office/cases")
	if status, _ := reviewer.post("/office/fleet/releases", url.Values{"csrf": {rtoken}, "version": {"0.8.0"}, "os": {"linux"}, "arch": {"amd64"}, "channel": {"all"}}); status != http.StatusForbidden {
		t.Errorf("a reviewer publishing: got %d, want 403", status)
	}
}
