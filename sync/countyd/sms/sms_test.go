package sms_test

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/sms"
)

// store is a fake built from function fields.
type store struct {
	due    func() []county.Outgoing
	record func(o county.Outgoing, out county.NoticeOutcome)
}

func (s store) DueNotices(context.Context, int) ([]county.Outgoing, error) { return s.due(), nil }
func (s store) RecordNoticeTries(_ context.Context, o county.Outgoing, out county.NoticeOutcome) error {
	s.record(o, out)
	return nil
}

// A gateway that does not answer is a failed try on record, without the
// gateway's URL (an adapter's key may ride in its query).
func TestUnreachableGatewayIsRecordedWithoutItsURL(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	gateway := "http://" + addr + "/send?key=SECRET-KEY"
	var got []county.NoticeOutcome
	st := store{
		due: func() []county.Outgoing {
			return []county.Outgoing{{EventID: "county-status:1", Mobile: "13857201234", Signature: "长兴县政务服务", Code: "SMS_1"}}
		},
		record: func(_ county.Outgoing, out county.NoticeOutcome) { got = append(got, out) },
	}
	s := sms.New(st, sms.Options{Gateway: gateway, RetryMax: 1, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond,
		Log: slog.New(slog.DiscardHandler)})
	n, err := s.SendDue(context.Background())
	if err != nil || n != 0 {
		t.Fatalf("got %d sent, %v; want 0 and no error", n, err)
	}
	if len(got) != 1 || got[0].Sent || len(got[0].Tries) != 2 {
		t.Fatalf("got %+v, want one outcome of two failed tries", got)
	}
	for _, try := range got[0].Tries {
		if try.Err == "" || try.HTTP != 0 || strings.Contains(try.Err, "SECRET-KEY") {
			t.Errorf("try %+v: want the transport error without the gateway's key", try)
		}
	}
}
