package executor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	executorpb "agora/api/mesos/v1/executor"
	"agora/sdk/internal/fakestream"
	"agora/sdk/internal/leakcheck"
	"agora/sdk/internal/tcplink"
	"agora/wire"
)

// fakeAgent is a scripted agent: it serves /api/v1/executor, records every
// call and lets the test send events on the current subscription.
type fakeAgent struct {
	srv   *httptest.Server
	subs  chan *agentSub
	calls chan *executorpb.Call
	mu    sync.Mutex
	cur   *agentSub
	// hang makes SUBSCRIBE go unanswered, as an agent that accepts
	// connections but is stuck.
	hang bool
}

type agentSub struct {
	call   *executorpb.Call
	codec  wire.Codec
	events chan []byte
	closed chan struct{}
	once   sync.Once
}

func (s *agentSub) end() { s.once.Do(func() { close(s.closed) }) }

func (s *agentSub) send(t *testing.T, ev *executorpb.Event) {
	t.Helper()
	b, err := s.codec.Marshal(ev)
	if err != nil {
		t.Fatalf("fake agent: encoding %v: %v", ev.GetType(), err)
	}
	select {
	case s.events <- b:
	case <-time.After(10 * time.Second):
		t.Fatalf("%v not taken", ev.GetType())
	}
}

func newFakeAgent(t *testing.T) *fakeAgent {
	a := &fakeAgent{subs: make(chan *agentSub, 8), calls: make(chan *executorpb.Call, 64)}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(func() { a.restart(); a.srv.Close() })
	return a
}

// restart ends the current stream, as an agent process that goes away.
func (a *fakeAgent) restart() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cur != nil {
		a.cur.end()
	}
}

func (a *fakeAgent) serve(w http.ResponseWriter, r *http.Request) {
	call := &executorpb.Call{}
	codec, err := wire.DecodeRequest(w, r, call, 1<<20)
	if err != nil {
		http.Error(w, err.Error(), wire.StatusCode(err))
		return
	}
	if call.GetType() != executorpb.Call_SUBSCRIBE {
		w.WriteHeader(http.StatusAccepted)
		a.calls <- call
		return
	}
	sub := &agentSub{call: call, codec: codec, events: make(chan []byte), closed: make(chan struct{})}
	a.mu.Lock()
	a.cur = sub
	hang := a.hang
	a.mu.Unlock()
	if hang {
		select {
		case <-sub.closed:
		case <-r.Context().Done():
		}
		return
	}
	subscribed, err := codec.Marshal(&executorpb.Event{Type: executorpb.Event_SUBSCRIBED.Enum(), Subscribed: &executorpb.Event_Subscribed{
		ExecutorInfo:  &mesospb.ExecutorInfo{ExecutorId: call.ExecutorId, Command: &mesospb.CommandInfo{Value: proto.String("x")}},
		FrameworkInfo: &mesospb.FrameworkInfo{User: proto.String("u"), Name: proto.String("fw")},
		AgentInfo:     &mesospb.AgentInfo{Hostname: proto.String("agent1")},
	}})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	fakestream.Stream{
		ContentType: codec.MediaType(), First: [][]byte{subscribed}, Started: func() { a.subs <- sub },
		Next: sub.events, End: sub.closed,
	}.Serve(w, r)
}

func (a *fakeAgent) nextSub(t *testing.T) *agentSub {
	t.Helper()
	select {
	case s := <-a.subs:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("no SUBSCRIBE")
		return nil
	}
}

func (a *fakeAgent) nextCall(t *testing.T, want executorpb.Call_Type) *executorpb.Call {
	t.Helper()
	select {
	case c := <-a.calls:
		if c.GetType() != want {
			t.Fatalf("call %v, want %v", c.GetType(), want)
		}
		return c
	case <-time.After(10 * time.Second):
		t.Fatalf("no %v call", want)
		return nil
	}
}

// recorder reports callbacks as text and answers launches with RUNNING and
// kills with KILLED.
type recorder struct {
	got chan string
}

