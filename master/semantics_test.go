package master_test

import (
	"net/http"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	masterpb "agora/api/mesos/v1/master"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/internal/testcluster"
	"agora/master"
	"agora/resources"
	"agora/wire"
)

// declineAll declines every offer of an OFFERS event with refuse_seconds 0
// and returns the roles they were for.
func declineAll(t *testing.T, s *testcluster.Scheduler, ev *schedulerpb.Event) []string {
	t.Helper()
	var ids []*mesospb.OfferID
	var roles []string
	for _, o := range ev.GetOffers().GetOffers() {
		ids = append(ids, o.GetId())
		roles = append(roles, o.GetAllocationInfo().GetRole())
	}
	refuse := 0.0
	s.MustCall(t, &schedulerpb.Call{
		Type:    schedulerpb.Call_DECLINE.Enum(),
		Decline: &schedulerpb.Call_Decline{OfferIds: ids, Filters: &mesospb.Filters{RefuseSeconds: &refuse}},
	})
	return roles
}

func multiRoleInfo(name string, roles ...string) *mesospb.FrameworkInfo {
	info := testcluster.DefaultFrameworkInfo(name)
	info.Roles = roles
	info.Capabilities = []*mesospb.FrameworkInfo_Capability{
		{Type: mesospb.FrameworkInfo_Capability_MULTI_ROLE.Enum()},
		{Type: mesospb.FrameworkInfo_Capability_RESERVATION_REFINEMENT.Enum()},
	}
	return info
}

// SUPPRESS and REVIVE with roles act on those roles only: a framework
// suppressed in one of its roles keeps being offered in the other, and
// REVIVE of that role brings its offers back.
func TestSuppressAndRevivePerRole(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1})
	s := testcluster.Subscribe(t, c.MasterURL, wire.JSON, multiRoleInfo("two-roles", "a", "b"))
	s.MustCall(t, &schedulerpb.Call{Type: schedulerpb.Call_SUPPRESS.Enum(), Suppress: &schedulerpb.Call_Suppress{Roles: []string{"a"}}})
	// Decline whatever comes for a while: once the suppression is in
	// effect, only role b is offered.
	deadline := time.Now().Add(3 * time.Second)
	seenB := 0
	for time.Now().Before(deadline) {
		ev, err := s.NextWithin(schedulerpb.Event_OFFERS, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		for _, role := range declineAll(t, s, ev) {
			switch role {
			case "a":
				// An offer made before SUPPRESS was handled is fine;
				// the declined resources must then go to b.
				if seenB > 0 {
					t.Fatalf("suppressed role a offered after role b was")
				}
			case "b":
				seenB++
			}
		}
	}
	if seenB < 2 {
		t.Fatalf("role b offered %d times in 3 s of declining with refuse_seconds 0", seenB)
	}
	s.MustCall(t, &schedulerpb.Call{Type: schedulerpb.Call_REVIVE.Enum(), Revive: &schedulerpb.Call_Revive{Roles: []string{"a"}}})
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		ev, err := s.NextWithin(schedulerpb.Event_OFFERS, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		for _, role := range declineAll(t, s, ev) {
			if role == "a" {
				return
			}
		}
	}
	t.Fatal("role a not offered again after REVIVE")
}

// A framework with the old singular role (no MULTI_ROLE) is offered the
// resources an agent reserves statically to that role in its --resources,
// in the pre-MULTI_ROLE format (Resource.role, no allocation_info); a
// framework of another role is not.
func TestStaticReservationsGoToTheSingularRole(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1, AgentResources: "cpus(web):1;mem(web):256;cpus:1;mem:256;disk:100"})
	info := testcluster.DefaultFrameworkInfo("legacy")
	info.Role = proto.String("web")
	info.Roles = nil
	info.Capabilities = nil
	web := testcluster.Subscribe(t, c.MasterURL, wire.JSON, info)
	o := firstOffer(t, web)
	if o.AllocationInfo != nil {
		t.Errorf("offer to a framework without MULTI_ROLE carries allocation_info %v", o.AllocationInfo)
	}
	reservedCPUs := 0.0
	for _, r := range o.GetResources() {
		if r.AllocationInfo != nil {
			t.Errorf("resource %v carries allocation_info", r)
		}
		if r.GetRole() == "web" && r.GetName() == "cpus" {
			reservedCPUs += r.GetScalar().GetValue()
		}
	}
	if reservedCPUs != 1 {
		t.Fatalf("offer to role web %v: want 1 cpu with role web", o.GetResources())
	}
	// The task runs on the reserved cpus, given as the framework sees them.
	task := commandTask("on-reserved", o, "true")
	task.Resources = []*mesospb.Resource{scalar("cpus", 0.5), scalar("mem", 32)}
	task.Resources[0].Role = proto.String("web")
	task.Resources[1].Role = proto.String("web")
	web.MustCall(t, launch([]*mesospb.Offer{o}, task))
	web.WaitState(t, "on-reserved", mesospb.TaskState_TASK_FINISHED)
	// With role web gone, its reservation is free and still offered to
	// nobody else.
	web.MustCall(t, &schedulerpb.Call{Type: schedulerpb.Call_TEARDOWN.Enum()})

	other := testcluster.Subscribe(t, c.MasterURL, wire.JSON, testcluster.DefaultFrameworkInfo("other"))
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); {
		ev, err := other.NextWithin(schedulerpb.Event_OFFERS, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range ev.GetOffers().GetOffers() {
			for _, r := range o.GetResources() {
				if r.GetRole() == "web" || r.GetAllocationInfo().GetRole() == "web" || len(r.GetReservations()) > 0 {
					t.Fatalf("framework of role * offered %v", r)
				}
			}
		}
		declineAll(t, other, ev)
	}
}

