package services_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/hall"
	"github.com/yichuang/yichuang/app/hallnet"
	"github.com/yichuang/yichuang/app/internal/halltest"
	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/app/rating"
	"github.com/yichuang/yichuang/app/services"
)

// TestCopiedDataFolderYieldsNothing is a hall PC's data folder copied with
// the machine off (a stolen disk, an agent's laptop out of its bag): after
// a day's work, enrolled with a real county, with a scanned ID card,
// printed papers, a booking, a rating, the hub's TLS key and a daily
// backup, no file in the folder holds an ID number, a mobile, a scan or a
// credential the test wrote (issue 15).
func TestCopiedDataFolderYieldsNothing(t *testing.T) {
	ctx := context.Background()
	cd := halltest.StartCountyd(t, t.TempDir(), "127.0.0.1:0")
	h, l, sup := halltest.Enrolled(t, cd, cd.URL)

	const idNumber, mobile = "330522199003150024", "13857201234"
	scanMark := []byte("ID-CARD-SCAN-身份证正面-MARKER")
	scan := append([]byte("\xff\xd8\xff\xe0"), bytes.Repeat(scanMark, 200)...)
	svc := h.Intake(t)
	svc.Counter.Printer = nil // papers are archived all the same
	att, err := svc.Counter.Attach(bytes.NewReader(scan), "身份证正面_"+idNumber+".jpg")
	if err != nil {
		t.Fatal(err)
	}
	d := h.RestaurantDraft(t, "")
	d.Attachments = []cases.Attachment{att}
	o, err := svc.Decide(ctx, sup, d, cases.Decision{Kind: cases.Complete})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Papers) == 0 || o.PrintErr != nil {
		t.Fatalf("papers %d, %v", len(o.Papers), o.PrintErr)
	}
	local := hall.NewLocal(h.DB, h.Clock, "公告")
	if _, err := local.Book(ctx, queue.BookRequest{RequestID: "b1", Sector: "商事登记", Day: h.Clock.Now().AddDate(0, 0, 7).Format(time.DateOnly),
		Half: queue.AM, ResidentID: "330522198805060018", Mobile: "13900001111"}); err != nil {
		t.Logf("booking: %v (the week's schedule may be closed; the ticket below still carries the number)", err)
	}
	if _, err := h.DB.Rate(ctx, rating.Rating{Kind: rating.Case, Ref: o.Case.ID, Level: 1, Note: "请回电13700002222", ClerkID: sup.ID,
		ClerkName: sup.Name, Window: 1}); err != nil {
		t.Fatal(err)
	}
	id, err := hallnet.NewIdentity("洪桥镇", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := h.DB.SaveHubIdentity(ctx, id.CertPEM, id.KeyPEM); err != nil {
		t.Fatal(err)
	}
	halltest.Round(t, l)
	if _, err := h.DB.DailyBackup(ctx, 7); err != nil {
		t.Fatal(err)
	}
	e, _, err := h.DB.Enrollment(ctx)
	if err != nil || e.Key == "" {
		t.Fatalf("enrollment: key %v, %v", e.Key != "", err)
	}
	seed, _ := base64.StdEncoding.DecodeString(e.Key)
	keyBody := pemBody(id.KeyPEM)

	// The machine goes off.
	h.DB.Close()
	secrets := map[string][]byte{
		"ID number": []byte(idNumber), "mobile": []byte(mobile), "booked ID number": []byte("330522198805060018"),
		"booked mobile": []byte("13900001111"), "mobile in a rating's note": []byte("13700002222"), "scan": scanMark,
		"device key (base64)": []byte(e.Key), "device key": seed, "hub TLS key": []byte(keyBody),
		"applicant's name": []byte("张小红"), "business address": []byte("洪桥镇洪桥路18号"),
	}
	files := 0
	filepath.WalkDir(h.Dir, func(path string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		files++
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("read %s: %v", path, err)
			return nil
		}
		for what, v := range secrets {
			if bytes.Contains(raw, v) {
				t.Errorf("%s holds the %s in clear", strings.TrimPrefix(path, h.Dir), what)
			}
		}
		if info, _ := de.Info(); info.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is readable by others: %v", strings.TrimPrefix(path, h.Dir), info.Mode().Perm())
		}
		return nil
	})
	if files < 5 {
		t.Errorf("only %d files in the data folder: the test looked at too little", files)
	}
}

// pemBody is a PEM block's base64 lines joined, as they sit in a file.
func pemBody(p []byte) string {
	var b strings.Builder
	for _, line := range strings.Split(string(p), "\n") {
		if !strings.HasPrefix(line, "-----") {
			b.WriteString(line)
		}
	}
	return b.String()[:60]
}

// The county's retention period reaches the hall through the feed, and a
// closed case is reduced with its scan and papers deleted from disk.
func TestRetentionFromTheCounty(t *testing.T) {
	ctx := context.Background()
	cd := halltest.StartCountyd(t, t.TempDir(), "127.0.0.1:0")
	clk := clock.NewManual(time.Now())
	h := halltest.Open(t, halltest.ConfiguredData(t), clk)
	sup := h.Supervisor(t)
	l := h.Link(sup.ID, "")
	if err := l.Enroll(ctx, cd.URL, cd.EnrollCode(t)); err != nil {
		t.Fatal(err)
	}
	svc := h.Intake(t)
	svc.Counter.Printer = nil
	scan := append([]byte("%PDF-1.4 "), bytes.Repeat([]byte("scan "), 100)...)
	att, err := svc.Counter.Attach(bytes.NewReader(scan), "申请书.pdf")
	if err != nil {
		t.Fatal(err)
	}
	d := h.RestaurantDraft(t, "")
	d.Attachments = []cases.Attachment{att}
	o, err := svc.Decide(ctx, sup, d, cases.Decision{Kind: cases.Complete})
	if err != nil {
		t.Fatal(err)
	}
	after, err := cases.Deliver(o.Case, cases.Person{Name: "张小红", IDNumber: "330522199003150024"}, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.DB.UpdateCase(ctx, after, cases.EvDelivered, cases.Actor{Name: sup.Name, Window: 1}, after.Pickup); err != nil {
		t.Fatal(err)
	}
	cd.Admin(t, "set-retention", "-days", "30")
	halltest.Round(t, l)
	if keep, _ := h.DB.Retention(ctx); keep != 30*24*time.Hour {
		t.Fatalf("retention after the county's word: %v", keep)
	}
	// A month and a day later.
	clk.Set(clk.Now().Add(31 * 24 * time.Hour))
	r, err := services.Minimise(ctx, h.DB, h.Dir)
	if err != nil || r.Cases != 1 || len(r.Scans) != 1 || len(r.Papers) == 0 {
		t.Fatalf("minimise: %+v, %v", r, err)
	}
	if h.Files().Has(att.SHA256) {
		t.Error("the reduced case's scan is still on disk")
	}
	for _, p := range r.Papers {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("paper %s still on disk", filepath.Base(p))
		}
	}
	if _, err := h.DB.VerifyProgress(ctx, o.Case.Tracking, o.Case.QueryPIN); err != nil {
		t.Errorf("progress of the reduced case: %v", err)
	}
}
