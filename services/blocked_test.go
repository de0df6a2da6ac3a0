package services

import (
	"strings"
	"testing"

	"agora/services/app"
	"agora/services/placement"
)

// blockedHint speaks only when nothing under way could free an agent.
func TestBlockedHintOnlyWhenNothingCanFreeAnAgent(t *testing.T) {
	def := &app.App{Instances: 7, UpgradeStrategy: app.UpgradeStrategy{MinimumHealthCapacity: 0.9, MaximumOverCapacity: 1}}
	held := placement.Rejections{Processed: 4, HeldByReplaced: 3, Counts: []placement.ReasonCount{
		{Reason: placement.Reason{Kind: placement.KindConstraint, Constraint: "hostname:UNIQUE"}, Offers: 3},
		{Reason: placement.Reason{Kind: placement.KindCPUs}, Offers: 1},
	}}
	cases := []struct {
		name string
		rej  placement.Rejections
		r    replacement
		want string // a part of the hint; "" for none
	}{
		{"blocked", held, replacement{old: 7}, "3 of the last 4 offers are refused only because the 7 instance(s) being replaced hold their agents (hostname:UNIQUE)"},
		{"the suggested capacity lets one stop", held, replacement{old: 7}, "minimumHealthCapacity 0.9 keeps those running until new instances are ready; set minimumHealthCapacity to 0.85 or less"},
		{"an old instance is being killed", held, replacement{old: 6, killing: 1}, ""},
		{"a new instance may become ready", held, replacement{old: 6, notReady: 1}, ""},
		{"no instance is being replaced", held, replacement{}, ""},
		{"no offer is held by one", placement.Rejections{Processed: 4, Counts: held.Counts}, replacement{old: 7}, ""},
	}
	for _, tc := range cases {
		got := blockedHint(tc.rej, def, tc.r)
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("%s: hint %q, want one with %q", tc.name, got, tc.want)
		}
	}
}
