package marathon_test

import (
	"agora/services/marathon"
	"agora/services/marathon/marathontest"
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"agora/services/events"
)

// sseServer runs the handler on a real loopback server.
func sseServer(t *testing.T, busOpts events.Options, keepAlive time.Duration) (*httptest.Server, *events.Bus) {
	t.Helper()
	bus := events.NewBus(busOpts)
	srv := httptest.NewServer(marathon.NewHandler(marathontest.New(), marathon.Options{Events: bus, KeepAlive: keepAlive, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	return srv, bus
}

// openStream opens /v2/events and returns a line reader over the body.
func openStream(t *testing.T, ctx context.Context, url string) (*http.Response, *bufio.Reader) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return resp, bufio.NewReader(resp.Body)
}

// readEvent reads one "event:/data:" frame, skipping blank keep-alive lines.
func readEvent(t *testing.T, r *bufio.Reader) (string, string) {
	t.Helper()
	var typ, data string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the stream: %v (so far %q %q)", err, typ, data)
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case strings.HasPrefix(line, "event: "):
			typ = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = strings.TrimPrefix(line, "data: ")
		case line == "" && typ != "":
			return typ, data
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestEventStreamFraming(t *testing.T) {
	srv, bus := sseServer(t, events.Options{}, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, r := openStream(t, ctx, srv.URL+"/v2/events")

	typ, data := readEvent(t, r)
	if typ != "event_stream_attached" || !strings.Contains(data, `"remoteAddress":"127.0.0.1"`) {
		t.Fatalf("first event %s %s", typ, data)
	}
	bus.Publish(&events.StatusUpdate{Base: events.Base{Timestamp: "2026-01-01T00:00:00.000Z"}, TaskID: "web.1", TaskStatus: "TASK_RUNNING", AppID: "/web"})
	typ, data = readEvent(t, r)
	const want = `{"eventType":"status_update_event","timestamp":"2026-01-01T00:00:00.000Z","slaveId":"","taskId":"web.1","taskStatus":"TASK_RUNNING","message":"","appId":"/web","host":"","ipAddresses":null,"ports":null,"version":""}`
	if typ != "status_update_event" || data != want {
		t.Fatalf("got %s %s", typ, data)
	}

	// A second client sees the first one's events and its own attachment; when it
	// leaves, the first hears event_stream_detached.
	ctx2, cancel2 := context.WithCancel(context.Background())
	_, r2 := openStream(t, ctx2, srv.URL+"/v2/events")
	if typ, _ := readEvent(t, r2); typ != "event_stream_attached" {
		t.Fatalf("second client first event %s", typ)
	}
	if typ, _ := readEvent(t, r); typ != "event_stream_attached" {
		t.Fatalf("first client saw %s", typ)
	}
	cancel2()
	if typ, _ := readEvent(t, r); typ != "event_stream_detached" {
		t.Fatalf("first client saw %s", typ)
	}
	waitFor(t, "one subscriber left", func() bool { return bus.Subscribers() == 1 })
}

func TestEventStreamFilterByType(t *testing.T) {
	srv, bus := sseServer(t, events.Options{}, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, r := openStream(t, ctx, srv.URL+"/v2/events?event_type=deployment_success&event_type=app_terminated_event")
	waitFor(t, "subscription", func() bool { return bus.Subscribers() == 1 })
	bus.Publish(&events.StatusUpdate{TaskID: "x"})
	bus.Publish(&events.AppTerminated{AppID: "/gone"})
	bus.Publish(&events.DeploymentFailed{ID: "f"})
	bus.Publish(&events.DeploymentSuccess{ID: "d1"})
	if typ, data := readEvent(t, r); typ != "app_terminated_event" || !strings.Contains(data, `"appId":"/gone"`) {
		t.Fatalf("got %s %s", typ, data)
	}
	if typ, data := readEvent(t, r); typ != "deployment_success" || !strings.Contains(data, `"id":"d1"`) {
		t.Fatalf("got %s %s", typ, data)
	}
}

func TestEventStreamKeepAlive(t *testing.T) {
	srv, _ := sseServer(t, events.Options{}, 10*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, r := openStream(t, ctx, srv.URL+"/v2/events")
	readEvent(t, r) // attached
	for range 2 {
		line, err := r.ReadString('\n')
		if err != nil || line != "\r\n" {
			t.Fatalf("keep-alive %q %v", line, err)
		}
	}
}

func TestEventStreamNeedsAcceptHeader(t *testing.T) {
	srv, bus := sseServer(t, events.Options{}, time.Hour)
	resp, err := http.Get(srv.URL + "/v2/events")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 405 || !strings.Contains(string(body), "text/event-stream") {
		t.Fatalf("status %d body %s", resp.StatusCode, body)
	}
	if bus.Subscribers() != 0 {
		t.Fatal("subscribed without a stream")
	}
	// Without a bus the stream is unavailable.
	srv2 := httptest.NewServer(marathon.NewHandler(marathontest.New(), marathon.Options{}))
	defer srv2.Close()
	req, _ := http.NewRequest("GET", srv2.URL+"/v2/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

// A client that stops reading is dropped by the bus: the publisher never blocks, the
// subscription goes away, and once the client reads again its stream ends after what
// was already on the way.
func TestSlowEventStreamClientIsDropped(t *testing.T) {
	srv, bus := sseServer(t, events.Options{Buffer: 4, Logger: slog.New(slog.DiscardHandler)}, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resp, r := openStream(t, ctx, srv.URL+"/v2/events")
	readEvent(t, r) // attached
	waitFor(t, "subscription", func() bool { return bus.Subscribers() == 1 })

	// 64 MB of events: far more than the socket buffers hold, so the handler blocks in
	// Write and its buffer of 4 overflows.
	big := strings.Repeat("x", 64<<10)
	const n = 1024
	for i := range n {
		if err := bus.Publish(&events.StatusUpdate{TaskID: big, Message: string(rune('a' + i%26))}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the slow subscriber to be dropped", func() bool { return bus.Subscribers() == 0 })

	got := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			break
		}
		if strings.HasPrefix(line, "event: status_update_event") {
			got++
		}
	}
	resp.Body.Close()
	if got >= n {
		t.Fatalf("client got all %d events; it should have been dropped", got)
	}
}

func TestClosingTheBusEndsEventStreams(t *testing.T) {
	srv, bus := sseServer(t, events.Options{}, time.Hour)
	_, r := openStream(t, context.Background(), srv.URL+"/v2/events")
	readEvent(t, r) // attached
	bus.Close()
	if _, err := io.ReadAll(r); err != nil {
		t.Fatalf("stream did not end cleanly: %v", err)
	}
}
