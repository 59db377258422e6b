package services

import "testing"

func TestRefusalInTheSupervisorsWords(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"wrong_point: case belongs to service point 330522102000", "不属于本服务点（wrong_point：case belongs to service point 330522102000）"},
		{"out_of_order: version 2 after 3", "同一办件的前一条记录未被接收（out_of_order：version 2 after 3）"},
		{"something_new: from a newer county", "something_new: from a newer county"},
	} {
		if got := refusal(tc.in); got != tc.want {
			t.Errorf("refusal(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestRefusedKindNamesFollowUps: a county before the follow-up kinds
// refuses them; the supervisor reads what was refused in words.
func TestRefusedKindNamesFollowUps(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"followup.called", "差评回访"},
		{"followup.rectified", "差评整改"},
		{"case.accepted", "受理"},
	} {
		if got := refusedKind(tc.in); got != tc.want {
			t.Errorf("refusedKind(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
}
