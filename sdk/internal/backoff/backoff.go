package backoff

import (
	"math/rand/v2"
	"time"
)

// Backoff hands out growing waits. The zero value is not useful; set Min and
// Max. It is not safe for concurrent use: each driver loop owns one.
type Backoff struct {
	Min, Max time.Duration
	next     time.Duration
}

// Next returns the wait before the next attempt: a random duration in
// [d/2, d] where d starts at Min and doubles up to Max. The jitter keeps
// many frameworks that lost the same master from coming back in lockstep.
func (b *Backoff) Next() time.Duration {
	if b.next <= 0 {
		b.next = b.Min
	}
	d := min(b.next, b.Max)
	b.next = min(2*b.next, b.Max)
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// Reset makes the next wait Min again.
func (b *Backoff) Reset() { b.next = 0 }

// Sleep waits for Next() or until done is closed; it reports whether the
// whole wait elapsed.
func (b *Backoff) Sleep(done <-chan struct{}) bool {
	t := time.NewTimer(b.Next())
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-done:
		return false
	}
}
