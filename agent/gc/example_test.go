package gc_test

import (
	"fmt"
	"time"

	"agora/agent/gc"
)

// Sandboxes are due gc_delay after their run ended; a filling disk
// prunes the older ones early.
func ExampleSchedule() {
	now := time.Date(2024, 1, 8, 0, 0, 0, 0, time.UTC)
	delay := 7 * 24 * time.Hour
	s := gc.NewSchedule()
	s.Add("run-6-days-old", now.Add(-6*24*time.Hour).Add(delay))
	s.Add("run-1-day-old", now.Add(-24*time.Hour).Add(delay))

	fmt.Println("due now:", s.Due(now))
	// The disk is 60% full: with 10% headroom, sandboxes may be
	// 0.3 × 7 days = 2.1 days old.
	age := gc.MaxAge(delay, 0.1, 0.6)
	fmt.Println("pruned:", s.Prune(now, delay-age))
	// Output:
	// due now: []
	// pruned: [run-6-days-old]
}
