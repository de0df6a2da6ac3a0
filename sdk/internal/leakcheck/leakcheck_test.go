package leakcheck

import (
	"testing"
	"time"
)

// fakeT records a failure instead of failing the real test.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Fatalf(string, ...any) { f.failed = true }

func TestCheckFindsALeakAndAcceptsItsEnd(t *testing.T) {
	defer func(w time.Duration) { Wait = w }(Wait)
	Wait = 200 * time.Millisecond
	s := Take()
	stop := make(chan struct{})
	go func() { <-stop }()
	ft := &fakeT{TB: t}
	s.Check(ft, "leakcheck.TestCheckFindsALeak")
	if !ft.failed {
		t.Fatal("a goroutine still blocked was not reported")
	}
	close(stop)
	s.Check(t, "leakcheck.TestCheckFindsALeak")
}
