package scheduler

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/sdk/internal/leakcheck"
	"agora/wire"
)

var codecs = []wire.Codec{wire.Protobuf, wire.JSON}

func testConfig(master string, codec wire.Codec) Config {
	return Config{
		Master:            master,
		Framework:         &mesospb.FrameworkInfo{User: proto.String("u"), Name: proto.String("test")},
		Codec:             codec,
		MinBackoff:        20 * time.Millisecond,
		MaxBackoff:        200 * time.Millisecond,
		ReconcileInterval: 100 * time.Millisecond,
		Logger:            slog.New(slog.DiscardHandler),
	}
}

// runHandle is a Run in progress.
type runHandle struct {
	t      *testing.T
	cancel context.CancelFunc
	done   chan struct{}
	err    error
	snap   leakcheck.Snapshot
}

// running starts d.Run; the test's end stops it and checks that no
// goroutine of the driver is left.
func running(t *testing.T, d *Driver) *runHandle {
	t.Helper()
	h := &runHandle{t: t, snap: leakcheck.Take(), done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.err = d.Run(ctx); close(h.done) }()
	t.Cleanup(func() { _ = h.stop() })
	return h
}

// wait waits for Run to return by itself and returns its error.
func (h *runHandle) wait() error {
	h.t.Helper()
	select {
	case <-h.done:
		return h.err
	case <-time.After(10 * time.Second):
		h.t.Fatal("Run did not return")
		return nil
	}
}

// stop cancels Run's context, waits for it and checks for leaks.
func (h *runHandle) stop() error {
	h.t.Helper()
	h.cancel()
	err := h.wait()
	h.snap.Check(h.t, "agora/sdk/")
	return err
}

// subscribed starts a driver against a new fake master and waits for its
// first subscription and its (empty) reconciliation.
func subscribed(t *testing.T, codec wire.Codec) (*fakeMaster, *recorder, *Driver, *fakeSub) {
	t.Helper()
	m := newFakeMaster(t)
	r := newRecorder()
	d, err := New(testConfig(m.hostPort(), codec), r)
	if err != nil {
		t.Fatal(err)
	}
	running(t, d)
	sub := m.nextSub(t)
	r.expect(t, "registered fw-1")
	r.expect(t, "reconciled")
	return m, r, d, sub
}

func update(task, agent string, state mesospb.TaskState, uuid []byte) *schedulerpb.Event {
	st := &mesospb.TaskStatus{
		TaskId:  &mesospb.TaskID{Value: proto.String(task)},
		AgentId: &mesospb.AgentID{Value: proto.String(agent)},
		State:   state.Enum(),
		Uuid:    uuid,
	}
	if uuid == nil {
		st.Reason = mesospb.TaskStatus_REASON_RECONCILIATION.Enum()
		st.Source = mesospb.TaskStatus_SOURCE_MASTER.Enum()
	}
	return &schedulerpb.Event{Type: schedulerpb.Event_UPDATE.Enum(), Update: &schedulerpb.Event_Update{Status: st}}
}

func TestNewChecksConfig(t *testing.T) {
	good := testConfig("127.0.0.1:5050", wire.JSON)
	for name, mutate := range map[string]func(*Config){
		"no master":    func(c *Config) { c.Master = "" },
		"bad scheme":   func(c *Config) { c.Master = "ftp://x:1" },
		"no framework": func(c *Config) { c.Framework = nil },
		"no user":      func(c *Config) { c.Framework = &mesospb.FrameworkInfo{Name: proto.String("n")} },
		"bad codec":    func(c *Config) { c.Codec = 7 },
	} {
		cfg := good
		mutate(&cfg)
		if _, err := New(cfg, newRecorder()); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: err %v, want ErrInvalidConfig", name, err)
		}
	}
	for in, want := range map[string]string{
		"127.0.0.1:5050":                 "http://127.0.0.1:5050/api/v1/scheduler",
		"http://m:5050/":                 "http://m:5050/api/v1/scheduler",
		"https://m/mesos":                "https://m/mesos/api/v1/scheduler",
		"http://m:5050/api/v1/scheduler": "http://m:5050/api/v1/scheduler",
	} {
		u, err := schedulerEndpoint(in)
		if err != nil || u.String() != want {
			t.Errorf("schedulerEndpoint(%q) = %v, %v; want %s", in, u, err, want)
		}
	}
}