func (r *recorder) Registered(_ context.Context, _ *Driver, ex *mesospb.ExecutorInfo, _ *mesospb.FrameworkInfo, a *mesospb.AgentInfo) {
	r.got <- "registered " + ex.GetExecutorId().GetValue() + " on " + a.GetHostname()
}
func (r *recorder) Reregistered(context.Context, *Driver, *mesospb.AgentInfo) {
	r.got <- "reregistered"
}
func (r *recorder) Disconnected(context.Context, *Driver) { r.got <- "disconnected" }
func (r *recorder) LaunchTask(ctx context.Context, d *Driver, t *mesospb.TaskInfo) {
	_ = d.Update(ctx, t.GetTaskId(), mesospb.TaskState_TASK_RUNNING, "")
	r.got <- "launch " + t.GetTaskId().GetValue()
}
func (r *recorder) LaunchTaskGroup(ctx context.Context, d *Driver, g *mesospb.TaskGroupInfo) {
	r.got <- fmt.Sprintf("launch group of %d", len(g.GetTasks()))
}
func (r *recorder) KillTask(ctx context.Context, d *Driver, id *mesospb.TaskID, _ *mesospb.KillPolicy) {
	_ = d.Update(ctx, id, mesospb.TaskState_TASK_KILLED, "killed")
	r.got <- "kill " + id.GetValue()
}
func (r *recorder) FrameworkMessage(ctx context.Context, d *Driver, data []byte) {
	_ = d.Message(ctx, append([]byte("echo:"), data...))
	r.got <- "message " + string(data)
}
func (r *recorder) Shutdown(context.Context, *Driver)            { r.got <- "shutdown" }
func (r *recorder) Error(_ context.Context, _ *Driver, m string) { r.got <- "error " + m }

