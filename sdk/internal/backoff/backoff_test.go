package backoff

import (
	"testing"
	"time"
)

func TestNextGrowsWithinBounds(t *testing.T) {
	b := Backoff{Min: 100 * time.Millisecond, Max: 800 * time.Millisecond}
	ceilings := []time.Duration{100, 200, 400, 800, 800, 800}
	for i, c := range ceilings {
		c *= time.Millisecond
		d := b.Next()
		if d < c/2 || d > c {
			t.Fatalf("attempt %d: wait %v outside [%v, %v]", i, d, c/2, c)
		}
	}
	b.Reset()
	if d := b.Next(); d > 100*time.Millisecond {
		t.Fatalf("after Reset: wait %v, want at most Min", d)
	}
}

func TestSleepStopsWhenDone(t *testing.T) {
	b := Backoff{Min: time.Hour, Max: time.Hour}
	done := make(chan struct{})
	close(done)
	if b.Sleep(done) {
		t.Fatal("Sleep reported a full wait although done was closed")
	}
}
