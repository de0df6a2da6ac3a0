package wire_test

import (
	"bytes"
	"net/http/httptest"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/wire"
	"agora/wire/recordio"
)

func event(t schedulerpb.Event_Type) *schedulerpb.Event { return &schedulerpb.Event{Type: t.Enum()} }

// Serve writes what was queued, heartbeats while idle, and on Close drains
// the queue before returning nil.
func TestEventStreamServe(t *testing.T) {
	s := wire.NewEventStream("id", wire.JSON, func() proto.Message { return event(schedulerpb.Event_HEARTBEAT) }, 20*time.Millisecond)
	s.Send(event(schedulerpb.Event_SUBSCRIBED))
	rec := httptest.NewRecorder()
	done := make(chan error, 1)
	go func() { done <- s.Serve(rec, httptest.NewRequest("POST", "/", nil), nil) }()
	time.Sleep(70 * time.Millisecond)
	s.Send(event(schedulerpb.Event_ERROR))
	s.Close()
	if err := <-done; err != nil {
		t.Fatalf("Serve after Close: %v", err)
	}
	if s.Send(event(schedulerpb.Event_OFFERS)) {
		t.Fatal("Send succeeded on a closed stream")
	}
	if got := rec.Header().Get("Content-Type"); got != "application/json" {
		t.Fatalf("Content-Type %q", got)
	}
	r := recordio.NewReader(bytes.NewReader(rec.Body.Bytes()), 0)
	var types []schedulerpb.Event_Type
	for {
		b, err := r.ReadRecord()
		if err != nil {
			break
		}
		ev := &schedulerpb.Event{}
		if err := wire.UnmarshalJSON(b, ev); err != nil {
			t.Fatal(err)
		}
		types = append(types, ev.GetType())
	}
	if len(types) < 3 || types[0] != schedulerpb.Event_SUBSCRIBED || types[len(types)-1] != schedulerpb.Event_ERROR {
		t.Fatalf("events %v: want SUBSCRIBED, heartbeats, then ERROR", types)
	}
	for _, typ := range types[1 : len(types)-1] {
		if typ != schedulerpb.Event_HEARTBEAT {
			t.Fatalf("events %v: want only heartbeats in between", types)
		}
	}
}

// A reader too far behind loses its stream instead of growing memory.
func TestEventStreamFullBufferCloses(t *testing.T) {
	s := wire.NewEventStream("", wire.Protobuf, nil, 0)
	for i := 0; i < wire.DefaultStreamBuffer; i++ {
		if !s.Send(event(schedulerpb.Event_HEARTBEAT)) {
			t.Fatalf("Send %d failed before the buffer was full", i)
		}
	}
	if s.Send(event(schedulerpb.Event_HEARTBEAT)) {
		t.Fatal("Send succeeded past the buffer")
	}
	if s.Send(event(schedulerpb.Event_HEARTBEAT)) {
		t.Fatal("the stream stayed open after overflowing")
	}
}
