package statusupdate

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
)

// fakeClock is a Clock the test moves by hand.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time          { return c.now }
func (c *fakeClock) Advance(d time.Duration) { c.now = c.now.Add(d) }

func newManager(t *testing.T) (*Manager, *fakeClock) {
	t.Helper()
	clock := &fakeClock{now: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	m := New(Config{Clock: clock})
	if got := m.Resume(); len(got) != 0 {
		t.Fatalf("Resume() on an empty manager = %v", got)
	}
	return m, clock
}

// update builds an update of task in framework "fw" whose uuid is derived
// from n, so tests can name uuids with small numbers.
func update(task string, state mesospb.TaskState, n byte) Update {
	return Update{
		FrameworkID: &mesospb.FrameworkID{Value: proto.String("fw")},
		Status: &mesospb.TaskStatus{
			TaskId: &mesospb.TaskID{Value: proto.String(task)},
			State:  state.Enum(),
			Uuid:   uuid(n),
		},
	}
}

func uuid(n byte) []byte {
	b := make([]byte, uuidLength)
	b[15] = n
	return b
}

// describe renders forwarded updates as "task:STATE" for comparisons.
func describe(us []Update) string {
	s := ""
	for i, u := range us {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("%s:%s", u.Status.GetTaskId().GetValue(), u.Status.GetState())
	}
	return s
}

func mustUpdate(t *testing.T, m *Manager, u Update) []Update {
	t.Helper()
	out, err := m.Update(u)
	if err != nil {
		t.Fatalf("Update(%s) = %v", describe([]Update{u}), err)
	}
	return out
}

func mustAck(t *testing.T, m *Manager, task string, n byte) Acknowledged {
	t.Helper()
	ack, err := m.Acknowledge("fw", task, uuid(n))
	if err != nil {
		t.Fatalf("Acknowledge(%s, %d) = %v", task, n, err)
	}
	return ack
}

func TestUpdatesAreForwardedOneAtATimeInOrder(t *testing.T) {
	m, _ := newManager(t)

	if got := describe(mustUpdate(t, m, update("t1", mesospb.TaskState_TASK_STARTING, 1))); got != "t1:TASK_STARTING" {
		t.Fatalf("first update forwarded %q, want it at once", got)
	}
	// The next two wait behind the unacknowledged head.
	if got := mustUpdate(t, m, update("t1", mesospb.TaskState_TASK_RUNNING, 2)); len(got) != 0 {
		t.Fatalf("second update forwarded %q before the first was acknowledged", describe(got))
	}
	mustUpdate(t, m, update("t1", mesospb.TaskState_TASK_FINISHED, 3))

	ack := mustAck(t, m, "t1", 1)
	if ack.Terminal || describe(ack.Forward) != "t1:TASK_RUNNING" {
		t.Fatalf("ack of STARTING = terminal %v, forward %q; want RUNNING next", ack.Terminal, describe(ack.Forward))
	}
	ack = mustAck(t, m, "t1", 2)
	if describe(ack.Forward) != "t1:TASK_FINISHED" {
		t.Fatalf("ack of RUNNING forwards %q, want FINISHED", describe(ack.Forward))
	}
	ack = mustAck(t, m, "t1", 3)
	if !ack.Terminal || len(ack.Forward) != 0 {
		t.Fatalf("ack of FINISHED = terminal %v, forward %q; want the stream closed", ack.Terminal, describe(ack.Forward))
	}
	if len(m.Unacknowledged()) != 0 {
		t.Fatalf("Unacknowledged() = %q after everything was acknowledged", describe(m.Unacknowledged()))
	}
	// The stream is gone: a late acknowledgement finds nothing.
	if _, err := m.Acknowledge("fw", "t1", uuid(3)); !errors.Is(err, ErrUnknownStream) {
		t.Fatalf("ack after the stream closed = %v, want ErrUnknownStream", err)
	}
}

func TestTasksHaveIndependentStreams(t *testing.T) {
	m, _ := newManager(t)
	mustUpdate(t, m, update("a", mesospb.TaskState_TASK_RUNNING, 1))
	if got := describe(mustUpdate(t, m, update("b", mesospb.TaskState_TASK_RUNNING, 2))); got != "b:TASK_RUNNING" {
		t.Fatalf("task b's update waited for task a's acknowledgement (forwarded %q)", got)
	}
}

func TestResendBackoffDoublesUpToTheMaximum(t *testing.T) {
	m, clock := newManager(t)
	mustUpdate(t, m, update("t1", mesospb.TaskState_TASK_RUNNING, 1))

	// Resends at 10s, 20s, 40s, ... after the previous send, capped at 10 min.
	waits := []time.Duration{10, 20, 40, 80, 160, 320, 600, 600}
	for i, wait := range waits {
		wait *= time.Second
		at, ok := m.NextResend()
		if !ok || at != clock.Now().Add(wait) {
			t.Fatalf("resend %d: NextResend() = %v, %v; want %v later", i, at, ok, wait)
		}
		clock.Advance(wait - time.Millisecond)
		if got := m.Tick(); len(got) != 0 {
			t.Fatalf("resend %d: Tick() before the deadline resent %q", i, describe(got))
		}
		clock.Advance(time.Millisecond)
		if got := describe(m.Tick()); got != "t1:TASK_RUNNING" {
			t.Fatalf("resend %d: Tick() at the deadline = %q, want the update again", i, got)
		}
	}

	// The acknowledgement stops the resending.
	mustAck(t, m, "t1", 1)
	if at, ok := m.NextResend(); ok {
		t.Fatalf("NextResend() = %v after the acknowledgement, want nothing", at)
	}
	clock.Advance(time.Hour)
	if got := m.Tick(); len(got) != 0 {
		t.Fatalf("Tick() resent %q after the acknowledgement", describe(got))
	}
}

func TestNextUpdateStartsWithTheInitialBackoff(t *testing.T) {
	m, clock := newManager(t)
	mustUpdate(t, m, update("t1", mesospb.TaskState_TASK_RUNNING, 1))
	mustUpdate(t, m, update("t1", mesospb.TaskState_TASK_FINISHED, 2))
	clock.Advance(10 * time.Second)
	m.Tick() // backoff of the head is now 20 s
	mustAck(t, m, "t1", 1)
	if at, _ := m.NextResend(); at != clock.Now().Add(10*time.Second) {
		t.Fatalf("next update resends at %v, want 10 s from now", at.Sub(clock.Now()))
	}
}

func TestDuplicatesAndStrayAcknowledgementsChangeNothing(t *testing.T) {
	m, _ := newManager(t)
	mustUpdate(t, m, update("t1", mesospb.TaskState_TASK_RUNNING, 1))
	mustUpdate(t, m, update("t1", mesospb.TaskState_TASK_FINISHED, 2))

	tests := []struct {
		name string
		do   func() error
		want error
	}{
		{"update with a uuid already queued", func() error {
			_, err := m.Update(update("t1", mesospb.TaskState_TASK_RUNNING, 1))
			return err
		}, ErrDuplicateUpdate},
		{"ack of a queued update that is not the head", func() error {
			_, err := m.Acknowledge("fw", "t1", uuid(2))
			return err
		}, ErrUnexpectedAcknowledgement},
		{"ack of an unknown uuid", func() error {
			_, err := m.Acknowledge("fw", "t1", uuid(9))
			return err
		}, ErrUnexpectedAcknowledgement},
		{"ack of an unknown task", func() error {
			_, err := m.Acknowledge("fw", "nope", uuid(1))
			return err
		}, ErrUnknownStream},
		{"ack in another framework", func() error {
			_, err := m.Acknowledge("other", "t1", uuid(1))
			return err
		}, ErrUnknownStream},
		{"update without uuid", func() error {
			u := update("t1", mesospb.TaskState_TASK_RUNNING, 1)
			u.Status.Uuid = nil
			_, err := m.Update(u)
			return err
		}, ErrInvalidUpdate},
		{"update with a short uuid", func() error {
			u := update("t1", mesospb.TaskState_TASK_RUNNING, 1)
			u.Status.Uuid = []byte("short")
			_, err := m.Update(u)
			return err
		}, ErrInvalidUpdate},
		{"update without task id", func() error {
			u := update("", mesospb.TaskState_TASK_RUNNING, 5)
			_, err := m.Update(u)
			return err
		}, ErrInvalidUpdate},
	}
	for _, tt := range tests {
		if err := tt.do(); !errors.Is(err, tt.want) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.want)
		}
	}
	if got := describe(m.Unacknowledged()); got != "t1:TASK_RUNNING t1:TASK_FINISHED" {
		t.Fatalf("Unacknowledged() = %q, want the two original updates", got)
	}

	// Acknowledging the same update twice: the second is a duplicate.
	mustAck(t, m, "t1", 1)
	if _, err := m.Acknowledge("fw", "t1", uuid(1)); !errors.Is(err, ErrDuplicateAcknowledgement) {
		t.Fatalf("second ack = %v, want ErrDuplicateAcknowledgement", err)
	}
	// An executor resending an acknowledged update is a duplicate too.
	if _, err := m.Update(update("t1", mesospb.TaskState_TASK_RUNNING, 1)); !errors.Is(err, ErrDuplicateUpdate) {
		t.Fatalf("resent acknowledged update = %v, want ErrDuplicateUpdate", err)
	}
}

