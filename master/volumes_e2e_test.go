package master_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	mesospb "agora/api/mesos/v1"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/internal/testcluster"
	"agora/resources"
	"agora/wire"
)

// A persistent volume on a real agent: CREATE makes its directory under
// the agent's work dir, a task writes into it through its sandbox, the
// data is still there for the next task after the first one ended, and
// DESTROY removes the directory.
func TestPersistentVolumeOnTheAgent(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1, AgentResources: "cpus:2;mem:1024;disk:1000"})
	s := testcluster.Subscribe(t, c.MasterURL, wire.JSON, multiRoleInfo("db", "eng/db"))
	o := firstOffer(t, s)

	reserved, err := mustParse(t, "cpus:0.5;mem:64;disk:100").PushReservation(resources.DynamicReservation("eng/db", "ops"))
	if err != nil {
		t.Fatal(err)
	}
	reserved = reserved.AllocateTo("eng/db")
	volume := volumeOf(t, reserved.Named("disk"), "pg-data")
	writer := commandTask("writer", o, "echo kept > data/file && test -d data")
	writer.Resources = toWire(t, reserved.Named("cpus").Add(reserved.Named("mem")).Add(volume))
	refuse := 0.0
	s.MustCall(t, &schedulerpb.Call{
		Type: schedulerpb.Call_ACCEPT.Enum(),
		Accept: &schedulerpb.Call_Accept{
			OfferIds: []*mesospb.OfferID{o.GetId()},
			Filters:  &mesospb.Filters{RefuseSeconds: &refuse},
			Operations: []*mesospb.Offer_Operation{
				{Type: mesospb.Offer_Operation_RESERVE.Enum(), Reserve: &mesospb.Offer_Operation_Reserve{Resources: toWire(t, reserved)}},
				{Type: mesospb.Offer_Operation_CREATE.Enum(), Create: &mesospb.Offer_Operation_Create{Volumes: toWire(t, volume)}},
				{Type: mesospb.Offer_Operation_LAUNCH.Enum(), Launch: &mesospb.Offer_Operation_Launch{TaskInfos: []*mesospb.TaskInfo{writer}}},
			},
		},
	})
	if st := s.WaitState(t, "writer", mesospb.TaskState_TASK_FINISHED); st.GetState() != mesospb.TaskState_TASK_FINISHED {
		t.Fatalf("writer: %v", st)
	}
	// A hierarchical role's '/' is a ' ' in the path, as in Mesos.
	dir := filepath.Join(c.Agents[0].Config.WorkDir, "volumes", "roles", "eng db", "pg-data")
	if b, err := os.ReadFile(filepath.Join(dir, "file")); err != nil || strings.TrimSpace(string(b)) != "kept" {
		t.Fatalf("volume content after the writer ended: %q, %v", b, err)
	}

	// The volume comes back to its role; a second task reads what the
	// first one wrote.
	back := offerWithVolume(t, s, "pg-data")
	reader := commandTask("reader", back, `test "$(cat data/file)" = kept`)
	reader.Resources = toWire(t, reserved.Named("cpus").Add(reserved.Named("mem")).Add(volume))
	s.MustCall(t, launch([]*mesospb.Offer{back}, reader))
	if st := s.WaitState(t, "reader", mesospb.TaskState_TASK_FINISHED); st.GetState() != mesospb.TaskState_TASK_FINISHED {
		t.Fatalf("reader did not find the data: %v", st)
	}

	// DESTROY removes the directory.
	back = offerWithVolume(t, s, "pg-data")
	s.MustCall(t, &schedulerpb.Call{
		Type: schedulerpb.Call_ACCEPT.Enum(),
		Accept: &schedulerpb.Call_Accept{
			OfferIds: []*mesospb.OfferID{back.GetId()},
			Filters:  &mesospb.Filters{RefuseSeconds: &refuse},
			Operations: []*mesospb.Offer_Operation{
				{Type: mesospb.Offer_Operation_DESTROY.Enum(), Destroy: &mesospb.Offer_Operation_Destroy{Volumes: toWire(t, volume)}},
			},
		},
	})
	waitFor(t, "the destroyed volume's directory to go", func() bool {
		_, err := os.Stat(dir)
		return os.IsNotExist(err)
	})
}