// Every kind of event reaches its callback, in order, in both codecs.
func TestEventsReachCallbacks(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codec.String(), func(t *testing.T) {
			m := newFakeMaster(t)
			r := newRecorder()
			d, err := New(testConfig(m.hostPort(), codec), r)
			if err != nil {
				t.Fatal(err)
			}
			h := running(t, d)
			sub := m.nextSub(t)
			r.expect(t, "registered fw-1")
			r.expect(t, "reconciled") // nothing to reconcile
			if got := d.FrameworkID().GetValue(); got != "fw-1" {
				t.Fatalf("FrameworkID %q", got)
			}
			agent := &mesospb.AgentID{Value: proto.String("a1")}
			sub.send(t, &schedulerpb.Event{Type: schedulerpb.Event_OFFERS.Enum(), Offers: &schedulerpb.Event_Offers{Offers: []*mesospb.Offer{{
				Id: &mesospb.OfferID{Value: proto.String("o1")}, FrameworkId: &mesospb.FrameworkID{Value: proto.String("fw-1")},
				AgentId: agent, Hostname: proto.String("h"),
			}}}})
			r.expect(t, "offers o1")
			sub.send(t, &schedulerpb.Event{Type: schedulerpb.Event_HEARTBEAT.Enum()})
			sub.send(t, &schedulerpb.Event{Type: schedulerpb.Event_RESCIND.Enum(), Rescind: &schedulerpb.Event_Rescind{OfferId: &mesospb.OfferID{Value: proto.String("o1")}}})
			r.expect(t, "rescinded o1")
			sub.send(t, &schedulerpb.Event{Type: schedulerpb.Event_MESSAGE.Enum(), Message: &schedulerpb.Event_Message{
				AgentId: agent, ExecutorId: &mesospb.ExecutorID{Value: proto.String("e1")}, Data: []byte("hi"),
			}})
			r.expect(t, "message e1 a1 hi")
			sub.send(t, &schedulerpb.Event{Type: schedulerpb.Event_FAILURE.Enum(), Failure: &schedulerpb.Event_Failure{AgentId: agent}})
			r.expect(t, "agent lost a1")
			sub.send(t, &schedulerpb.Event{Type: schedulerpb.Event_FAILURE.Enum(), Failure: &schedulerpb.Event_Failure{
				AgentId: agent, ExecutorId: &mesospb.ExecutorID{Value: proto.String("e1")}, Status: proto.Int32(3),
			}})
			r.expect(t, "executor lost e1 a1 3")
			if err := h.stop(); err != nil {
				t.Fatalf("Run: %v", err)
			}
		})
	}
}

// A master that is not the leader answers 307 with a scheme-less Location;
// the driver subscribes at the leader and sends its calls there.
func TestSubscribeFollowsRedirectToLeader(t *testing.T) {
	leader := newFakeMaster(t)
	follower := newFakeMaster(t)
	follower.redirect = "//" + leader.hostPort() + "/api/v1/scheduler"
	r := newRecorder()
	d, err := New(testConfig(follower.hostPort(), wire.JSON), r)
	if err != nil {
		t.Fatal(err)
	}
	running(t, d)
	sub := leader.nextSub(t)
	r.expect(t, "registered fw-1")
	if want := leader.srv.URL + "/api/v1/scheduler"; d.Leader() != want {
		t.Fatalf("Leader() = %s, want %s", d.Leader(), want)
	}
	if err := d.Revive(context.Background()); err != nil {
		t.Fatalf("Revive: %v", err)
	}
	leader.nextCall(t, schedulerpb.Call_REVIVE)
	_ = sub
}

