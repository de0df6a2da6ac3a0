package plan_test

import (
	"testing"

	"agora/services/plan"
)

// BenchmarkNext is one decision for an app of 1,000 instances halfway
// through a rolling restart (500 old ready, 500 new: half ready, half
// staged): the engine calls Next on every status update of the app.
func BenchmarkNext(b *testing.B) {
	tg := target("v2", 1000, 0.8, 0.2)
	cur := append(running("old", "v1", 500), running("new", "v2", 500)...)
	for i := 750; i < 1000; i++ {
		cur[i].State = plan.Staged
	}
	b.ReportAllocs()
	for b.Loop() {
		plan.Next(tg, cur, t0)
	}
}
