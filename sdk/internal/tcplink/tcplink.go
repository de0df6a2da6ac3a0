package tcplink

import (
	"io"
	"net"
	"sync"
	"testing"
)

// Link forwards connections made to Addr to a target address.
type Link struct {
	ln     net.Listener
	target string
	wg     sync.WaitGroup

	mu    sync.Mutex
	conns []net.Conn
}

// New starts a link to target on a free loopback port; it closes at the
// end of the test.
func New(t testing.TB, target string) *Link {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &Link{ln: ln, target: target}
	l.wg.Add(1)
	go l.accept()
	t.Cleanup(func() { ln.Close(); l.Cut(); l.wg.Wait() })
	return l
}

// Addr is the link's "127.0.0.1:port".
func (l *Link) Addr() string { return l.ln.Addr().String() }

func (l *Link) accept() {
	defer l.wg.Done()
	for {
		in, err := l.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", l.target)
		if err != nil {
			in.Close()
			continue
		}
		l.mu.Lock()
		l.conns = append(l.conns, in, out)
		l.mu.Unlock()
		l.wg.Add(2)
		go func() { defer l.wg.Done(); _, _ = io.Copy(out, in); out.Close() }()
		go func() { defer l.wg.Done(); _, _ = io.Copy(in, out); in.Close() }()
	}
}

// Cut closes every connection made so far, in the middle of whatever was
// being sent: the peers see the stream end without its final chunk. New
// connections are still forwarded.
func (l *Link) Cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // reset, not an orderly close
		}
		c.Close()
	}
	l.conns = nil
}