// A call answered with a redirect means the leader changed: the call fails
// with ErrLeaderChanged and the driver subscribes at the new leader, with
// its framework id.
func TestCallRedirectMovesToNewLeader(t *testing.T) {
	old := newFakeMaster(t)
	next := newFakeMaster(t)
	r := newRecorder()
	d, err := New(testConfig(old.hostPort(), wire.Protobuf), r)
	if err != nil {
		t.Fatal(err)
	}
	running(t, d)
	old.nextSub(t)
	r.expect(t, "registered fw-1")
	r.expect(t, "reconciled")
	old.mu.Lock()
	old.redirect = "//" + next.hostPort() + "/api/v1/scheduler"
	old.mu.Unlock()
	if err := d.Suppress(context.Background()); !errors.Is(err, ErrLeaderChanged) {
		t.Fatalf("Suppress: %v, want ErrLeaderChanged", err)
	}
	r.expect(t, "disconnected")
	sub := next.nextSub(t)
	r.expect(t, "reregistered")
	if got := sub.call.GetSubscribe().GetFrameworkInfo().GetId().GetValue(); got != "fw-1" {
		t.Fatalf("re-SUBSCRIBE framework_info.id %q, want fw-1", got)
	}
}

// A master silent for MissedHeartbeats intervals is given up on: the driver
// reports Disconnected and subscribes again with the same framework id.
func TestMissedHeartbeatsResubscribeWithFrameworkID(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codec.String(), func(t *testing.T) {
			m := newFakeMaster(t)
			m.heartbeat = 0.05
			cfg := testConfig(m.hostPort(), codec)
			cfg.MissedHeartbeats = 3
			r := newRecorder()
			d, err := New(cfg, r)
			if err != nil {
				t.Fatal(err)
			}
			running(t, d)
			first := m.nextSub(t)
			r.expect(t, "registered fw-1")
			r.expect(t, "reconciled")
			// The fake master sends no heartbeats: after 3 × 50 ms the
			// driver must drop the stream although the connection is open.
			r.expect(t, "disconnected")
			second := m.nextSub(t)
			r.expect(t, "reregistered")
			if first.call.GetFrameworkId() != nil {
				t.Fatalf("first SUBSCRIBE carried a framework id: %v", first.call)
			}
			if got := second.call.GetFrameworkId().GetValue(); got != "fw-1" {
				t.Fatalf("second SUBSCRIBE framework_id %q, want fw-1", got)
			}
			if got := second.call.GetSubscribe().GetFrameworkInfo().GetId().GetValue(); got != "fw-1" {
				t.Fatalf("second SUBSCRIBE framework_info.id %q, want fw-1", got)
			}
		})
	}
}

// Heartbeats keep a quiet subscription alive.
func TestHeartbeatsKeepSubscription(t *testing.T) {
	m := newFakeMaster(t)
	m.heartbeat = 0.2
	cfg := testConfig(m.hostPort(), wire.JSON)
	cfg.MissedHeartbeats = 5
	r := newRecorder()
	d, err := New(cfg, r)
	if err != nil {
		t.Fatal(err)
	}
	running(t, d)
	sub := m.nextSub(t)
	r.expect(t, "registered fw-1")
	r.expect(t, "reconciled")
	for range 30 { // 1.5 s of heartbeats every 50 ms; silence would end it after 1 s
		sub.send(t, &schedulerpb.Event{Type: schedulerpb.Event_HEARTBEAT.Enum()})
		time.Sleep(50 * time.Millisecond)
	}
	select {
	case got := <-r.got:
		t.Fatalf("callback %q while heartbeats arrived", got)
	default:
	}
	if !d.Subscribed() {
		t.Fatal("driver not subscribed")
	}
}

// While the master refuses with 503 (no leader yet), the driver retries
// with growing waits, then subscribes.
func TestResubscribeBacksOff(t *testing.T) {
	m := newFakeMaster(t)
	m.refuse = []int{http.StatusServiceUnavailable, http.StatusServiceUnavailable, http.StatusServiceUnavailable}
	cfg := testConfig(m.hostPort(), wire.JSON)
	cfg.MinBackoff = 40 * time.Millisecond
	cfg.MaxBackoff = time.Second
	r := newRecorder()
	d, err := New(cfg, r)
	if err != nil {
		t.Fatal(err)
	}
	running(t, d)
	m.nextSub(t)
	r.expect(t, "registered fw-1")
	m.mu.Lock()
	at := append([]time.Time(nil), m.subscribes...)
	m.mu.Unlock()
	if len(at) != 4 {
		t.Fatalf("%d SUBSCRIBE attempts, want 4", len(at))
	}
	// Waits are jittered within [d/2, d] for d = 40, 80, 160 ms.
	for i, least := range []time.Duration{20, 40, 80} {
		if gap := at[i+1].Sub(at[i]); gap < least*time.Millisecond {
			t.Errorf("wait before attempt %d was %v, want at least %v", i+2, gap, least*time.Millisecond)
		}
	}
}

