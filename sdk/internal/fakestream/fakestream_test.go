package fakestream_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"agora/sdk/internal/fakestream"
	"agora/wire/recordio"
)

func TestServe(t *testing.T) {
	next, end, started := make(chan []byte), make(chan struct{}), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fakestream.Stream{
			ContentType: "application/json", Header: http.Header{"Mesos-Stream-Id": {"s1"}},
			First: [][]byte{[]byte("first")}, Started: func() { close(started) }, Next: next, End: end,
		}.Serve(w, r)
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("Mesos-Stream-Id") != "s1" {
		t.Fatalf("headers %v", resp.Header)
	}
	r := recordio.NewReader(resp.Body, 0)
	if rec, err := r.ReadRecord(); err != nil || string(rec) != "first" {
		t.Fatalf("first record %q, %v", rec, err)
	}
	<-started
	next <- []byte("second")
	if rec, err := r.ReadRecord(); err != nil || string(rec) != "second" {
		t.Fatalf("second record %q, %v", rec, err)
	}
	close(end)
	if _, err := r.ReadRecord(); err == nil {
		t.Fatal("the stream went on after End")
	}
}
