package master

import (
	"testing"

	"agora/master/registry"
	"agora/resources"
)

// After a master restart the registry's reservations and volumes are laid
// over what a re-registering agent reports; one that no longer fits is
// dropped.
func TestCheckpointedResourcesSurviveARestart(t *testing.T) {
	dir := t.TempDir()
	m, err := New(Config{WorkDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	reported, _ := resources.Parse("cpus:4;mem:4096;disk:1000", "")
	reserved, _ := resources.Parse("cpus:1;disk:200", "")
	reserved, err = reserved.PushReservation(resources.DynamicReservation("db", "ops"))
	if err != nil {
		t.Fatal(err)
	}
	var vol []resources.Resource
	for r := range reserved.Named("disk").All() {
		r.Disk = &resources.DiskInfo{Persistence: &resources.Persistence{ID: "data"}}
		vol = append(vol, r)
	}
	volume := resources.Must(vol...)
	total := reported.Subtract(mustBase(t, reserved)).Add(reserved.Named("cpus")).Add(volume)
	rec, err := checkpointRecord(total)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.saveRegistry(registry.State{Agents: map[string]registry.AgentResources{"S1": rec}}); err != nil {
		t.Fatal(err)
	}

	again, err := New(Config{WorkDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if got := again.withCheckpointed("S1", reported); !got.Equal(total) {
		t.Errorf("total after restart = %v, want %v", got, total)
	}
	if got := again.withCheckpointed("S2", reported); !got.Equal(reported) {
		t.Errorf("an agent without checkpointed resources changed: %v", got)
	}
	small, _ := resources.Parse("cpus:4;mem:4096;disk:100", "")
	got := again.withCheckpointed("S1", small)
	if !got.PersistentVolumes().IsEmpty() || !got.Contains(reserved.Named("cpus")) {
		t.Errorf("on a smaller agent: %v, want the reservation of cpus and no volume", got)
	}
}

func mustBase(t *testing.T, rs resources.Resources) resources.Resources {
	t.Helper()
	b, err := baseOf(rs)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
