package master_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	masterpb "agora/api/mesos/v1/master"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/internal/testcluster"
	"agora/master"
	"agora/wire"
)

// MULTI_ROLE frameworks get one offer per role, with allocation_info on the
// offer and its resources.
func TestMultiRoleOffersCarryAllocationInfo(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1})
	info := testcluster.DefaultFrameworkInfo("multi")
	info.Roles = []string{"web"}
	info.Capabilities = []*mesospb.FrameworkInfo_Capability{
		{Type: mesospb.FrameworkInfo_Capability_MULTI_ROLE.Enum()},
		{Type: mesospb.FrameworkInfo_Capability_RESERVATION_REFINEMENT.Enum()},
	}
	s := testcluster.Subscribe(t, c.MasterURL, wire.JSON, info)
	o := firstOffer(t, s)
	if o.GetAllocationInfo().GetRole() != "web" {
		t.Fatalf("offer allocation_info %v, want role web", o.GetAllocationInfo())
	}
	for _, r := range o.GetResources() {
		if r.GetAllocationInfo().GetRole() != "web" || r.Role != nil {
			t.Fatalf("resource %v: want allocation role web and no legacy role field", r)
		}
	}
	task := commandTask("mr", o, "true")
	for _, r := range task.Resources {
		r.AllocationInfo = &mesospb.Resource_AllocationInfo{Role: proto.String("web")}
	}
	s.MustCall(t, launch([]*mesospb.Offer{o}, task))
	s.WaitState(t, "mr", mesospb.TaskState_TASK_FINISHED)
}

// An update the framework did not acknowledge is sent again as soon as the
// framework re-subscribes, instead of waiting for the agent's next retry.
func TestUnacknowledgedUpdateIsResentOnResubscribe(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1})
	info := testcluster.DefaultFrameworkInfo("noack")
	info.FailoverTimeout = proto.Float64(60)
	s1 := testcluster.Subscribe(t, c.MasterURL, wire.JSON, info)
	o := firstOffer(t, s1)
	s1.MustCall(t, launch([]*mesospb.Offer{o}, commandTask("slow", o, "sleep 30")))
	// Read STARTING without acknowledging it.
	var starting *mesospb.TaskStatus
	for starting == nil {
		st := s1.Next(t, schedulerpb.Event_UPDATE).GetUpdate().GetStatus()
		if st.GetState() == mesospb.TaskState_TASK_STARTING {
			starting = st
		}
	}
	s1.Close()
	info.Id = s1.FrameworkID
	s2 := testcluster.Subscribe(t, c.MasterURL, wire.JSON, info)
	ev := s2.Next(t, schedulerpb.Event_UPDATE)
	if got := ev.GetUpdate().GetStatus(); !bytes.Equal(got.GetUuid(), starting.GetUuid()) {
		t.Fatalf("first update after re-subscribing: %v, want the unacknowledged STARTING again", got)
	}
	s2.Acknowledge(t, ev.GetUpdate().GetStatus())
	s2.WaitState(t, "slow", mesospb.TaskState_TASK_RUNNING)
}

// Offers not answered within --offer_timeout are rescinded and offered again.
func TestOfferTimeoutRescinds(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1, Master: master.Config{OfferTimeout: 300 * time.Millisecond}})
	s := testcluster.Subscribe(t, c.MasterURL, wire.JSON, testcluster.DefaultFrameworkInfo("slowpoke"))
	o := firstOffer(t, s)
	ev := s.Next(t, schedulerpb.Event_RESCIND)
	if ev.GetRescind().GetOfferId().GetValue() != o.GetId().GetValue() {
		t.Fatalf("rescinded %v, want %v", ev.GetRescind().GetOfferId(), o.GetId())
	}
	if again := firstOffer(t, s); again.GetId().GetValue() == o.GetId().GetValue() {
		t.Fatal("the rescinded offer id came back")
	}
}

