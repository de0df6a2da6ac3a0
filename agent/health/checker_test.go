package health

import (
	"context"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"
)

// toggledListener is a TCP port the test opens and closes.
type toggledListener struct {
	t    *testing.T
	port int
	mu   sync.Mutex
	l    net.Listener
}

func (tl *toggledListener) open() {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(tl.port)))
	if err != nil {
		tl.t.Fatal(err)
	}
	tl.l = l
	tl.port = l.Addr().(*net.TCPAddr).Port
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
}

func (tl *toggledListener) close() {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.l.Close()
}

// TestCheckerReportsHealthChangesAndKills runs a TCP check against a
// port the test opens and closes: healthy once open, unhealthy on each
// failure once closed, and a kill after the second in a row.
func TestCheckerReportsHealthChangesAndKills(t *testing.T) {
	port := &toggledListener{t: t}
	port.open()
	decisions := make(chan Decision, 100)
	c := &Checker{
		Timing: Timing{Interval: 10 * time.Millisecond, Timeout: 5 * time.Second, ConsecutiveFailures: 2},
		Probe:  &TCP{Port: uint32(port.port)},
		Report: func(d Decision) { decisions <- d },
		Logger: slog.New(slog.DiscardHandler),
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	defer func() {
		cancel()
		<-done
	}()

	next := func() Decision {
		t.Helper()
		select {
		case d := <-decisions:
			return d
		case <-time.After(20 * time.Second):
			t.Fatal("no decision")
			return Decision{}
		}
	}
	if d := next(); !d.Healthy {
		t.Fatalf("first decision %+v, want healthy", d)
	}
	// Passing checks say nothing more.
	select {
	case d := <-decisions:
		t.Fatalf("decision %+v while the port stays open", d)
	case <-time.After(100 * time.Millisecond):
	}
	port.close()
	if d := next(); d.Healthy || d.ConsecutiveFailures != 1 || d.Kill {
		t.Fatalf("after closing: %+v, want one failure", d)
	}
	if d := next(); d.Healthy || d.ConsecutiveFailures != 2 || !d.Kill {
		t.Fatalf("after closing: %+v, want the kill", d)
	}
}

// TestCheckerStopsWithItsContext stops a checker in the middle of a slow
// check and during its delay: Run returns and reports nothing more.
func TestCheckerStopsWithItsContext(t *testing.T) {
	for _, timing := range []Timing{
		{Delay: time.Hour},
		{Timeout: time.Hour}, // the check below blocks until stopped
	} {
		reported := make(chan Decision, 1)
		c := &Checker{
			Timing: timing,
			Probe:  blockingProbe{},
			Report: func(d Decision) { reported <- d },
			Logger: slog.New(slog.DiscardHandler),
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { c.Run(ctx); close(done) }()
		time.Sleep(20 * time.Millisecond)
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("Run with %+v did not return after its context ended", timing)
		}
		if len(reported) != 0 {
			t.Errorf("a stopped checker reported %+v", <-reported)
		}
	}
}

type blockingProbe struct{}

func (blockingProbe) Probe(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}