// Weights, quota, dynamic reservations and persistent volumes survive a
// master restart on the same --work_dir: the restarted master lays the
// reservation and the volume over what the re-registering agent reports and
// offers them to their role again.
func TestSettingsSurviveAMasterRestart(t *testing.T) {
	workDir := t.TempDir()
	opts := testcluster.Options{
		Agents:         1,
		AgentResources: "cpus:2;mem:1024;disk:1000",
		Master:         master.Config{WorkDir: t.TempDir()},
	}
	c1, err := testcluster.New(opts, workDir)
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Stop()
	if err := c1.WaitAgents(1, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	agents := operatorCall(t, c1.MasterURL, wire.JSON, &masterpb.Call{Type: masterpb.Call_GET_AGENTS.Enum()})
	agentID := agents.GetGetAgents().GetAgents()[0].GetAgentInfo().GetId().GetValue()
	reserved, err := mustParse(t, "cpus:1;disk:200").PushReservation(resources.DynamicReservation("db", "ops"))
	if err != nil {
		t.Fatal(err)
	}
	volume := volumeOf(t, reserved.Named("disk"), "data")
	for _, body := range []string{
		`{"type":"UPDATE_WEIGHTS","update_weights":{"weight_infos":[{"role":"db","weight":2}]}}`,
		`{"type":"UPDATE_QUOTA","update_quota":{"quota_configs":[{"role":"db","guarantees":{"cpus":{"value":1}},"limits":{"cpus":{"value":1.5}}}]}}`,
	} {
		if code, msg := operator(t, c1.MasterURL, body); code != http.StatusOK {
			t.Fatalf("%s: %d %s", body, code, msg)
		}
	}
	for _, body := range []string{
		`{"type":"RESERVE_RESOURCES","reserve_resources":{"agent_id":{"value":"` + agentID + `"},"resources":` + jsonList(t, reserved) + `}}`,
		`{"type":"CREATE_VOLUMES","create_volumes":{"agent_id":{"value":"` + agentID + `"},"volumes":` + jsonList(t, volume) + `}}`,
	} {
		if code, msg := operator(t, c1.MasterURL, body); code != http.StatusAccepted {
			t.Fatalf("%s: %d %s", body, code, msg)
		}
	}
	c1.Stop()

	// Same work dirs: the agent keeps its id and re-registers with a
	// master that knows nothing but its registry.
	c2, err := testcluster.New(opts, workDir)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Stop()
	if err := c2.WaitAgents(1, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	weights := operatorCall(t, c2.MasterURL, wire.JSON, &masterpb.Call{Type: masterpb.Call_GET_WEIGHTS.Enum()})
	if w := weights.GetGetWeights().GetWeightInfos(); len(w) != 1 || w[0].GetRole() != "db" || w[0].GetWeight() != 2 {
		t.Errorf("weights after restart: %v", w)
	}
	quota := operatorCall(t, c2.MasterURL, wire.JSON, &masterpb.Call{Type: masterpb.Call_GET_QUOTA.Enum()})
	if q := quota.GetGetQuota().GetStatus().GetConfigs(); len(q) != 1 || q[0].GetRole() != "db" ||
		q[0].GetGuarantees()["cpus"].GetValue() != 1 || q[0].GetLimits()["cpus"].GetValue() != 1.5 {
		t.Errorf("quota after restart: %v", q)
	}
	s := testcluster.Subscribe(t, c2.MasterURL, wire.JSON, multiRoleInfo("db", "db"))
	o := firstOffer(t, s)
	got, err := resources.FromProto(o.GetResources())
	if err != nil {
		t.Fatal(err)
	}
	if o.GetAgentId().GetValue() != agentID || !got.Unallocate().Contains(volume) || !got.Unallocate().Contains(reserved.Named("cpus")) {
		t.Errorf("offer to db after the restart: %v on %s; want the volume and the reserved cpus on %s", got, o.GetAgentId().GetValue(), agentID)
	}
}