func TestTerminalAcknowledgementClosesTheStreamEvenWithUpdatesQueued(t *testing.T) {
	m, _ := newManager(t)
	mustUpdate(t, m, update("t1", mesospb.TaskState_TASK_FAILED, 1))
	mustUpdate(t, m, update("t1", mesospb.TaskState_TASK_RUNNING, 2))
	ack := mustAck(t, m, "t1", 1)
	if !ack.Terminal || len(ack.Forward) != 0 || len(m.Unacknowledged()) != 0 {
		t.Fatalf("terminal ack: terminal %v, forward %q, left %q; want the stream dropped",
			ack.Terminal, describe(ack.Forward), describe(m.Unacknowledged()))
	}
}

func TestPausedManagerQueuesAndResumeForwardsEveryHead(t *testing.T) {
	m, clock := newManager(t)
	mustUpdate(t, m, update("a", mesospb.TaskState_TASK_RUNNING, 1))
	m.Pause()
	if got := mustUpdate(t, m, update("b", mesospb.TaskState_TASK_RUNNING, 2)); len(got) != 0 {
		t.Fatalf("paused manager forwarded %q", describe(got))
	}
	mustUpdate(t, m, update("b", mesospb.TaskState_TASK_FINISHED, 3))
	clock.Advance(time.Hour)
	if got := m.Tick(); len(got) != 0 {
		t.Fatalf("paused manager resent %q", describe(got))
	}
	if _, ok := m.NextResend(); ok {
		t.Fatal("paused manager has a resend deadline")
	}
	// An acknowledgement still counts while paused, but the next update
	// waits for Resume.
	if ack := mustAck(t, m, "b", 2); len(ack.Forward) != 0 {
		t.Fatalf("paused manager forwarded %q after an ack", describe(ack.Forward))
	}

	if got := describe(m.Resume()); got != "a:TASK_RUNNING b:TASK_FINISHED" {
		t.Fatalf("Resume() = %q, want the head of each stream", got)
	}
	if at, ok := m.NextResend(); !ok || at != clock.Now().Add(DefaultInitialBackoff) {
		t.Fatalf("NextResend() after Resume = %v, %v; want the initial backoff", at, ok)
	}
}

