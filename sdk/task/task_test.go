package task_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	"agora/resources"
	"agora/sdk/offer"
	"agora/sdk/task"
)

func testOffer(t *testing.T, res string) *offer.Offer {
	t.Helper()
	rs, err := resources.Parse(res, "*")
	if err != nil {
		t.Fatal(err)
	}
	list, _ := rs.ToProto(resources.FormatFor(false, false))
	o, err := offer.New(&mesospb.Offer{
		Id: &mesospb.OfferID{Value: proto.String("o1")}, FrameworkId: &mesospb.FrameworkID{Value: proto.String("fw")},
		AgentId: &mesospb.AgentID{Value: proto.String("a1")}, Hostname: proto.String("h1"), Resources: list,
	})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestCommandBuild(t *testing.T) {
	o := testOffer(t, "cpus:1;mem:128")
	base := task.Command("t1", "echo $GREETING").Need(resources.NewScalar("cpus", 0.5), resources.NewScalar("mem", 64))
	spec := base.Env("GREETING", "hi").Env("A", "1").Label("app", "hello").KillGracePeriod(2).Fetch("http://x/f", false)
	info, ok := spec.Build(o)
	if !ok {
		t.Fatal("Build found no resources")
	}
	if info.GetTaskId().GetValue() != "t1" || info.GetName() != "t1" || info.GetAgentId().GetValue() != "a1" {
		t.Fatalf("ids: %v", info)
	}
	cmd := info.GetCommand()
	if !cmd.GetShell() || cmd.GetValue() != "echo $GREETING" || len(cmd.GetUris()) != 1 {
		t.Fatalf("command %v", cmd)
	}
	vars := cmd.GetEnvironment().GetVariables()
	if len(vars) != 2 || vars[0].GetName() != "A" || vars[1].GetValue() != "hi" {
		t.Fatalf("environment %v", vars)
	}
	if info.GetLabels().GetLabels()[0].GetValue() != "hello" || info.GetKillPolicy().GetGracePeriod().GetNanoseconds() != 2e9 {
		t.Fatalf("labels/kill policy: %v", info)
	}
	// The template was not changed by the variations.
	if got := base.Info(nil, nil).GetCommand(); got.GetEnvironment() != nil || len(got.GetUris()) != 0 {
		t.Fatalf("template changed: %v", got)
	}
	// Second task fits, third does not and takes nothing.
	if _, ok := base.Build(o); !ok {
		t.Fatal("second task did not fit")
	}
	if _, ok := base.Build(o); ok {
		t.Fatal("third task fit in an exhausted offer")
	}
}

func TestExecAndExecutor(t *testing.T) {
	info := task.Exec("t", "/bin/echo", "a", "b").Info(nil, nil)
	if c := info.GetCommand(); c.GetShell() || c.GetValue() != "/bin/echo" || len(c.GetArguments()) != 3 {
		t.Fatalf("exec command %v", c)
	}
	ex := task.Executor("ex-1", "my-executor", "http://host/my-executor")
	info = task.ForExecutor("t2", ex).Data([]byte("work")).Info(nil, nil)
	if info.GetCommand() != nil || info.GetExecutor().GetCommand().GetValue() != "./my-executor" || string(info.GetData()) != "work" {
		t.Fatalf("executor task %v", info)
	}
	if !info.GetExecutor().GetCommand().GetUris()[0].GetExecutable() {
		t.Fatal("executor URI not executable")
	}
}
