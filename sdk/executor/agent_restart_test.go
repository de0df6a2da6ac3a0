package executor_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"

	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"agora/agent"
	mesospb "agora/api/mesos/v1"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/internal/testcluster"
	"agora/sdk/executor"
	"agora/wire"
)

// The test binary doubles as an agent process (so that the test can kill
// it with SIGKILL and start it again, as a machine's agent restarts) and as
// the custom executor the agent runs (built with this package).
const (
	agentEnv    = "AGORA_SDK_TEST_AGENT"
	executorEnv = "AGORA_SDK_TEST_EXECUTOR"
)

type agentProcess struct {
	Master, WorkDir, Listen string
}

func TestMain(m *testing.M) {
	if cfg := os.Getenv(agentEnv); cfg != "" {
		os.Exit(runAgent(cfg))
	}
	if os.Getenv(executorEnv) != "" {
		os.Exit(runTestExecutor())
	}
	os.Exit(m.Run())
}

func runAgent(encoded string) int {
	var c agentProcess
	if err := json.Unmarshal([]byte(encoded), &c); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	a, err := agent.New(agent.Config{
		Master: c.Master, WorkDir: c.WorkDir, Listen: c.Listen, AdvertiseIP: "127.0.0.1", Hostname: "agent1",
		Resources:                     "cpus:2;mem:1024;disk:4096;ports:[31000-31009]",
		ExecutorReregistrationTimeout: 30 * time.Second,
		Logger:                        slog.New(slog.NewTextHandler(os.Stderr, nil)),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if err := a.Run(ctx); err != nil && ctx.Err() == nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// restartExecutor tells its scheduler what happens to it, and finishes its
// task while the agent is away: that update can only reach the scheduler
// as an unacknowledged update of the next SUBSCRIBE.
type restartExecutor struct {
	executor.Base
	task *mesospb.TaskID
}

func (e *restartExecutor) Registered(ctx context.Context, d *executor.Driver, _ *mesospb.ExecutorInfo, _ *mesospb.FrameworkInfo, _ *mesospb.AgentInfo) {
	_ = d.Message(ctx, []byte("registered"))
}

func (e *restartExecutor) Reregistered(ctx context.Context, d *executor.Driver, _ *mesospb.AgentInfo) {
	_ = d.Message(ctx, []byte("reregistered"))
}

func (e *restartExecutor) LaunchTask(ctx context.Context, d *executor.Driver, t *mesospb.TaskInfo) {
	e.task = t.GetTaskId()
	_ = d.Update(ctx, t.GetTaskId(), mesospb.TaskState_TASK_RUNNING, "")
}

func (e *restartExecutor) Disconnected(ctx context.Context, d *executor.Driver) {
	if e.task != nil {
		err := d.Update(ctx, e.task, mesospb.TaskState_TASK_FINISHED, "finished while the agent was away")
		fmt.Fprintln(os.Stderr, "update while disconnected:", err)
	}
}

func (e *restartExecutor) KillTask(ctx context.Context, d *executor.Driver, id *mesospb.TaskID, _ *mesospb.KillPolicy) {
	_ = d.Update(ctx, id, mesospb.TaskState_TASK_KILLED, "")
}

func runTestExecutor() int {
	cfg, err := executor.ConfigFromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	// Give up soon if the test never brings the agent back.
	cfg.RecoveryTimeout = 30 * time.Second
	cfg.Codec = wire.JSON
	d, err := executor.New(cfg, &restartExecutor{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if err := d.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// startAgent runs the test binary as an agent process.
func startAgent(t *testing.T, cfg agentProcess) *exec.Cmd {
	t.Helper()
	b, _ := json.Marshal(cfg)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), agentEnv+"="+string(b))
	log, err := os.OpenFile(filepath.Join(cfg.WorkDir, "..", "agent.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_, _ = cmd.Process.Wait()
		log.Close()
		if t.Failed() {
			b, _ := os.ReadFile(log.Name())
			t.Logf("agent log:\n%s", b)
		}
	})
	return cmd
}

// An executor written with the SDK outlives a kill -9 of its agent: it
// subscribes again to the restarted agent, which forwards the update the
// executor sent while it was away.
func TestExecutorSurvivesAgentRestart(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listen := ln.Addr().String()
	ln.Close()
	cfg := agentProcess{Master: c.MasterAddr, WorkDir: filepath.Join(t.TempDir(), "agent"), Listen: listen}
	first := startAgent(t, cfg)
	if err := c.WaitAgents(1, 60*time.Second); err != nil {
		t.Fatal(err)
	}

	info := testcluster.DefaultFrameworkInfo("executor-restart")
	info.Checkpoint = proto.Bool(true)
	info.FailoverTimeout = proto.Float64(60)
	s := testcluster.Subscribe(t, c.MasterURL, wire.JSON, info)
	o := s.Next(t, schedulerpb.Event_OFFERS).GetOffers().GetOffers()[0]
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ex := &mesospb.ExecutorInfo{
		ExecutorId: &mesospb.ExecutorID{Value: proto.String("sdk-executor")},
		Command: &mesospb.CommandInfo{
			Value:       proto.String("./" + filepath.Base(self)),
			Uris:        []*mesospb.CommandInfo_URI{{Value: proto.String(self), Executable: proto.Bool(true)}},
			Environment: &mesospb.Environment{Variables: []*mesospb.Environment_Variable{{Name: proto.String(executorEnv), Value: proto.String("1")}}},
		},
	}
	task := &mesospb.TaskInfo{
		Name: proto.String("t1"), TaskId: &mesospb.TaskID{Value: proto.String("t1")}, AgentId: o.GetAgentId(), Executor: ex,
		Resources: o.GetResources()[:1],
	}
	s.MustCall(t, &schedulerpb.Call{Type: schedulerpb.Call_ACCEPT.Enum(), Accept: &schedulerpb.Call_Accept{
		OfferIds:   []*mesospb.OfferID{o.GetId()},
		Operations: []*mesospb.Offer_Operation{{Type: mesospb.Offer_Operation_LAUNCH.Enum(), Launch: &mesospb.Offer_Operation_Launch{TaskInfos: []*mesospb.TaskInfo{task}}}},
	}})
	if msg := string(s.Next(t, schedulerpb.Event_MESSAGE).GetMessage().GetData()); msg != "registered" {
		t.Fatalf("executor message %q, want registered", msg)
	}
	s.WaitState(t, "t1", mesospb.TaskState_TASK_RUNNING)

	if err := first.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_, _ = first.Process.Wait()
	// Give the executor time to notice and to send its update into the
	// void, then bring the agent back on the same address and work dir.
	time.Sleep(300 * time.Millisecond)
	startAgent(t, cfg)

	if msg := string(s.Next(t, schedulerpb.Event_MESSAGE).GetMessage().GetData()); msg != "reregistered" {
		t.Fatalf("executor message %q, want reregistered", msg)
	}
	st := s.WaitState(t, "t1", mesospb.TaskState_TASK_FINISHED)
	if st.GetMessage() != "finished while the agent was away" {
		t.Fatalf("t1 finished with %q", st.GetMessage())
	}
	// Tear down: the agent shuts the executor down and it exits.
	s.MustCall(t, &schedulerpb.Call{Type: schedulerpb.Call_TEARDOWN.Enum()})

}
