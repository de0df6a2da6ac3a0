package agent_test

import (
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"

	"agora/agent"
	clusterpb "agora/api/agora/cluster/v1"
	mesospb "agora/api/mesos/v1"
)

// persistentVolume is a volume of size MB reserved dynamically to role.
func persistentVolume(role, id string, size float64) *mesospb.Resource {
	return &mesospb.Resource{
		Name:   proto.String("disk"),
		Type:   mesospb.Value_SCALAR.Enum(),
		Scalar: &mesospb.Value_Scalar{Value: proto.Float64(size)},
		Reservations: []*mesospb.Resource_ReservationInfo{{
			Type: mesospb.Resource_ReservationInfo_DYNAMIC.Enum(), Role: proto.String(role),
		}},
		Disk: &mesospb.Resource_DiskInfo{
			Persistence: &mesospb.Resource_DiskInfo_Persistence{Id: proto.String(id)},
			Volume:      &mesospb.Volume{ContainerPath: proto.String("data"), Mode: mesospb.Volume_RW.Enum()},
		},
	}
}

func checkpointResources(rs ...*mesospb.Resource) *clusterpb.Event {
	return &clusterpb.Event{
		Type:                clusterpb.Event_CHECKPOINT_RESOURCES.Enum(),
		CheckpointResources: &clusterpb.Event_CheckpointResources{Resources: rs},
	}
}

// CHECKPOINT_RESOURCES creates the volumes new to the agent and deletes the
// ones it listed before and no longer does, also across an agent restart;
// a volume's data survives until then.
func TestCheckpointResourcesCreatesAndDestroysVolumes(t *testing.T) {
	m := newTestMaster(t)
	workDir := t.TempDir()
	a := startAgent(t, m, agent.Config{WorkDir: workDir})
	m.waitRegister()

	web, _ := agent.VolumePath(workDir, "eng/web", "v1")
	db, _ := agent.VolumePath(workDir, "db", "v2")
	m.send(checkpointResources(persistentVolume("eng/web", "v1", 10), persistentVolume("db", "v2", 20)))
	waitForFile(t, web)
	waitForFile(t, db)
	if err := os.WriteFile(filepath.Join(web, "kept"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}

	// v2 destroyed; a reservation that is not a volume changes nothing.
	reservation := persistentVolume("db", "ignored", 5)
	reservation.Disk = nil
	m.send(checkpointResources(persistentVolume("eng/web", "v1", 10), reservation))
	waitGone(t, db)
	if _, err := os.Stat(filepath.Join(web, "kept")); err != nil {
		t.Fatalf("v1 lost its data: %v", err)
	}

	// The agent remembers what it was told across a restart: a master
	// that no longer lists v1 deletes it.
	a.stop(t)
	startAgent(t, m, agent.Config{WorkDir: workDir})
	m.waitRegister()
	m.send(checkpointResources())
	waitGone(t, web)
	if leftovers, _ := filepath.Glob(filepath.Join(workDir, "volumes", ".deleting-*")); len(leftovers) > 0 {
		waitGone(t, leftovers[0])
	}
}
