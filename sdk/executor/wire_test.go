package executor_test

import (
	"context"
	stdbase64 "encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
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

// mesosAgent answers like a Mesos 1.11 agent's /api/v1/executor, with JSON
// written by hand as Mesos writes it, and records the requests as sent.
type mesosAgent struct {
	srv      *httptest.Server
	requests chan wireRequest
	events   chan []byte
	end      chan struct{}
}

type wireRequest struct {
	method, path, contentType, accept string
	body                              []byte
}

func newMesosAgent(t *testing.T) *mesosAgent {
	a := &mesosAgent{requests: make(chan wireRequest, 32), events: make(chan []byte, 8), end: make(chan struct{}, 1)}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(func() {
		select {
		case a.end <- struct{}{}:
		default:
		}
		a.srv.Close()
	})
	return a
}

func (a *mesosAgent) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	a.requests <- wireRequest{r.Method, r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("Accept"), body}
	if !strings.Contains(string(body), `"SUBSCRIBE"`) {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	fakestream.Stream{
		ContentType: "application/json",
		First: [][]byte{[]byte(`{"type":"SUBSCRIBED","subscribed":{"executor_info":{"executor_id":{"value":"ex-1"},"command":{"value":"/path/to/executor"},` +
			`"framework_id":{"value":"fw-1"}},"framework_info":{"user":"foo","name":"my_framework"},` +
			`"agent_id":{"value":"S1"},"agent_info":{"hostname":"agenthost","port":5051}}}`)},
		Next: a.events, End: a.end,
	}.Serve(w, r)
}

func (a *mesosAgent) check(t *testing.T, name, shape string, extra ...string) {
	t.Helper()
	select {
	case r := <-a.requests:
		if r.method != http.MethodPost || r.path != "/api/v1/executor" || r.contentType != "application/json" || r.accept != "application/json" {
			t.Fatalf("%s: %s %s Content-Type %q Accept %q", name, r.method, r.path, r.contentType, r.accept)
		}
		if err := jsonshape.Match(r.body, shape, extra...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s", name)
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
		AgentEndpoint: strings.TrimPrefix(a.srv.URL, "http://"), FrameworkID: "fw-1", ExecutorID: "ex-1",
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

	a.events <- []byte(`{"type":"LAUNCH","launch":{"task":{"name":"dummy-task","task_id":{"value":"t1"},"agent_id":{"value":"S1"},` +
		`"command":{"value":"ls","arguments":["-l","/tmp"]}}}}`)
	expect("launch t1")
	update := `{"executor_id": {"value": "ex-1"}, "framework_id": {"value": "fw-1"}, "type": "UPDATE",
		"update": {"status": {"executor_id": {"value": "ex-1"}, "source": "SOURCE_EXECUTOR", "state": "TASK_RUNNING",
			"task_id": {"value": "t1"}, "uuid": "<any>", "timestamp": "<any>"}}}`
	a.check(t, "UPDATE", update)

	a.events <- []byte(`{"type":"MESSAGE","message":{"data":"aGk="}}`)
	a.check(t, "MESSAGE", `{"executor_id": {"value": "ex-1"}, "framework_id": {"value": "fw-1"}, "type": "MESSAGE", "message": {"data": "ZWNobyBoaQ=="}}`)

	// The agent restarts before acknowledging: the next SUBSCRIBE names
	// the task and its update.
	a.end <- struct{}{}
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
	a.events <- fmt.Appendf(nil, `{"type":"ACKNOWLEDGED","acknowledged":{"task_id":{"value":"t1"},"uuid":%q}}`, base64(updates[0].GetUuid()))
	a.events <- []byte(`{"type":"SHUTDOWN"}`)
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