func (r *recorder) expect(t *testing.T, want string) {
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

var codecs = []wire.Codec{wire.Protobuf, wire.JSON}

func testConfig(agent string, codec wire.Codec, checkpoint bool) Config {
	return Config{
		AgentEndpoint: strings.TrimPrefix(agent, "http://"), FrameworkID: "fw-1", ExecutorID: "ex-1",
		Checkpoint: checkpoint, RecoveryTimeout: 10 * time.Second, SubscriptionBackoffMax: 50 * time.Millisecond,
		Codec: codec, Logger: slog.New(slog.DiscardHandler),
	}
}

type runHandle struct {
	done chan struct{}
	err  error
	stop context.CancelFunc
}

func start(t *testing.T, d *Driver) *runHandle {
	snap := leakcheck.Take()
	ctx, cancel := context.WithCancel(context.Background())
	h := &runHandle{done: make(chan struct{}), stop: cancel}
	go func() { h.err = d.Run(ctx); close(h.done) }()
	t.Cleanup(func() {
		cancel()
		<-h.done
		snap.Check(t, "agora/sdk/")
	})
	return h
}

func (h *runHandle) wait(t *testing.T) error {
	t.Helper()
	select {
	case <-h.done:
		return h.err
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
		return nil
	}
}

// registered starts a driver with cfg and waits for its first
// subscription.
func registered(t *testing.T, a *fakeAgent, cfg Config) (*recorder, *Driver, *runHandle, *agentSub) {
	t.Helper()
	r := &recorder{got: make(chan string, 64)}
	d, err := New(cfg, r)
	if err != nil {
		t.Fatal(err)
	}
	h := start(t, d)
	sub := a.nextSub(t)
	r.expect(t, "registered ex-1 on agent1")
	return r, d, h, sub
}

func taskEvent(id string) *executorpb.Event {
	return &executorpb.Event{Type: executorpb.Event_LAUNCH.Enum(), Launch: &executorpb.Event_Launch{Task: &mesospb.TaskInfo{
		Name: proto.String(id), TaskId: &mesospb.TaskID{Value: proto.String(id)}, AgentId: &mesospb.AgentID{Value: proto.String("a1")},
	}}}
}

func ack(u *executorpb.Call) *executorpb.Event {
	return &executorpb.Event{Type: executorpb.Event_ACKNOWLEDGED.Enum(), Acknowledged: &executorpb.Event_Acknowledged{
		TaskId: u.GetUpdate().GetStatus().GetTaskId(), Uuid: u.GetUpdate().GetStatus().GetUuid(),
	}}
}

func TestEventsAndCalls(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codec.String(), func(t *testing.T) {
			a := newFakeAgent(t)
			r := &recorder{got: make(chan string, 64)}
			d, err := New(testConfig(a.srv.URL, codec, false), r)
			if err != nil {
				t.Fatal(err)
			}
			h := start(t, d)
			sub := a.nextSub(t)
			if sub.call.GetExecutorId().GetValue() != "ex-1" || sub.call.GetFrameworkId().GetValue() != "fw-1" {
				t.Fatalf("SUBSCRIBE ids: %v", sub.call)
			}
			r.expect(t, "registered ex-1 on agent1")
			sub.send(t, taskEvent("t1"))
			r.expect(t, "launch t1")
			st := a.nextCall(t, executorpb.Call_UPDATE).GetUpdate().GetStatus()
			if st.GetState() != mesospb.TaskState_TASK_RUNNING || len(st.GetUuid()) != 16 || st.GetSource() != mesospb.TaskStatus_SOURCE_EXECUTOR ||
				st.GetExecutorId().GetValue() != "ex-1" || st.GetTimestamp() == 0 {
				t.Fatalf("UPDATE status %v", st)
			}
			sub.send(t, &executorpb.Event{Type: executorpb.Event_KILL.Enum(), Kill: &executorpb.Event_Kill{TaskId: st.GetTaskId()}})
			r.expect(t, "kill t1")
			if got := a.nextCall(t, executorpb.Call_UPDATE).GetUpdate().GetStatus(); got.GetState() != mesospb.TaskState_TASK_KILLED || got.GetMessage() != "killed" {
				t.Fatalf("kill answered with %v", got)
			}
			sub.send(t, &executorpb.Event{Type: executorpb.Event_MESSAGE.Enum(), Message: &executorpb.Event_Message{Data: []byte("ping")}})
			r.expect(t, "message ping")
			if got := a.nextCall(t, executorpb.Call_MESSAGE).GetMessage().GetData(); string(got) != "echo:ping" {
				t.Fatalf("MESSAGE data %q", got)
			}
			sub.send(t, &executorpb.Event{Type: executorpb.Event_LAUNCH_GROUP.Enum(), LaunchGroup: &executorpb.Event_LaunchGroup{TaskGroup: &mesospb.TaskGroupInfo{
				Tasks: []*mesospb.TaskInfo{taskEvent("g1").GetLaunch().GetTask(), taskEvent("g2").GetLaunch().GetTask()},
			}}})
			r.expect(t, "launch group of 2")
			sub.send(t, &executorpb.Event{Type: executorpb.Event_SHUTDOWN.Enum()})
			r.expect(t, "shutdown")
			if err := h.wait(t); err != nil {
				t.Fatalf("Run after SHUTDOWN: %v", err)
			}
		})
	}
}