// A 4xx answer to SUBSCRIBE is final: Run returns ErrSubscribeRejected.
func TestSubscribeRejected(t *testing.T) {
	m := newFakeMaster(t)
	m.refuse = []int{http.StatusBadRequest}
	d, err := New(testConfig(m.hostPort(), wire.JSON), newRecorder())
	if err != nil {
		t.Fatal(err)
	}
	h := running(t, d)
	if err := h.wait(); !errors.Is(err, ErrSubscribeRejected) {
		t.Fatalf("Run: %v, want ErrSubscribeRejected", err)
	}
}

// An ERROR event goes to Error and ends Run with ErrFrameworkError.
func TestErrorEventEndsRun(t *testing.T) {
	m := newFakeMaster(t)
	r := newRecorder()
	d, err := New(testConfig(m.hostPort(), wire.Protobuf), r)
	if err != nil {
		t.Fatal(err)
	}
	h := running(t, d)
	sub := m.nextSub(t)
	r.expect(t, "registered fw-1")
	r.expect(t, "reconciled")
	sub.send(t, &schedulerpb.Event{Type: schedulerpb.Event_ERROR.Enum(), Error: &schedulerpb.Event_Error{Message: proto.String("Framework has been removed")}})
	r.expect(t, "error Framework has been removed")
	if err := h.wait(); !errors.Is(err, ErrFrameworkError) {
		t.Fatalf("Run: %v, want ErrFrameworkError", err)
	}
}

// Updates with a uuid are acknowledged after StatusUpdate returns; the
// master's own updates (no uuid) are not.
func TestAutomaticAcknowledgement(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codec.String(), func(t *testing.T) {
			m := newFakeMaster(t)
			r := newRecorder()
			acked := make(chan bool, 4)
			r.onUpdate = func(ctx context.Context, d *Driver, st *mesospb.TaskStatus) {
				// Nothing may have been acknowledged yet for this update.
				select {
				case c := <-m.calls:
					t.Errorf("call %v before StatusUpdate returned", c.GetType())
				default:
				}
				acked <- true
			}
			d, err := New(testConfig(m.hostPort(), codec), r)
			if err != nil {
				t.Fatal(err)
			}
			running(t, d)
			sub := m.nextSub(t)
			r.expect(t, "registered fw-1")
			r.expect(t, "reconciled")
			sub.send(t, update("t0", "a1", mesospb.TaskState_TASK_LOST, nil))
			r.expect(t, "update t0 TASK_LOST")
			uuid := bytes.Repeat([]byte{7}, 16)
			sub.send(t, update("t1", "a1", mesospb.TaskState_TASK_RUNNING, uuid))
			r.expect(t, "update t1 TASK_RUNNING")
			ack := m.nextCall(t, schedulerpb.Call_ACKNOWLEDGE).GetAcknowledge()
			if ack.GetTaskId().GetValue() != "t1" || ack.GetAgentId().GetValue() != "a1" || !bytes.Equal(ack.GetUuid(), uuid) {
				t.Fatalf("ACKNOWLEDGE %v, want t1/a1/%x", ack, uuid)
			}
		})
	}
}

// With ManualAcknowledgements the scheduler acknowledges itself.
func TestManualAcknowledgement(t *testing.T) {
	m := newFakeMaster(t)
	cfg := testConfig(m.hostPort(), wire.JSON)
	cfg.ManualAcknowledgements = true
	r := newRecorder()
	statuses := make(chan *mesospb.TaskStatus, 1)
	r.onUpdate = func(_ context.Context, _ *Driver, st *mesospb.TaskStatus) { statuses <- st }
	d, err := New(cfg, r)
	if err != nil {
		t.Fatal(err)
	}
	running(t, d)
	sub := m.nextSub(t)
	r.expect(t, "registered fw-1")
	r.expect(t, "reconciled")
	sub.send(t, update("t1", "a1", mesospb.TaskState_TASK_RUNNING, bytes.Repeat([]byte{1}, 16)))
	r.expect(t, "update t1 TASK_RUNNING")
	m.noCall(t, 300*time.Millisecond)
	if err := d.Acknowledge(context.Background(), <-statuses); err != nil {
		t.Fatal(err)
	}
	m.nextCall(t, schedulerpb.Call_ACKNOWLEDGE)
}

