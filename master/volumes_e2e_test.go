package master_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

	// The writer's sandbox holds a link to the volume; collecting the
	// sandbox (the agent's GC removes it with os.RemoveAll) leaves the
	// volume alone.
	runs, err := filepath.Glob(filepath.Join(c.Agents[0].Config.WorkDir, "slaves", "*", "frameworks", "*", "executors", "writer", "runs", "*-*"))
	if err != nil || len(runs) != 1 {
		t.Fatalf("writer's sandbox: %v %v", runs, err)
	}
	if target, err := os.Readlink(filepath.Join(runs[0], "data")); err != nil || target != dir {
		t.Errorf("sandbox link data -> %q (%v), want %q", target, err, dir)
	}
	if err := os.RemoveAll(runs[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "file")); err != nil {
		t.Fatalf("volume content after the sandbox was collected: %v", err)
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

// A master that keeps its registry in memory forgets volumes when it
// restarts; it then tells the re-registering agent nothing, so the agent
// keeps the volume's data instead of taking the silence for a DESTROY.
func TestAForgetfulMasterDeletesNoVolume(t *testing.T) {
	workDir := t.TempDir()
	opts := testcluster.Options{Agents: 1, AgentResources: "cpus:1;mem:256;disk:100"}
	c1, err := testcluster.New(opts, workDir)
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Stop()
	if err := c1.WaitAgents(1, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	state, err := c1.State()
	if err != nil {
		t.Fatal(err)
	}
	agentID := state["slaves"].([]any)[0].(map[string]any)["id"].(string)
	disk := mustReserved(t, "disk:10", "db").Unallocate()
	vol := volumeOf(t, disk, "kept")
	for _, body := range []string{
		`{"type":"RESERVE_RESOURCES","reserve_resources":{"agent_id":{"value":"` + agentID + `"},"resources":` + jsonList(t, disk) + `}}`,
		`{"type":"CREATE_VOLUMES","create_volumes":{"agent_id":{"value":"` + agentID + `"},"volumes":` + jsonList(t, vol) + `}}`,
	} {
		if code, msg := operator(t, c1.MasterURL, body); code != http.StatusAccepted {
			t.Fatalf("%s: %d %s", body, code, msg)
		}
	}
	dir := filepath.Join(c1.Agents[0].Config.WorkDir, "volumes", "roles", "db", "kept")
	waitFor(t, "the volume's directory", func() bool { _, err := os.Stat(dir); return err == nil })
	c1.Stop()

	c2, err := testcluster.New(opts, workDir)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Stop()
	if err := c2.WaitAgents(1, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	// Give a wrong CHECKPOINT_RESOURCES time to arrive and act.
	time.Sleep(300 * time.Millisecond)
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("volume after a restart of a master without --work_dir: %v", err)
	}
}