// After an agent restart a checkpointing executor subscribes again with
// the tasks and updates the agent had not acknowledged.
func TestResubscribeWithUnacknowledged(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codec.String(), func(t *testing.T) {
			a := newFakeAgent(t)
			r, d, _, sub := registered(t, a, testConfig(a.srv.URL, codec, true))
			if n := len(sub.call.GetSubscribe().GetUnacknowledgedTasks()) + len(sub.call.GetSubscribe().GetUnacknowledgedUpdates()); n != 0 {
				t.Fatalf("first SUBSCRIBE carried %d unacknowledged items", n)
			}
			sub.send(t, taskEvent("t1"))
			r.expect(t, "launch t1")
			running1 := a.nextCall(t, executorpb.Call_UPDATE)
			sub.send(t, ack(running1))
			sub.send(t, taskEvent("t2"))
			r.expect(t, "launch t2")
			a.nextCall(t, executorpb.Call_UPDATE) // t2 RUNNING, never acknowledged
			if err := d.Update(context.Background(), running1.GetUpdate().GetStatus().GetTaskId(), mesospb.TaskState_TASK_FINISHED, ""); err != nil {
				t.Fatal(err)
			}
			a.nextCall(t, executorpb.Call_UPDATE) // t1 FINISHED, never acknowledged

			a.restart()
			r.expect(t, "disconnected")
			// While disconnected, an update is kept for the next SUBSCRIBE.
			if err := d.Update(context.Background(), &mesospb.TaskID{Value: proto.String("t2")}, mesospb.TaskState_TASK_FAILED, "x"); !errors.Is(err, ErrNotSubscribed) {
				t.Logf("update while disconnected: %v", err) // may race with the new subscription
			}
			sub = a.nextSub(t)
			r.expect(t, "reregistered")
			s := sub.call.GetSubscribe()
			var tasks, updates []string
			for _, t := range s.GetUnacknowledgedTasks() {
				tasks = append(tasks, t.GetTaskId().GetValue())
			}
			for _, u := range s.GetUnacknowledgedUpdates() {
				updates = append(updates, u.GetStatus().GetTaskId().GetValue()+":"+u.GetStatus().GetState().String())
			}
			if strings.Join(tasks, ",") != "t2" {
				t.Errorf("unacknowledged tasks %v, want [t2]", tasks)
			}
			got := strings.Join(updates, ",")
			if !strings.HasPrefix(got, "t2:TASK_RUNNING,t1:TASK_FINISHED") {
				t.Errorf("unacknowledged updates %v, want t2 RUNNING then t1 FINISHED first", updates)
			}
		})
	}
}

// A connection cut in the middle of the stream (reset, no final chunk)
// is a disconnection like an orderly end: the checkpointing executor
// subscribes again.
func TestCutConnectionResubscribes(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codec.String(), func(t *testing.T) {
			a := newFakeAgent(t)
			link := tcplink.New(t, strings.TrimPrefix(a.srv.URL, "http://"))
			r := &recorder{got: make(chan string, 64)}
			d, err := New(testConfig(link.Addr(), codec, true), r)
			if err != nil {
				t.Fatal(err)
			}
			start(t, d)
			a.nextSub(t)
			r.expect(t, "registered ex-1 on agent1")
			link.Cut()
			r.expect(t, "disconnected")
			sub := a.nextSub(t)
			r.expect(t, "reregistered")
			sub.send(t, taskEvent("t1"))
			r.expect(t, "launch t1")
		})
	}
}

// Without checkpointing a disconnection ends Run with ErrDisconnected,
// after Disconnected and Shutdown (so the executor kills its tasks), as a
// Mesos executor shuts itself down.
func TestDisconnectWithoutCheckpoint(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codec.String(), func(t *testing.T) {
			a := newFakeAgent(t)
			r, _, h, _ := registered(t, a, testConfig(a.srv.URL, codec, false))
			a.restart()
			r.expect(t, "disconnected")
			r.expect(t, "shutdown")
			if err := h.wait(t); !errors.Is(err, ErrDisconnected) {
				t.Fatalf("Run: %v, want ErrDisconnected", err)
			}
		})
	}
}

