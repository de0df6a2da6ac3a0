package scheduler_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	"agora/internal/testcluster"
	"agora/resources"
	"agora/sdk/internal/leakcheck"
	"agora/sdk/offer"
	"agora/sdk/scheduler"
	"agora/sdk/task"
)

// reserver walks one agent through RESERVE + CREATE + LAUNCH in one
// ACCEPT, then DESTROY + UNRESERVE once the task is done, using the
// operation builders of sdk/offer; it reports each phase's offer.
type reserver struct {
	scheduler.Base
	phase   int // 0 reserve, 1 wait for the task, 2 destroy, 3 check, 4 done
	agent   string
	phases  chan string              // failures
	offered chan resources.Resources // the offers of phases 2 and 3
}

var zeroRefuse = &mesospb.Filters{RefuseSeconds: proto.Float64(0)}

func (r *reserver) ResourceOffers(ctx context.Context, d *scheduler.Driver, offers []*mesospb.Offer) {
	for _, mo := range offers {
		o, err := offer.New(mo)
		if err != nil {
			panic(err)
		}
		if r.agent != "" && mo.GetAgentId().GetValue() != r.agent {
			_ = d.Decline(ctx, time.Minute, mo.GetId())
			continue
		}
		var ops []*mesospb.Offer_Operation
		switch r.phase {
		case 0:
			reserve, err := o.Reserve("web", "", resources.Must(resources.NewScalar("cpus", 0.5), resources.NewScalar("mem", 64), resources.NewScalar("disk", 64)))
			if err != nil {
				r.phases <- "reserve: " + err.Error()
				continue
			}
			create, err := o.CreateVolumes(offer.Volume{ID: "data", ContainerPath: "data", MB: 32, Role: "web"})
			if err != nil {
				r.phases <- "create: " + err.Error()
				continue
			}
			reserved := resources.Must(resources.NewScalar("cpus", 0.5), resources.NewScalar("mem", 64))
			reserved, _ = reserved.PushReservation(resources.StaticReservation("web"))
			t, ok := task.Command("on-reserved", "true").Need(reserved.Add(o.Remaining().PersistentVolumes()).Slice()...).Build(o)
			if !ok {
				r.phases <- "task does not fit the reserved resources: " + o.Remaining().String()
				continue
			}
			if t.GetResources()[0].GetAllocationInfo().GetRole() != "web" {
				r.phases <- "task resources lack allocation_info"
			}
			ops = []*mesospb.Offer_Operation{reserve, create, scheduler.LaunchOperation(t)}
			r.agent, r.phase = mo.GetAgentId().GetValue(), 1
		case 2:
			volumes := o.Remaining().PersistentVolumes()
			if volumes.IsEmpty() { // an offer from before the task ended
				_ = d.Decline(ctx, 0, mo.GetId())
				continue
			}
			r.offered <- o.Remaining()
			destroy, err := o.DestroyVolumes(volumes)
			if err != nil {
				r.phases <- "destroy: " + err.Error()
				continue
			}
			unreserve, err := o.Unreserve(o.Remaining().ReservedTo("web"))
			if err != nil {
				r.phases <- "unreserve: " + err.Error()
				continue
			}
			ops = []*mesospb.Offer_Operation{destroy, unreserve}
			r.phase = 3
		case 3:
			if !o.Remaining().Reserved().IsEmpty() {
				_ = d.Decline(ctx, 0, mo.GetId())
				continue
			}
			r.offered <- o.Remaining()
			r.phase = 4
			_ = d.Decline(ctx, time.Minute, mo.GetId())
			continue
		default:
			_ = d.Decline(ctx, 0, mo.GetId())
			continue
		}
		if err := d.Accept(ctx, []*mesospb.OfferID{mo.GetId()}, ops, zeroRefuse); err != nil {
			r.phases <- "accept: " + err.Error()
		}
	}
}

func (r *reserver) StatusUpdate(ctx context.Context, d *scheduler.Driver, st *mesospb.TaskStatus) {
	switch st.GetState() {
	case mesospb.TaskState_TASK_FINISHED:
		r.phase = 2
		_ = d.Revive(ctx)
	case mesospb.TaskState_TASK_STAGING, mesospb.TaskState_TASK_STARTING, mesospb.TaskState_TASK_RUNNING:
	default:
		r.phases <- "task " + st.GetState().String() + ": " + st.GetMessage()
	}
}

// The offer operation builders work against a real master: resources are
// reserved to the framework's role and a persistent volume created and
// used by a task in one ACCEPT; the reservation and the volume are offered
// again, then destroyed and unreserved, and the agent's resources are
// offered unreserved once more.
func TestReserveAndVolumesOnCluster(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1})
	snap := leakcheck.Take()
	r := &reserver{phases: make(chan string, 10), offered: make(chan resources.Resources, 2)}
	fw := framework("reserver")
	fw.Roles = []string{"web"}
	fw.Capabilities = []*mesospb.FrameworkInfo_Capability{
		{Type: mesospb.FrameworkInfo_Capability_MULTI_ROLE.Enum()},
		{Type: mesospb.FrameworkInfo_Capability_RESERVATION_REFINEMENT.Enum()},
	}
	d, err := scheduler.New(scheduler.Config{Master: c.MasterURL, Framework: fw, Logger: slog.New(slog.DiscardHandler)}, r)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	next := func() resources.Resources {
		t.Helper()
		select {
		case p := <-r.phases:
			t.Fatal(p)
		case o := <-r.offered:
			return o
		case <-time.After(30 * time.Second):
			t.Fatal("no progress")
		}
		return resources.Resources{}
	}
	// The reservation and the volume (what the task left) come back.
	o := next()
	reserved := o.ReservedTo("web")
	if reserved.Cpus() != 500 || reserved.Mem() != 64000 || reserved.Disk() != 64000 {
		t.Fatalf("offered reserved %v, want cpus 0.5, mem 64 and disk 64 (32 of them a volume)", reserved)
	}
	vols := reserved.PersistentVolumes().Slice()
	if len(vols) != 1 || vols[0].Disk.Persistence.ID != "data" || vols[0].Scalar != 32000 {
		t.Fatalf("offered volumes %v, want data of 32 MB", vols)
	}
	// After DESTROY and UNRESERVE nothing is reserved any more.
	if o := next(); !o.Reserved().IsEmpty() || o.Cpus() != 4000 {
		t.Fatalf("offer after DESTROY and UNRESERVE: %v", o)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	snap.Check(t, "agora/sdk/")
}