// After a re-subscription the driver reconciles every task it believes
// non-terminal, asks again until each is answered, then calls Reconciled.
func TestReconciliationAfterResubscribe(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codec.String(), func(t *testing.T) {
			m, r, d, sub := subscribed(t, codec)
			ctx := context.Background()
			agent := &mesospb.AgentID{Value: proto.String("a1")}
			task := func(id string) *mesospb.TaskInfo {
				return &mesospb.TaskInfo{Name: proto.String(id), TaskId: &mesospb.TaskID{Value: proto.String(id)}, AgentId: agent}
			}
			if err := d.Launch(ctx, &mesospb.OfferID{Value: proto.String("o1")}, task("t1"), task("t2"), task("t3")); err != nil {
				t.Fatal(err)
			}
			if got := len(m.nextCall(t, schedulerpb.Call_ACCEPT).GetAccept().GetOperations()[0].GetLaunch().GetTaskInfos()); got != 3 {
				t.Fatalf("ACCEPT launched %d tasks", got)
			}
			sub.send(t, update("t2", "a1", mesospb.TaskState_TASK_FINISHED, bytes.Repeat([]byte{2}, 16)))
			r.expect(t, "update t2 TASK_FINISHED")
			m.nextCall(t, schedulerpb.Call_ACKNOWLEDGE)

			sub.end() // the connection breaks
			r.expect(t, "disconnected")
			sub = m.nextSub(t)
			r.expect(t, "reregistered")
			ids := func(c *schedulerpb.Call) []string {
				var out []string
				for _, rt := range c.GetReconcile().GetTasks() {
					if rt.GetAgentId().GetValue() != "a1" {
						t.Errorf("task %s reconciled without its agent id", rt.GetTaskId().GetValue())
					}
					out = append(out, rt.GetTaskId().GetValue())
				}
				return out
			}
			if got := ids(m.nextCall(t, schedulerpb.Call_RECONCILE)); len(got) != 2 {
				t.Fatalf("RECONCILE asked about %v, want t1 and t3", got)
			}
			sub.send(t, update("t1", "a1", mesospb.TaskState_TASK_RUNNING, nil))
			r.expect(t, "update t1 TASK_RUNNING")
			// t3 is not answered (its agent is recovering): asked again.
			if got := ids(m.nextCall(t, schedulerpb.Call_RECONCILE)); len(got) != 1 || got[0] != "t3" {
				t.Fatalf("second RECONCILE asked about %v, want [t3]", got)
			}
			if !d.Reconciling() {
				t.Fatal("Reconciling() false while t3 is unconfirmed")
			}
			sub.send(t, update("t3", "a1", mesospb.TaskState_TASK_LOST, nil))
			r.expect(t, "update t3 TASK_LOST")
			r.expect(t, "reconciled")
			if d.Reconciling() {
				t.Fatal("Reconciling() true after every task was confirmed")
			}
			m.noCall(t, 400*time.Millisecond) // no further RECONCILE
			left, _ := d.Store().NonTerminal()
			if len(left) != 1 || left[0].ID != "t1" || left[0].State != mesospb.TaskState_TASK_RUNNING {
				t.Fatalf("store holds %v, want t1 RUNNING", left)
			}
		})
	}
}

