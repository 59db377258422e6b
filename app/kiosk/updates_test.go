package kiosk

import (
	"testing"

	"github.com/yichuang/yichuang/app/queue"
)

// A ticket still at a window holds an update's install; tickets waiting,
// done or passed over do not.
func TestTicketsOpenHoldAnInstall(t *testing.T) {
	for _, tc := range []struct {
		statuses []queue.Status
		want     bool
	}{
		{nil, false},
		{[]queue.Status{queue.Waiting, queue.Done, queue.NoShow}, false},
		{[]queue.Status{queue.Done, queue.Called}, true},
		{[]queue.Status{queue.Serving}, true},
		{[]queue.Status{queue.Parked}, true},
	} {
		var tickets []queue.Ticket
		for i, s := range tc.statuses {
			tickets = append(tickets, queue.Ticket{Number: "A00" + string(rune('1'+i)), Status: s})
		}
		what, got := ticketsOpen(tickets)
		if got != tc.want {
			t.Errorf("%v: got %v (%q), want %v", tc.statuses, got, what, tc.want)
		}
	}
}
