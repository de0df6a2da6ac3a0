package gc

import (
	"math"
	"slices"
	"testing"
	"time"
)

func TestScheduleDueAndPrune(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	s := NewSchedule()
	if _, ok := s.Next(); ok {
		t.Fatal("an empty schedule has a next time")
	}
	s.Add("/run/a", t0.Add(3*time.Hour))
	s.Add("/run/b", t0.Add(1*time.Hour))
	s.Add("/run/c", t0.Add(2*time.Hour))
	s.Add("/run/a", t0.Add(5*time.Hour)) // rescheduled
	if next, ok := s.Next(); !ok || !next.Equal(t0.Add(time.Hour)) {
		t.Fatalf("Next = %v, %v", next, ok)
	}
	if got := s.Due(t0.Add(30 * time.Minute)); len(got) != 0 {
		t.Fatalf("Due before anything is due = %v", got)
	}
	if got := s.Due(t0.Add(2 * time.Hour)); !slices.Equal(got, []string{"/run/b", "/run/c"}) {
		t.Fatalf("Due at +2h = %v, want b then c (c is due exactly then)", got)
	}
	if s.Len() != 1 {
		t.Fatalf("%d left, want a", s.Len())
	}
	if !s.Remove("/run/a") || s.Remove("/run/a") {
		t.Fatal("Remove did not unschedule a exactly once")
	}

	// Prune takes what is due within d: with gc_delay 10h, a MaxAge of 4h
	// prunes within 6h, that is everything scheduled 4h ago or earlier.
	delay := 10 * time.Hour
	for i, ago := range []time.Duration{time.Hour, 4 * time.Hour, 5 * time.Hour} {
		s.Add(string(rune('x'+i)), t0.Add(-ago).Add(delay))
	}
	if got := s.Prune(t0, delay-4*time.Hour); !slices.Equal(got, []string{"z", "y"}) {
		t.Fatalf("Prune = %v, want the two at least 4h old, oldest first", got)
	}
}

func TestMaxAge(t *testing.T) {
	week := 7 * 24 * time.Hour
	tests := []struct {
		headroom, usage float64
		want            time.Duration
	}{
		{0.1, 0, time.Duration(0.9 * float64(week))},
		{0.1, 0.4, week / 2},
		{0.1, 0.9, 0},
		{0.1, 1, 0},
		{0, 0, week},
		{1, 0, 0},
		{0.1, math.NaN(), 0},
	}
	for _, tt := range tests {
		if got := MaxAge(week, tt.headroom, tt.usage); (got - tt.want).Abs() > time.Second {
			t.Errorf("MaxAge(week, %v, %v) = %v, want %v", tt.headroom, tt.usage, got, tt.want)
		}
	}
}

func TestUsage(t *testing.T) {
	u, err := Usage(t.TempDir())
	if err != nil || u < 0 || u > 1 {
		t.Fatalf("Usage = %v, %v", u, err)
	}
	if _, err := Usage("/no/such/dir"); err == nil {
		t.Error("Usage of a missing directory did not fail")
	}
}
