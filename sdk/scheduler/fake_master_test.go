package scheduler

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/sdk/internal/fakestream"
	"agora/wire"
)

// fakeMaster is a scripted Mesos master for the driver's edge cases: it
// speaks the scheduler API's envelope (SUBSCRIBE streams, stream ids, 202s)
// and lets the test decide every event, redirect and refusal.
type fakeMaster struct {
	t   testing.TB
	srv *httptest.Server

	mu sync.Mutex
	// heartbeat is SUBSCRIBED's heartbeat_interval_seconds.
	heartbeat float64
	// redirect, when set, answers every request with 307 to it.
	redirect string
	// refuse answers the next len(refuse) SUBSCRIBEs with these statuses.
	refuse []int
	// callStatus, when set, answers the next non-SUBSCRIBE call with it.
	callStatus int
	current    *fakeSub
	subscribes []time.Time

	subs  chan *fakeSub
	calls chan *schedulerpb.Call
}

// fakeSub is one subscription's stream.
type fakeSub struct {
	call     *schedulerpb.Call
	streamID string
	codec    wire.Codec
	events   chan []byte
	closed   chan struct{} // close to end the stream
	done     chan struct{} // closed when the handler returned
	once     sync.Once
}

func (s *fakeSub) end() { s.once.Do(func() { close(s.closed) }) }

func (s *fakeSub) send(t testing.TB, ev *schedulerpb.Event) {
	t.Helper()
	b, err := s.codec.Marshal(ev)
	if err != nil {
		t.Fatalf("fake master: encoding %v: %v", ev.GetType(), err)
	}
	select {
	case s.events <- b:
	case <-s.done:
		t.Fatalf("stream %s ended before %v could be sent", s.streamID, ev.GetType())
	case <-time.After(10 * time.Second):
		t.Fatalf("stream %s: %v not taken", s.streamID, ev.GetType())
	}
}

func newFakeMaster(t testing.TB) *fakeMaster {
	f := &fakeMaster{t: t, heartbeat: 15, subs: make(chan *fakeSub, 16), calls: make(chan *schedulerpb.Call, 64)}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		f.mu.Lock()
		if f.current != nil {
			f.current.end()
		}
		f.mu.Unlock()
		f.srv.Close()
	})
	return f
}

// hostPort is the master's address as "127.0.0.1:port".
func (f *fakeMaster) hostPort() string { return strings.TrimPrefix(f.srv.URL, "http://") }

func (f *fakeMaster) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/v1/scheduler" {
		http.NotFound(w, r)
		return
	}
	call := &schedulerpb.Call{}
	codec, err := wire.DecodeRequest(w, r, call, 1<<20)
	if err != nil {
		http.Error(w, err.Error(), wire.StatusCode(err))
		return
	}
	if _, err := wire.ResponseCodec(r.Header.Get("Accept")); err != nil {
		http.Error(w, err.Error(), http.StatusNotAcceptable)
		return
	}
	f.mu.Lock()
	if f.redirect != "" {
		loc := f.redirect
		f.mu.Unlock()
		w.Header().Set("Location", loc)
		w.WriteHeader(http.StatusTemporaryRedirect)
		return
	}
	if call.GetType() != schedulerpb.Call_SUBSCRIBE {
		cur, status := f.current, f.callStatus
		f.callStatus = 0
		f.mu.Unlock()
		switch {
		case status != 0:
			http.Error(w, "scripted refusal", status)
		case cur == nil || r.Header.Get("Mesos-Stream-Id") != cur.streamID:
			http.Error(w, "The stream ID is not valid", http.StatusBadRequest)
		default:
			w.WriteHeader(http.StatusAccepted)
			f.calls <- call
		}
		return
	}
	f.subscribes = append(f.subscribes, time.Now())
	if len(f.refuse) > 0 {
		status := f.refuse[0]
		f.refuse = f.refuse[1:]
		f.mu.Unlock()
		http.Error(w, "scripted refusal", status)
		return
	}
	sub := &fakeSub{
		call:     call,
		streamID: fmt.Sprintf("stream-%d", len(f.subscribes)),
		codec:    codec,
		events:   make(chan []byte),
		closed:   make(chan struct{}),
		done:     make(chan struct{}),
	}
	if f.current != nil {
		f.current.end() // a new subscription replaces the old one, as in Mesos
	}
	f.current = sub
	heartbeat := f.heartbeat
	f.mu.Unlock()
	defer close(sub.done)

	fid := call.GetSubscribe().GetFrameworkInfo().GetId()
	if fid == nil {
		fid = &mesospb.FrameworkID{Value: proto.String("fw-1")}
	}
	subscribed, err := codec.Marshal(&schedulerpb.Event{
		Type: schedulerpb.Event_SUBSCRIBED.Enum(),
		Subscribed: &schedulerpb.Event_Subscribed{
			FrameworkId:              fid,
			HeartbeatIntervalSeconds: proto.Float64(heartbeat),
			MasterInfo:               &mesospb.MasterInfo{Id: proto.String("m"), Ip: proto.Uint32(0x7f000001), Port: proto.Uint32(5050)},
		},
	})
	if err != nil {
		f.t.Errorf("fake master: encoding SUBSCRIBED: %v", err)
		return
	}
	fakestream.Stream{
		ContentType: codec.MediaType(), Header: http.Header{"Mesos-Stream-Id": {sub.streamID}},
		First: [][]byte{subscribed}, Started: func() { f.subs <- sub },
		Next: sub.events, End: sub.closed,
	}.Serve(w, r)
}

// nextSub waits for the next subscription.
func (f *fakeMaster) nextSub(t testing.TB) *fakeSub {
	t.Helper()
	select {
	case s := <-f.subs:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("no SUBSCRIBE reached the fake master")
		return nil
	}
}

// nextCall waits for the next non-SUBSCRIBE call.
func (f *fakeMaster) nextCall(t testing.TB, want schedulerpb.Call_Type) *schedulerpb.Call {
	t.Helper()
	select {
	case c := <-f.calls:
		if c.GetType() != want {
			t.Fatalf("call %v, want %v: %v", c.GetType(), want, c)
		}
		return c
	case <-time.After(10 * time.Second):
		t.Fatalf("no %v call reached the fake master", want)
		return nil
	}
}

// noCall asserts that no call arrives within d.
func (f *fakeMaster) noCall(t testing.TB, d time.Duration) {
	t.Helper()
	select {
	case c := <-f.calls:
		t.Fatalf("unexpected %v call: %v", c.GetType(), c)
	case <-time.After(d):
	}
}

// recorder is a Scheduler that reports every callback as a line of text.
type recorder struct {
	got chan string
	// onUpdate, if set, runs inside StatusUpdate.
	onUpdate func(ctx context.Context, d *Driver, st *mesospb.TaskStatus)
}

func newRecorder() *recorder { return &recorder{got: make(chan string, 256)} }

func (r *recorder) expect(t testing.TB, want string) {
	t.Helper()
	select {
	case got := <-r.got:
		if got != want {
			t.Fatalf("callback %q, want %q", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no callback, want %q", want)
	}
}
