package master_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	mesospb "agora/api/mesos/v1"
	masterpb "agora/api/mesos/v1/master"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/internal/testcluster"
	"agora/resources"
	"agora/wire"
)

func mustParse(t *testing.T, text string) resources.Resources {
	t.Helper()
	rs, err := resources.Parse(text, "")
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func toWire(t *testing.T, rs resources.Resources) []*mesospb.Resource {
	t.Helper()
	out, err := rs.ToProto(resources.FormatFor(true, true))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// volumeOf turns reserved disk into a persistent volume with an id.
func volumeOf(t *testing.T, disk resources.Resources, id string) resources.Resources {
	t.Helper()
	var out []resources.Resource
	for r := range disk.All() {
		r.Disk = &resources.DiskInfo{
			Persistence: &resources.Persistence{ID: id, Principal: "ops"},
			Volume:      &resources.Volume{ContainerPath: "data", Mode: resources.ReadWrite},
		}
		out = append(out, r)
	}
	vol, err := resources.New(out...)
	if err != nil {
		t.Fatal(err)
	}
	return vol
}

// A framework reserves resources, creates a persistent volume and runs a
// task on them; when the task ends, the reservation and the volume are
// offered back to its role, and only to it. The operator can then destroy
// the volume and unreserve the resources.
func TestReservationsAndVolumesComeBackToTheirRole(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1, AgentResources: "cpus:2;mem:1024;disk:1000;ports:[31000-31010]"})
	info := testcluster.DefaultFrameworkInfo("db")
	info.Roles = []string{"db"}
	info.Capabilities = []*mesospb.FrameworkInfo_Capability{
		{Type: mesospb.FrameworkInfo_Capability_MULTI_ROLE.Enum()},
		{Type: mesospb.FrameworkInfo_Capability_RESERVATION_REFINEMENT.Enum()},
	}
	s := testcluster.Subscribe(t, c.MasterURL, wire.JSON, info)
	o := firstOffer(t, s)

	reserved, err := mustParse(t, "cpus:0.5;mem:128;disk:500").PushReservation(resources.DynamicReservation("db", "ops"))
	if err != nil {
		t.Fatal(err)
	}
	reserved = reserved.AllocateTo("db")
	volume := volumeOf(t, reserved.Named("disk"), "data")
	task := commandTask("db-1", o, "true")
	task.Resources = toWire(t, reserved.Named("cpus").Add(reserved.Named("mem")).Add(volume))
	refuse := 0.0
	s.MustCall(t, &schedulerpb.Call{
		Type: schedulerpb.Call_ACCEPT.Enum(),
		Accept: &schedulerpb.Call_Accept{
			OfferIds: []*mesospb.OfferID{o.GetId()},
			Filters:  &mesospb.Filters{RefuseSeconds: &refuse},
			Operations: []*mesospb.Offer_Operation{
				{Type: mesospb.Offer_Operation_RESERVE.Enum(), Reserve: &mesospb.Offer_Operation_Reserve{Resources: toWire(t, reserved)}},
				{Type: mesospb.Offer_Operation_CREATE.Enum(), Create: &mesospb.Offer_Operation_Create{Volumes: toWire(t, volume)}},
				{Type: mesospb.Offer_Operation_LAUNCH.Enum(), Launch: &mesospb.Offer_Operation_Launch{TaskInfos: []*mesospb.TaskInfo{task}}},
			},
		},
	})
	s.WaitState(t, "db-1", mesospb.TaskState_TASK_FINISHED)

	// The volume and the reservation come back in an offer to db.
	deadline := time.Now().Add(20 * time.Second)
	var back *mesospb.Offer
	for back == nil && time.Now().Before(deadline) {
		ev, err := s.NextWithin(schedulerpb.Event_OFFERS, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		for _, offer := range ev.GetOffers().GetOffers() {
			for _, r := range offer.GetResources() {
				if r.GetDisk().GetPersistence().GetId() == "data" {
					back = offer
				}
			}
		}
	}
	if back == nil {
		t.Fatal("the volume was not offered back")
	}
	got, err := resources.FromProto(back.GetResources())
	if err != nil {
		t.Fatal(err)
	}
	if !got.Contains(volume) || !got.Contains(reserved.Named("cpus")) {
		t.Errorf("offer %v lacks the volume or the reserved cpus", got)
	}

	// The operator destroys the volume (the offer holding it is
	// rescinded) and unreserves everything.
	agentID := back.GetAgentId().GetValue()
	plainVolume := volume.Unallocate()
	code, msg := operator(t, c.MasterURL, `{"type":"DESTROY_VOLUMES","destroy_volumes":{"agent_id":{"value":"`+agentID+`"},"volumes":`+jsonList(t, plainVolume)+`}}`)
	if code != http.StatusAccepted {
		t.Fatalf("DESTROY_VOLUMES: %d %s", code, msg)
	}
	code, msg = operator(t, c.MasterURL, `{"type":"UNRESERVE_RESOURCES","unreserve_resources":{"agent_id":{"value":"`+agentID+`"},"resources":`+jsonList(t, reserved.Unallocate())+`}}`)
	if code != http.StatusAccepted {
		t.Fatalf("UNRESERVE_RESOURCES: %d %s", code, msg)
	}
	code, _ = operator(t, c.MasterURL, `{"type":"UNRESERVE_RESOURCES","unreserve_resources":{"agent_id":{"value":"`+agentID+`"},"resources":`+jsonList(t, reserved.Unallocate())+`}}`)
	if code != http.StatusConflict {
		t.Errorf("unreserving twice: %d, want 409", code)
	}
}

func jsonList(t *testing.T, rs resources.Resources) string {
	t.Helper()
	list, err := rs.ToProto(resources.Format{})
	if err != nil {
		t.Fatal(err)
	}
	parts := make([]string, len(list))
	for i, r := range list {
		b, err := wire.MarshalJSON(r)
		if err != nil {
			t.Fatal(err)
		}
		parts[i] = string(b)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// The operator reserves free resources for a role; frameworks of other
// roles are no longer offered them. Bad calls get Mesos's status codes.
func TestOperatorReservesForARole(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1, AgentResources: "cpus:2;mem:1024;disk:100;ports:[31000-31010]"})
	if err := c.WaitAgents(1, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	agents := operatorCall(t, c.MasterURL, wire.JSON, &masterpb.Call{Type: masterpb.Call_GET_AGENTS.Enum()})
	agentID := agents.GetGetAgents().GetAgents()[0].GetAgentInfo().GetId().GetValue()

	all, err := mustParse(t, "cpus:1;mem:512").PushReservation(resources.DynamicReservation("ops", "admin"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		body string
		code int
	}{
		{`{"type":"RESERVE_RESOURCES","reserve_resources":{"agent_id":{"value":"nope"},"resources":` + jsonList(t, all) + `}}`, http.StatusBadRequest},
		{`{"type":"RESERVE_RESOURCES","reserve_resources":{"agent_id":{"value":"` + agentID + `"},"resources":` + jsonList(t, mustParse(t, "cpus:1")) + `}}`, http.StatusBadRequest},
		{`{"type":"RESERVE_RESOURCES"}`, http.StatusBadRequest},
		// The operator API works on unallocated resources.
		{`{"type":"RESERVE_RESOURCES","reserve_resources":{"agent_id":{"value":"` + agentID + `"},"resources":` + jsonList(t, all.AllocateTo("ops")) + `}}`, http.StatusBadRequest},
	} {
		if code, msg := operator(t, c.MasterURL, tc.body); code != tc.code {
			t.Errorf("%s: %d %s, want %d", tc.body, code, msg, tc.code)
		}
	}
	tooMuch, _ := mustParse(t, "cpus:64").PushReservation(resources.DynamicReservation("ops", "admin"))
	if code, msg := operator(t, c.MasterURL, `{"type":"RESERVE_RESOURCES","reserve_resources":{"agent_id":{"value":"`+agentID+`"},"resources":`+jsonList(t, tooMuch)+`}}`); code != http.StatusConflict {
		t.Errorf("reserving more than the agent has: %d %s, want 409", code, msg)
	}
	if code, msg := operator(t, c.MasterURL, `{"type":"RESERVE_RESOURCES","reserve_resources":{"agent_id":{"value":"`+agentID+`"},"resources":`+jsonList(t, all)+`}}`); code != http.StatusAccepted {
		t.Fatalf("RESERVE_RESOURCES: %d %s", code, msg)
	}

	// A framework in another role is offered only the unreserved half.
	s := testcluster.Subscribe(t, c.MasterURL, wire.JSON, testcluster.DefaultFrameworkInfo("other"))
	o := firstOffer(t, s)
	offered, err := resources.FromProto(o.GetResources())
	if err != nil {
		t.Fatal(err)
	}
	if !offered.Reserved().IsEmpty() || offered.Cpus() != resources.ToMilli(1) {
		t.Errorf("framework of role * offered %v; want the unreserved cpu and nothing reserved to ops", offered)
	}
	// GET_AGENTS shows the reservation in the agent's total.
	agents = operatorCall(t, c.MasterURL, wire.JSON, &masterpb.Call{Type: masterpb.Call_GET_AGENTS.Enum()})
	total, err := resources.FromProto(agents.GetGetAgents().GetAgents()[0].GetTotalResources())
	if err != nil {
		t.Fatal(err)
	}
	if !total.Contains(all) {
		t.Errorf("agent total %v lacks the reservation %v", total, all)
	}
	// /roles: ops has the reservation, and an unused reservation counts
	// as consumed quota.
	resp, err := http.Get(c.MasterURL + "/roles")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Roles []struct {
			Name     string             `json:"name"`
			Reserved map[string]float64 `json:"reserved"`
			Quota    struct {
				Consumed map[string]float64 `json:"consumed"`
			} `json:"quota"`
		} `json:"roles"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range doc.Roles {
		if r.Name == "ops" {
			found = true
			if r.Reserved["cpus"] != 1 || r.Reserved["mem"] != 512 || r.Quota.Consumed["cpus"] != 1 {
				t.Errorf("/roles ops = %+v", r)
			}
		}
	}
	if !found {
		t.Errorf("/roles lacks ops: %+v", doc)
	}
}
