package office_test

import (
	"context"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/protocol"
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