// Calls before SUBSCRIBED fail with ErrNotSubscribed; Teardown sends
// TEARDOWN and makes Run return nil.
func TestTeardownEndsRun(t *testing.T) {
	m := newFakeMaster(t)
	r := newRecorder()
	d, err := New(testConfig(m.hostPort(), wire.JSON), r)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Revive(context.Background()); !errors.Is(err, ErrNotSubscribed) {
		t.Fatalf("Revive before Run: %v, want ErrNotSubscribed", err)
	}
	h := running(t, d)
	m.nextSub(t)
	r.expect(t, "registered fw-1")
	if err := d.Teardown(context.Background()); err != nil {
		t.Fatal(err)
	}
	m.nextCall(t, schedulerpb.Call_TEARDOWN)
	if err := h.wait(); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// A refused call reports the master's status and message.
func TestCallRejected(t *testing.T) {
	m := newFakeMaster(t)
	r := newRecorder()
	d, err := New(testConfig(m.hostPort(), wire.JSON), r)
	if err != nil {
		t.Fatal(err)
	}
	running(t, d)
	m.nextSub(t)
	r.expect(t, "registered fw-1")
	m.mu.Lock()
	m.callStatus = http.StatusForbidden
	m.mu.Unlock()
	err = d.Kill(context.Background(), &mesospb.TaskID{Value: proto.String("t")}, nil)
	if !errors.Is(err, ErrCallRejected) || !bytes.Contains([]byte(err.Error()), []byte("403")) {
		t.Fatalf("Kill: %v, want ErrCallRejected with 403", err)
	}
}

func TestRunTwice(t *testing.T) {
	m := newFakeMaster(t)
	r := newRecorder()
	d, err := New(testConfig(m.hostPort(), wire.JSON), r)
	if err != nil {
		t.Fatal(err)
	}
	running(t, d)
	m.nextSub(t)
	if err := d.Run(context.Background()); !errors.Is(err, ErrAlreadyRunning) {
		t.Fatalf("second Run: %v", err)
	}
}

// Suppressed roles survive a re-subscription (SUBSCRIBE replaces the
// master's record of them); UPDATE_FRAMEWORK carries the framework id and
// the new suppressed roles, and the next SUBSCRIBE uses the new
// FrameworkInfo; Revive forgets the suppression.
func TestSuppressionAndUpdateFrameworkSurviveResubscription(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codec.String(), func(t *testing.T) {
			m, r, d, sub := subscribed(t, codec)
			ctx := context.Background()
			if err := d.Suppress(ctx); err != nil {
				t.Fatal(err)
			}
			m.nextCall(t, schedulerpb.Call_SUPPRESS)
			resubscribe := func() *schedulerpb.Call_Subscribe {
				t.Helper()
				sub.end()
				r.expect(t, "disconnected")
				sub = m.nextSub(t)
				r.expect(t, "reregistered")
				r.expect(t, "reconciled")
				return sub.call.GetSubscribe()
			}
			if got := resubscribe().GetSuppressedRoles(); len(got) != 1 || got[0] != "*" {
				t.Fatalf("SUBSCRIBE after SUPPRESS: suppressed_roles %v, want [*]", got)
			}

			info := &mesospb.FrameworkInfo{
				User: proto.String("u"), Name: proto.String("renamed"), Roles: []string{"a", "b"},
				Capabilities: []*mesospb.FrameworkInfo_Capability{{Type: mesospb.FrameworkInfo_Capability_MULTI_ROLE.Enum()}},
			}
			if err := d.UpdateFramework(ctx, info, "b"); err != nil {
				t.Fatal(err)
			}
			u := m.nextCall(t, schedulerpb.Call_UPDATE_FRAMEWORK)
			if u.GetFrameworkId().GetValue() != "fw-1" || u.GetUpdateFramework().GetFrameworkInfo().GetId().GetValue() != "fw-1" ||
				u.GetUpdateFramework().GetFrameworkInfo().GetName() != "renamed" || len(u.GetUpdateFramework().GetSuppressedRoles()) != 1 {
				t.Fatalf("UPDATE_FRAMEWORK %v", u)
			}
			if info.Id != nil {
				t.Fatal("UpdateFramework changed the caller's FrameworkInfo")
			}
			s := resubscribe()
			if s.GetFrameworkInfo().GetName() != "renamed" || len(s.GetFrameworkInfo().GetRoles()) != 2 || s.GetFrameworkInfo().GetId().GetValue() != "fw-1" {
				t.Fatalf("SUBSCRIBE after UPDATE_FRAMEWORK: framework_info %v", s.GetFrameworkInfo())
			}
			if got := s.GetSuppressedRoles(); len(got) != 1 || got[0] != "b" {
				t.Fatalf("SUBSCRIBE after UPDATE_FRAMEWORK: suppressed_roles %v, want [b]", got)
			}

			if err := d.Revive(ctx); err != nil {
				t.Fatal(err)
			}
			m.nextCall(t, schedulerpb.Call_REVIVE)
			if got := resubscribe().GetSuppressedRoles(); len(got) != 0 {
				t.Fatalf("SUBSCRIBE after REVIVE: suppressed_roles %v, want none", got)
			}
		})
	}
}