func TestRemoveFrameworkDropsItsStreams(t *testing.T) {
	m, _ := newManager(t)
	mustUpdate(t, m, update("t1", mesospb.TaskState_TASK_RUNNING, 1))
	other := update("t2", mesospb.TaskState_TASK_RUNNING, 2)
	other.FrameworkID = &mesospb.FrameworkID{Value: proto.String("fw2")}
	mustUpdate(t, m, other)

	m.RemoveFramework("fw")
	if got := describe(m.Unacknowledged()); got != "t2:TASK_RUNNING" {
		t.Fatalf("Unacknowledged() = %q, want only the other framework's update", got)
	}
	if got := m.Pending("fw2", "t2"); len(got) != 1 {
		t.Fatalf("Pending(fw2, t2) = %v", got)
	}
}

func TestIsTerminal(t *testing.T) {
	terminal := map[mesospb.TaskState]bool{
		mesospb.TaskState_TASK_FINISHED: true, mesospb.TaskState_TASK_FAILED: true,
		mesospb.TaskState_TASK_KILLED: true, mesospb.TaskState_TASK_LOST: true,
		mesospb.TaskState_TASK_ERROR: true, mesospb.TaskState_TASK_DROPPED: true,
		mesospb.TaskState_TASK_GONE: true, mesospb.TaskState_TASK_GONE_BY_OPERATOR: true,
	}
	for value := range mesospb.TaskState_name {
		state := mesospb.TaskState(value)
		if got := IsTerminal(state); got != terminal[state] {
			t.Errorf("IsTerminal(%s) = %v, want %v", state, got, terminal[state])
		}
	}
}

