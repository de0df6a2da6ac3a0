package executor_test

import (
	"context"
	stdbase64 "encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	mesospb "agora/api/mesos/v1"
	"agora/sdk/executor"
	"agora/sdk/internal/fakestream"
	"agora/sdk/internal/jsonshape"
	"agora/sdk/internal/leakcheck"
	"agora/wire"
)

// newMesosAgent answers like a Mesos 1.11 agent's /api/v1/executor, with
// JSON written by hand as Mesos writes it, and records the requests as
// sent.
func newMesosAgent(t *testing.T) *mesosAgent {
	return &mesosAgent{fakestream.NewScripted(t, func(int) (http.Header, []byte) {
		return nil, []byte(`{"type":"SUBSCRIBED","subscribed":{"executor_info":{"executor_id":{"value":"ex-1"},"command":{"value":"/path/to/executor"},` +
			`"framework_id":{"value":"fw-1"}},"framework_info":{"user":"foo","name":"my_framework"},` +
			`"agent_id":{"value":"S1"},"agent_info":{"hostname":"agenthost","port":5051}}}`)
	})}
}

type mesosAgent struct{ *fakestream.Scripted }

func (a *mesosAgent) check(t *testing.T, name, shape string, extra ...string) {
	t.Helper()
	r := a.Next(t)
	if r.Method != http.MethodPost || r.Path != "/api/v1/executor" || r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Accept") != "application/json" {
		t.Fatalf("%s: %s %s headers %v", name, r.Method, r.Path, r.Header)
	}
	if err := jsonshape.Match(r.Body, shape, extra...); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

type wireExecutor struct {
	executor.Base
	got chan string
}

func (e *wireExecutor) Registered(_ context.Context, _ *executor.Driver, ex *mesospb.ExecutorInfo, _ *mesospb.FrameworkInfo, a *mesospb.AgentInfo) {
	e.got <- "registered " + ex.GetExecutorId().GetValue() + " on " + a.GetHostname()
}

func (e *wireExecutor) Reregistered(context.Context, *executor.Driver, *mesospb.AgentInfo) {
	e.got <- "reregistered"
}

func (e *wireExecutor) LaunchTask(ctx context.Context, d *executor.Driver, t *mesospb.TaskInfo) {
	e.got <- "launch " + t.GetTaskId().GetValue()
	_ = d.Update(ctx, t.GetTaskId(), mesospb.TaskState_TASK_RUNNING, "")
}

func (e *wireExecutor) FrameworkMessage(ctx context.Context, d *executor.Driver, data []byte) {
	_ = d.Message(ctx, append([]byte("echo "), data...))
}

// The executor driver's calls, in JSON, have the shapes of
// docs/executor-http-api.md, and it understands events as a Mesos agent
// writes them, including a re-subscription with the unacknowledged task
// and update after the agent restarts.
func TestWireFormatIsMesos(t *testing.T) {
	a := newMesosAgent(t)
	snap := leakcheck.Take()
	e := &wireExecutor{got: make(chan string, 8)}
	d, err := executor.New(executor.Config{
		AgentEndpoint: strings.TrimPrefix(a.Server.URL, "http://"), FrameworkID: "fw-1", ExecutorID: "ex-1",
		Checkpoint: true, SubscriptionBackoffMax: 50 * time.Millisecond, Codec: wire.JSON, Logger: slog.New(slog.DiscardHandler),
	}, e)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	expect := func(want string) {
		t.Helper()
		select {
		case got := <-e.got:
			if got != want {
				t.Fatalf("callback %q, want %q", got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no %q", want)
		}
	}
	a.check(t, "SUBSCRIBE", `{"type": "SUBSCRIBE", "executor_id": {"value": "ex-1"}, "framework_id": {"value": "fw-1"}, "subscribe": {}}`)
	expect("registered ex-1 on agenthost")

	a.Events <- []byte(`{"type":"LAUNCH","launch":{"task":{"name":"dummy-task","task_id":{"value":"t1"},"agent_id":{"value":"S1"},` +
		`"command":{"value":"ls","arguments":["-l","/tmp"]}}}}`)
	expect("launch t1")
	update := `{"executor_id": {"value": "ex-1"}, "framework_id": {"value": "fw-1"}, "type": "UPDATE",
		"update": {"status": {"executor_id": {"value": "ex-1"}, "source": "SOURCE_EXECUTOR", "state": "TASK_RUNNING",
			"task_id": {"value": "t1"}, "uuid": "<any>", "timestamp": "<any>"}}}`
	a.check(t, "UPDATE", update)

	a.Events <- []byte(`{"type":"MESSAGE","message":{"data":"aGk="}}`)
	a.check(t, "MESSAGE", `{"executor_id": {"value": "ex-1"}, "framework_id": {"value": "fw-1"}, "type": "MESSAGE", "message": {"data": "ZWNobyBoaQ=="}}`)

	// The agent restarts before acknowledging: the next SUBSCRIBE names
	// the task and its update.
	a.End <- struct{}{}
	a.check(t, "re-SUBSCRIBE", `{"type": "SUBSCRIBE", "executor_id": {"value": "ex-1"}, "framework_id": {"value": "fw-1"},
		"subscribe": {
			"unacknowledged_tasks": [{"name": "dummy-task", "task_id": {"value": "t1"}, "agent_id": {"value": "S1"},
				"command": {"value": "ls", "arguments": ["-l", "/tmp"]}}],
			"unacknowledged_updates": [{"status": {"executor_id": {"value": "ex-1"}, "source": "SOURCE_EXECUTOR",
				"state": "TASK_RUNNING", "task_id": {"value": "t1"}, "uuid": "<any>", "timestamp": "<any>"}}]}}`,
		// CommandInfo.shell has a default (true), which Mesos prints too.
		"subscribe.unacknowledged_tasks.command.shell")
	expect("reregistered")
	tasks, updates := d.Unacknowledged()
	if len(tasks) != 1 || len(updates) != 1 {
		t.Fatalf("unacknowledged: %d tasks, %d updates", len(tasks), len(updates))
	}
	a.Events <- fmt.Appendf(nil, `{"type":"ACKNOWLEDGED","acknowledged":{"task_id":{"value":"t1"},"uuid":%q}}`, base64(updates[0].GetUuid()))
	a.Events <- []byte(`{"type":"SHUTDOWN"}`)
	if err := <-done; err != nil {
		t.Fatalf("Run after SHUTDOWN: %v", err)
	}
	if tasks, updates := d.Unacknowledged(); len(tasks) != 0 || len(updates) != 0 {
		t.Fatalf("after ACKNOWLEDGED: %d tasks, %d updates unacknowledged", len(tasks), len(updates))
	}
	cancel()
	snap.Check(t, "agora/sdk/")
}

func base64(b []byte) string { return stdbase64.StdEncoding.EncodeToString(b) }
