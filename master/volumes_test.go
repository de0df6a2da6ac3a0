package master_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	mesospb "agora/api/mesos/v1"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/internal/testcluster"
	"agora/resources"
)

// offerWithVolume waits for an offer holding the persistent volume id,
// declining (refuse 0) the others.
func offerWithVolume(t *testing.T, s *testcluster.Scheduler, id string) *mesospb.Offer {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		ev, err := s.NextWithin(schedulerpb.Event_OFFERS, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range ev.GetOffers().GetOffers() {
			for _, r := range o.GetResources() {
				if r.GetDisk().GetPersistence().GetId() == id {
					return o
				}
			}
		}
		declineAll(t, s, ev)
	}
	t.Fatalf("volume %s not offered", id)
	return nil
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// A persistence id that would name a path outside the agent's volumes is
// refused by the master, as Mesos's validateID refuses it.
func TestVolumeIDsMustBeDirectoryNames(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1, AgentResources: "cpus:1;mem:256;disk:100"})
	state, err := c.State()
	if err != nil {
		t.Fatal(err)
	}
	agentID := state["slaves"].([]any)[0].(map[string]any)["id"].(string)
	disk, err := mustParse(t, "disk:10").PushReservation(resources.DynamicReservation("db", "ops"))
	if err != nil {
		t.Fatal(err)
	}
	if code, msg := operator(t, c.MasterURL, `{"type":"RESERVE_RESOURCES","reserve_resources":{"agent_id":{"value":"`+agentID+`"},"resources":`+jsonList(t, disk)+`}}`); code != http.StatusAccepted {
		t.Fatalf("RESERVE_RESOURCES: %d %s", code, msg)
	}
	for _, id := range []string{"..", "../../etc", "a/b", "tab\there"} {
		vol := volumeOf(t, disk, id)
		code, msg := operator(t, c.MasterURL, `{"type":"CREATE_VOLUMES","create_volumes":{"agent_id":{"value":"`+agentID+`"},"volumes":`+jsonList(t, vol)+`}}`)
		if code != http.StatusBadRequest || !strings.Contains(msg, "persistence ID") {
			t.Errorf("volume id %q: %d %s, want 400 naming the persistence ID", id, code, msg)
		}
	}
}