func operatorCall(t *testing.T, url string, codec wire.Codec, call *masterpb.Call) *masterpb.Response {
	t.Helper()
	body, err := codec.Marshal(call)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, url+"/api/v1", bytes.NewReader(body))
	req.Header.Set("Content-Type", codec.MediaType())
	req.Header.Set("Accept", codec.MediaType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != codec.MediaType() {
		t.Fatalf("%v: %s %q: %s", call.GetType(), resp.Status, resp.Header.Get("Content-Type"), b)
	}
	out := &masterpb.Response{}
	if err := codec.Unmarshal(b, out); err != nil {
		t.Fatalf("%v: decode: %v", call.GetType(), err)
	}
	return out
}

func TestOperatorAPI(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 2})
	s := testcluster.Subscribe(t, c.MasterURL, wire.JSON, testcluster.DefaultFrameworkInfo("op"))
	o := firstOffer(t, s)
	s.MustCall(t, launch([]*mesospb.Offer{o}, commandTask("op1", o, "sleep 30")))
	s.WaitState(t, "op1", mesospb.TaskState_TASK_RUNNING)

	for _, codec := range []wire.Codec{wire.JSON, wire.Protobuf} {
		call := func(typ masterpb.Call_Type) *masterpb.Response {
			return operatorCall(t, c.MasterURL, codec, &masterpb.Call{Type: typ.Enum()})
		}
		if !call(masterpb.Call_GET_HEALTH).GetGetHealth().GetHealthy() {
			t.Error("GET_HEALTH: not healthy")
		}
		if v := call(masterpb.Call_GET_VERSION).GetGetVersion().GetVersionInfo().GetVersion(); v != master.Version {
			t.Errorf("GET_VERSION %q", v)
		}
		if n := len(call(masterpb.Call_GET_AGENTS).GetGetAgents().GetAgents()); n != 2 {
			t.Errorf("GET_AGENTS: %d agents, want 2", n)
		}
		fws := call(masterpb.Call_GET_FRAMEWORKS).GetGetFrameworks().GetFrameworks()
		if len(fws) != 1 || fws[0].GetFrameworkInfo().GetName() != "op" || !fws[0].GetActive() {
			t.Errorf("GET_FRAMEWORKS: %v", fws)
		}
		tasks := call(masterpb.Call_GET_TASKS).GetGetTasks().GetTasks()
		if len(tasks) != 1 || tasks[0].GetState() != mesospb.TaskState_TASK_RUNNING {
			t.Errorf("GET_TASKS: %v", tasks)
		}
		st := call(masterpb.Call_GET_STATE).GetGetState()
		if len(st.GetGetAgents().GetAgents()) != 2 || len(st.GetGetTasks().GetTasks()) != 1 || len(st.GetGetFrameworks().GetFrameworks()) != 1 {
			t.Errorf("GET_STATE: %v", st)
		}
	}

	state, err := c.State()
	if err != nil {
		t.Fatal(err)
	}
	slaves := state["slaves"].([]any)
	if len(slaves) != 2 {
		t.Fatalf("/master/state: %d slaves", len(slaves))
	}
	res := slaves[0].(map[string]any)["resources"].(map[string]any)
	if res["cpus"] != 4.0 || res["ports"] != "[31000-32000]" {
		t.Errorf("/master/state resources %v, want flat cpus 4 and ports [31000-32000]", res)
	}
	task := state["frameworks"].([]any)[0].(map[string]any)["tasks"].([]any)[0].(map[string]any)
	for _, key := range []string{"id", "name", "framework_id", "executor_id", "slave_id", "state", "resources", "role", "statuses"} {
		if _, ok := task[key]; !ok {
			t.Errorf("/master/state task lacks %q: %v", key, task)
		}
	}
	for _, path := range []string{"/health", "/version"} {
		resp, err := http.Get(c.MasterURL + path)
		if err != nil || resp.StatusCode != 200 {
			t.Errorf("GET %s: %v %v", path, resp, err)
		}
		if resp != nil {
			resp.Body.Close()
		}
	}
}
