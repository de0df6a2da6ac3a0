package leakcheck

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Wait bounds how long Check waits for new goroutines to end.
var Wait = 10 * time.Second

// Snapshot records the goroutines running now; call Check on it later.
type Snapshot map[string]bool

// Take returns the set of goroutines running now.
func Take() Snapshot {
	s := Snapshot{}
	for _, g := range goroutines() {
		s[id(g)] = true
	}
	return s
}

// Check fails t if goroutines started since the snapshot are still running
// after a generous wait and their stacks contain any of the given
// substrings (all new goroutines when none are given).
func (s Snapshot) Check(t testing.TB, only ...string) {
	t.Helper()
	deadline := time.Now().Add(Wait)
	for {
		leaked := s.leaked(only)
		if len(leaked) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("leakcheck: %d goroutine(s) left running:\n\n%s", len(leaked), strings.Join(leaked, "\n\n"))
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s Snapshot) leaked(only []string) []string {
	var out []string
	for _, g := range goroutines() {
		if s[id(g)] || strings.Contains(g, "leakcheck.goroutines") {
			continue
		}
		if len(only) == 0 {
			out = append(out, g)
			continue
		}
		for _, o := range only {
			if strings.Contains(g, o) {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

func goroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if len(g) > 0 {
			out = append(out, string(g))
		}
	}
	return out
}

// id returns "goroutine N" from a stack's first line.
func id(stack string) string {
	first, _, _ := strings.Cut(stack, "\n")
	var n int
	if _, err := fmt.Sscanf(first, "goroutine %d", &n); err != nil {
		return first
	}
	return fmt.Sprint(n)
}