func TestUpdatesBeingPersistedAreHeldBackUntilDurable(t *testing.T) {
	m, _ := newManager(t)
	if err := m.UpdatePersisting(update("t1", mesospb.TaskState_TASK_STARTING, 1)); err != nil {
		t.Fatal(err)
	}
	if err := m.UpdatePersisting(update("t1", mesospb.TaskState_TASK_RUNNING, 2)); err != nil {
		t.Fatal(err)
	}
	// A duplicate is refused before anything is written for it.
	if err := m.UpdatePersisting(update("t1", mesospb.TaskState_TASK_RUNNING, 2)); !errors.Is(err, ErrDuplicateUpdate) {
		t.Fatalf("duplicate UpdatePersisting = %v, want ErrDuplicateUpdate", err)
	}
	if got := m.Unacknowledged(); len(got) != 0 {
		t.Fatalf("Unacknowledged() = %q before any record is durable", describe(got))
	}
	if _, ok := m.NextResend(); ok {
		t.Fatal("a resend is scheduled for an update never forwarded")
	}
	// Resuming forwards nothing that is not durable.
	m.Pause()
	if got := m.Resume(); len(got) != 0 {
		t.Fatalf("Resume() forwarded %q before the records were durable", describe(got))
	}
	// The second record cannot be durable before the first in the agent
	// (one writer, in order), but the Manager does not rely on it.
	if got := m.Persisted("fw", "t1", uuid(2)); len(got) != 0 {
		t.Fatalf("Persisted(RUNNING) forwarded %q while STARTING, the head, is not durable", describe(got))
	}
	if got := describe(m.Persisted("fw", "t1", uuid(1))); got != "t1:TASK_STARTING" {
		t.Fatalf("Persisted(STARTING) forwarded %q, want the head", got)
	}
	if got := m.Persisted("fw", "t1", uuid(1)); len(got) != 0 {
		t.Fatalf("a repeated Persisted forwarded %q again", describe(got))
	}
	if got := describe(m.Unacknowledged()); got != "t1:TASK_STARTING t1:TASK_RUNNING" {
		t.Fatalf("Unacknowledged() = %q", got)
	}

	// The acknowledgement of STARTING is being written: RUNNING waits.
	ack, err := m.AcknowledgePersisting("fw", "t1", uuid(1))
	if err != nil || len(ack.Forward) != 0 {
		t.Fatalf("AcknowledgePersisting = forward %q, %v; want nothing forwarded yet", describe(ack.Forward), err)
	}
	m.Pause()
	if got := m.Resume(); len(got) != 0 {
		t.Fatalf("Resume() forwarded %q before the acknowledgement was durable", describe(got))
	}
	if got := describe(m.Persisted("fw", "t1", uuid(1))); got != "t1:TASK_RUNNING" {
		t.Fatalf("Persisted(ack of STARTING) forwarded %q, want RUNNING", got)
	}
	// A terminal acknowledgement closes the stream; its record's Persisted
	// finds nothing.
	if err := m.UpdatePersisting(update("t1", mesospb.TaskState_TASK_FINISHED, 3)); err != nil {
		t.Fatal(err)
	}
	mustAck(t, m, "t1", 2)
	if got := describe(m.Persisted("fw", "t1", uuid(3))); got != "t1:TASK_FINISHED" {
		t.Fatalf("Persisted(FINISHED) forwarded %q", got)
	}
	if ack, err := m.AcknowledgePersisting("fw", "t1", uuid(3)); err != nil || !ack.Terminal {
		t.Fatalf("terminal AcknowledgePersisting = %+v, %v", ack, err)
	}
	if got := m.Persisted("fw", "t1", uuid(3)); len(got) != 0 {
		t.Fatalf("Persisted on a closed stream forwarded %q", describe(got))
	}
}

func TestPersistedHeadWaitsWhilePaused(t *testing.T) {
	m, _ := newManager(t)
	if err := m.UpdatePersisting(update("t1", mesospb.TaskState_TASK_RUNNING, 1)); err != nil {
		t.Fatal(err)
	}
	m.Pause()
	if got := m.Persisted("fw", "t1", uuid(1)); len(got) != 0 {
		t.Fatalf("Persisted forwarded %q while paused", describe(got))
	}
	if got := describe(m.Resume()); got != "t1:TASK_RUNNING" {
		t.Fatalf("Resume() = %q, want the durable head", got)
	}
}
