package stream_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	"agora/sdk/internal/stream"
	"agora/wire"
)

func TestLifecycle(t *testing.T) {
	var l stream.Lifecycle
	l.Stop() // no Run: nothing to stop
	ctx, end, ok := l.Start(context.Background(), nil)
	if !ok {
		t.Fatal("first Start refused")
	}
	if _, _, ok := l.Start(context.Background(), nil); ok {
		t.Fatal("second Start while running accepted")
	}
	l.Stop()
	<-ctx.Done()
	end()
	if _, end, ok := l.Start(context.Background(), nil); !ok {
		t.Fatal("Start after end refused")
	} else {
		end()
	}
}

func TestPostAndAnswers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Accept") != "application/json" || r.Header.Get("Mesos-Stream-Id") != "s1" {
			http.Error(w, "bad headers", http.StatusBadRequest)
			return
		}
		b, _ := io.ReadAll(r.Body)
		http.Error(w, string(b), http.StatusConflict)
	}))
	defer srv.Close()
	client, own := stream.Client(nil)
	if own == nil || client.Transport != own {
		t.Fatal("Client(nil) did not make a transport of its own")
	}
	defer own.CloseIdleConnections()
	resp, err := stream.Post(context.Background(), client, srv.URL, wire.JSON, &mesospb.TaskID{Value: proto.String("t")}, http.Header{"Mesos-Stream-Id": {"s1"}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusConflict || !stream.Permanent(resp.StatusCode) {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got := stream.Message(resp); got != `{"value":"t"}` {
		t.Fatalf("Message %q", got)
	}
	for code, want := range map[int]bool{400: true, 403: true, 408: false, 429: false, 500: false, 503: false} {
		if stream.Permanent(code) != want {
			t.Errorf("Permanent(%d) = %v", code, !want)
		}
	}
}
