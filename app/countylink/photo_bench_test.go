package countylink_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/internal/halltest"
	"github.com/yichuang/yichuang/app/photo"
	"github.com/yichuang/yichuang/app/photo/phototest"
	"github.com/yichuang/yichuang/sync/client"
)

// BenchmarkPhotoWeek measures a village agent's week of photos (200
// cases, each with its application form and both faces of the
// applicant's ID card, photographed by a document camera at 8–16 MP,
// JPEG q95, 2–8 MB) crossing the link of the goal (toxiproxy: 1 Mbit/s
// up, 200 ms round trip) to the real countyd, before normalisation (the
// camera's files, as the kiosk stored them until now) and after (what
// counter.Attach stores now).
//
// A week's 600 photos at 1 Mbit/s would take hours to send for real, so
// the benchmark photographs a sample of YICHUANG_PHOTO_CASES cases (4 by
// default), sends the sample's normalised photos and one case's originals
// through the link in real sync rounds (cases pushed, files uploaded in
// 1 MiB chunks, the feed pulled), and projects each measured rate to the
// week's bytes. The ratio of each round to the link's bound (bytes ÷
// bandwidth + round trips × RTT) shows the projection stands on a real
// transfer. Run with -benchtime 1x.
func BenchmarkPhotoWeek(b *testing.B) {
	ctx := context.Background()
	sample := 4
	if n, err := strconv.Atoi(os.Getenv("YICHUANG_PHOTO_CASES")); err == nil && n > 0 {
		sample = n
	}
	const week = 200
	type casePhotos struct{ orig, norm [][]byte }
	var set []casePhotos
	var origBytes, normBytes int64
	var normTime time.Duration
	for i := range sample {
		var c casePhotos
		for _, p := range phototest.Set(uint64(i + 1)) {
			t0 := time.Now()
			r, err := photo.Normalize(p.JPEG, p.Name)
			normTime += time.Since(t0)
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: %d KB → %d KB, %d×%d q%d grey %v", p.Name, len(p.JPEG)>>10, len(r.JPEG)>>10, r.Width, r.Height, r.Quality, r.Gray)
			c.orig, c.norm = append(c.orig, p.JPEG), append(c.norm, r.JPEG)
			origBytes += int64(len(p.JPEG))
			normBytes += int64(len(r.JPEG))
		}
		set = append(set, c)
	}
	photos := int64(3 * sample)

	cd := halltest.StartCountyd(b, b.TempDir(), "127.0.0.1:0")
	proxy := hostileLink(b, cd.Listen)
	h, l, sup := halltest.Enrolled(b, cd, "http://"+proxy.Listen)
	toxic(b, proxy, "up", "latency", "upstream", `{"latency": 100}`)
	toxic(b, proxy, "down", "latency", "downstream", `{"latency": 100}`)
	toxic(b, proxy, "bw", "bandwidth", "upstream", `{"rate": 125}`)
	svc := h.Intake(b)
	svc.Counter.Printer = nil

	// file accepts a case with the given photos stored as they are
	// (blobs.Put: the photos are already what the kiosk would hold).
	file := func(shots [][]byte) {
		d := h.RestaurantDraft(b, "")
		for i, s := range shots {
			a, err := h.Files().Put(bytes.NewReader(s), fmt.Sprintf("照片%d.jpg", i))
			if err != nil {
				b.Fatal(err)
			}
			d.Attachments = append(d.Attachments, a)
		}
		if _, err := svc.Counter.Submit(ctx, sup, d, cases.Decision{Kind: cases.Accept}); err != nil {
			b.Fatal(err)
		}
	}
	// send runs one sync round through the link and returns its time,
	// bytes sent up and its ratio to the link's bound.
	send := func(files int) (time.Duration, int64, float64) {
		m := newMeter()
		l.SetClientOptions(client.Options{Gzip: true, Transport: m, AttemptTimeout: 5 * time.Minute})
		t0 := time.Now()
		rep, err := l.Round(ctx)
		elapsed := time.Since(t0)
		if err != nil || rep.Uploaded != files {
			b.Fatalf("round: %+v, %v (want %d files uploaded)", rep, err, files)
		}
		bound := time.Duration(float64(m.bytes.Load())/linkBytesPerSec*float64(time.Second)) + time.Duration(m.requests.Load())*linkRTT
		return elapsed, m.bytes.Load(), elapsed.Seconds() / bound.Seconds()
	}
	// Whatever enrolment left to send goes first, outside the figures.
	if _, err := l.Round(ctx); err != nil {
		b.Fatal(err)
	}

	for range b.N {
		for _, c := range set {
			file(c.norm)
		}
		afterT, afterUp, afterRatio := send(len(set) * 3)
		file(set[0].orig)
		beforeT, beforeUp, beforeRatio := send(3)
		var firstOrig int64
		for _, o := range set[0].orig {
			firstOrig += int64(len(o))
		}

		weekOrig := float64(origBytes) / float64(sample) * week
		weekNorm := float64(normBytes) / float64(sample) * week
		// Each measured round's seconds per byte sent, over the week's
		// bytes (the round's bytes include its case events and headers).
		weekBefore := beforeT.Seconds() / float64(firstOrig) * weekOrig
		weekAfter := afterT.Seconds() / float64(normBytes) * weekNorm
		b.ReportMetric(float64(origBytes)/float64(photos)/1e6, "orig-MB/photo")
		b.ReportMetric(float64(normBytes)/float64(photos)/1e3, "norm-KB/photo")
		b.ReportMetric(normTime.Seconds()/float64(photos)*1000, "normalise-ms/photo")
		b.ReportMetric(weekOrig/1e6, "week-before-MB")
		b.ReportMetric(weekNorm/1e6, "week-after-MB")
		b.ReportMetric(weekBefore/3600, "week-before-h")
		b.ReportMetric(weekAfter/60, "week-after-min")
		b.ReportMetric(beforeT.Seconds(), "sample-before-s")
		b.ReportMetric(afterT.Seconds(), "sample-after-s")
		b.ReportMetric(beforeRatio, "before-ratio")
		b.ReportMetric(afterRatio, "after-ratio")
		b.Logf("sample: %d cases, %d photos; originals %.1f MB (%.1f MB sent up for one case's 3 in %.1f s), normalised %.0f KB (%.0f KB sent up in %.1f s)",
			sample, photos, float64(origBytes)/1e6, float64(beforeUp)/1e6, beforeT.Seconds(), float64(normBytes)/1e3, float64(afterUp)/1e3, afterT.Seconds())
	}
}