// A checkpointing executor whose agent does not come back gives up after
// the recovery timeout, shutting down first: whether the agent is gone
// (connections refused) or stuck (SUBSCRIBE never answered).
func TestRecoveryTimeout(t *testing.T) {
	for _, codec := range codecs {
		for _, stuck := range []bool{false, true} {
			t.Run(fmt.Sprintf("%v/stuck=%v", codec, stuck), func(t *testing.T) {
				a := newFakeAgent(t)
				cfg := testConfig(a.srv.URL, codec, true)
				cfg.RecoveryTimeout = 300 * time.Millisecond
				r, _, h, _ := registered(t, a, cfg)
				if stuck {
					a.mu.Lock()
					a.hang = true
					a.mu.Unlock()
					a.restart()
				} else {
					a.restart()
					a.srv.Close() // the agent is gone for good
				}
				r.expect(t, "disconnected")
				r.expect(t, "shutdown")
				if err := h.wait(t); !errors.Is(err, ErrRecoveryTimeout) {
					t.Fatalf("Run: %v, want ErrRecoveryTimeout", err)
				}
			})
		}
	}
}

// An ERROR event reaches Error; the driver then drops the connection and
// subscribes again (checkpointing) or gives up (not checkpointing).
func TestErrorEvent(t *testing.T) {
	for _, codec := range codecs {
		for _, checkpoint := range []bool{true, false} {
			t.Run(fmt.Sprintf("%v/checkpoint=%v", codec, checkpoint), func(t *testing.T) {
				a := newFakeAgent(t)
				r, _, h, sub := registered(t, a, testConfig(a.srv.URL, codec, checkpoint))
				sub.send(t, &executorpb.Event{Type: executorpb.Event_ERROR.Enum(), Error: &executorpb.Event_Error{Message: proto.String("boom")}})
				r.expect(t, "error boom")
				r.expect(t, "disconnected")
				if !checkpoint {
					r.expect(t, "shutdown")
					if err := h.wait(t); !errors.Is(err, ErrDisconnected) {
						t.Fatalf("Run: %v, want ErrDisconnected", err)
					}
					return
				}
				a.nextSub(t)
				r.expect(t, "reregistered")
			})
		}
	}
}

func TestConfigFromEnvironment(t *testing.T) {
	env := map[string]string{
		"MESOS_AGENT_ENDPOINT": "127.0.0.1:5051", "MESOS_FRAMEWORK_ID": "fw", "MESOS_EXECUTOR_ID": "ex",
		"MESOS_CHECKPOINT": "1", "MESOS_RECOVERY_TIMEOUT": "15mins", "MESOS_SUBSCRIPTION_BACKOFF_MAX": "2secs",
		"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD": "5secs", "MESOS_SANDBOX": "/sb",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	cfg, err := configFrom(lookup)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AgentEndpoint != "127.0.0.1:5051" || !cfg.Checkpoint || cfg.RecoveryTimeout != 15*time.Minute ||
		cfg.SubscriptionBackoffMax != 2*time.Second || cfg.ShutdownGracePeriod != 5*time.Second || cfg.Sandbox != "/sb" {
		t.Fatalf("config %+v", cfg)
	}
	env["MESOS_RECOVERY_TIMEOUT"] = "soon"
	if _, err := configFrom(lookup); !errors.Is(err, ErrBadDuration) {
		t.Fatalf("bad duration: %v", err)
	}
	delete(env, "MESOS_EXECUTOR_ID")
	if _, err := configFrom(lookup); !errors.Is(err, ErrMissingEnvironment) {
		t.Fatalf("missing id: %v", err)
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"5secs": 5 * time.Second, "2.5mins": 150 * time.Second, "250ms": 250 * time.Millisecond,
		"1hrs": time.Hour, "1days": 24 * time.Hour, "2weeks": 14 * 24 * time.Hour, "10us": 10 * time.Microsecond,
		"7ns": 7, "1m30s": 90 * time.Second,
	} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "secs", "5", "-5secs", "5 parsecs", "1e400weeks", "-1s"} {
		if _, err := ParseDuration(in); !errors.Is(err, ErrBadDuration) {
			t.Errorf("ParseDuration(%q): %v, want ErrBadDuration", in, err)
		}
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"5secs", "2.5mins", "1m30s", "", "..secs", "9999999999weeks"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err == nil && d < 0 {
			t.Fatalf("ParseDuration(%q) = %v, negative", s, d)
		}
	})
}
