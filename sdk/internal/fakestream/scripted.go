package fakestream

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Scripted is a server that answers like a Mesos master or agent whose
// JSON a test writes by hand: it records every request as it arrived,
// answers SUBSCRIBE with an event stream (its first record and headers
// from Subscribed, then whatever the test sends on Events, until End), and
// every other call with 202 Accepted.
type Scripted struct {
	Server *httptest.Server
	// Events feeds the live stream; End ends it (the peer goes away).
	Events chan []byte
	End    chan struct{}

	requests   chan Request
	subscribed func(n int) (http.Header, []byte)
	mu         sync.Mutex
	streams    int
}

// Request is a request as the server received it.
type Request struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

// NewScripted starts a server; subscribed returns the headers and the
// first record (SUBSCRIBED) of the n-th stream, from 1. It closes at the
// end of the test.
func NewScripted(t testing.TB, subscribed func(n int) (http.Header, []byte)) *Scripted {
	s := &Scripted{Events: make(chan []byte, 8), End: make(chan struct{}, 1), requests: make(chan Request, 32), subscribed: subscribed}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		select {
		case s.End <- struct{}{}:
		default:
		}
		s.Server.Close()
	})
	return s
}

func (s *Scripted) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.requests <- Request{r.Method, r.URL.Path, r.Header.Clone(), body}
	if !strings.Contains(string(body), `"SUBSCRIBE"`) {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	s.mu.Lock()
	s.streams++
	n := s.streams
	s.mu.Unlock()
	header, first := s.subscribed(n)
	Stream{ContentType: "application/json", Header: header, First: [][]byte{first}, Next: s.Events, End: s.End}.Serve(w, r)
}

// Next waits for the next request.
func (s *Scripted) Next(t testing.TB) Request {
	t.Helper()
	select {
	case r := <-s.requests:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no request reached the server")
		return Request{}
	}
}
