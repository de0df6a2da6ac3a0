package master_test

import (
	"bytes"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/internal/testcluster"
	"agora/resources"
	"agora/wire"
)

func acceptOps(o *mesospb.Offer, ops ...*mesospb.Offer_Operation) *schedulerpb.Call {
	refuse := 0.0
	return &schedulerpb.Call{
		Type: schedulerpb.Call_ACCEPT.Enum(),
		Accept: &schedulerpb.Call_Accept{
			OfferIds:   []*mesospb.OfferID{o.GetId()},
			Filters:    &mesospb.Filters{RefuseSeconds: &refuse},
			Operations: ops,
		},
	}
}

func opID(id string) *mesospb.OperationID { return &mesospb.OperationID{Value: proto.String(id)} }

// offersKept holds the offers that arrived while a test waited for an
// operation status, by scheduler, so that none is lost (an offer dropped
// unread stays outstanding and its resources are offered to nobody).
var offersKept = map[*testcluster.Scheduler][]*mesospb.Offer{}

func nextOperationStatus(t *testing.T, s *testcluster.Scheduler) *mesospb.OperationStatus {
	t.Helper()
	for {
		ev, err := s.NextAny(testcluster.EventTimeout)
		if err != nil {
			t.Fatalf("waiting for UPDATE_OPERATION_STATUS: %v", err)
		}
		switch ev.GetType() {
		case schedulerpb.Event_UPDATE_OPERATION_STATUS:
			return ev.GetUpdateOperationStatus().GetStatus()
		case schedulerpb.Event_OFFERS:
			offersKept[s] = append(offersKept[s], ev.GetOffers().GetOffers()...)
		case schedulerpb.Event_UPDATE:
			s.Acknowledge(t, ev.GetUpdate().GetStatus())
		}
	}
}

// keptOrNextOffer returns an offer kept by nextOperationStatus, or the
// next one.
func keptOrNextOffer(t *testing.T, s *testcluster.Scheduler) *mesospb.Offer {
	t.Helper()
	if kept := offersKept[s]; len(kept) > 0 {
		offersKept[s] = kept[1:]
		return kept[0]
	}
	return firstOffer(t, s)
}

func reconcileOperations(t *testing.T, s *testcluster.Scheduler, ops ...*schedulerpb.Call_ReconcileOperations_Operation) {
	t.Helper()
	code, body, err := s.Call(&schedulerpb.Call{
		Type:                schedulerpb.Call_RECONCILE_OPERATIONS.Enum(),
		ReconcileOperations: &schedulerpb.Call_ReconcileOperations{Operations: ops},
	})
	if err != nil || code != 202 {
		t.Fatalf("RECONCILE_OPERATIONS: %d %s %v, want 202", code, body, err)
	}
}

// Operation feedback on the agent's default resources, as Mesos 1.11 gives
// it: an applied operation with an id is answered OPERATION_FINISHED with a
// uuid, sent again on re-subscription until acknowledged; an invalid one
// OPERATION_ERROR without a uuid; LAUNCH cannot have an id; and
// RECONCILE_OPERATIONS answers with the latest state or Mesos's table.
func TestOperationFeedback(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1, AgentResources: "cpus:2;mem:1024;disk:1000"})
	info := multiRoleInfo("ops", "db")
	info.FailoverTimeout = proto.Float64(60)
	s := testcluster.Subscribe(t, c.MasterURL, wire.JSON, info)
	o := firstOffer(t, s)
	agentID := o.GetAgentId().GetValue()

	reserved, err := mustParse(t, "cpus:1;mem:128").PushReservation(resources.DynamicReservation("db", "ops"))
	if err != nil {
		t.Fatal(err)
	}
	reserved = reserved.AllocateTo("db")
	notReserved := mustParse(t, "cpus:0.5").AllocateTo("db")
	task := commandTask("with-id", o, "true")
	s.MustCall(t, acceptOps(o,
		&mesospb.Offer_Operation{Id: opID("reserve-1"), Type: mesospb.Offer_Operation_RESERVE.Enum(),
			Reserve: &mesospb.Offer_Operation_Reserve{Resources: toWire(t, reserved)}},
		&mesospb.Offer_Operation{Id: opID("bad-unreserve"), Type: mesospb.Offer_Operation_UNRESERVE.Enum(),
			Unreserve: &mesospb.Offer_Operation_Unreserve{Resources: toWire(t, notReserved)}},
		&mesospb.Offer_Operation{Id: opID("launch"), Type: mesospb.Offer_Operation_LAUNCH.Enum(),
			Launch: &mesospb.Offer_Operation_Launch{TaskInfos: []*mesospb.TaskInfo{task}}},
	))
	finished := nextOperationStatus(t, s)
	if finished.GetOperationId().GetValue() != "reserve-1" || finished.GetState() != mesospb.OperationState_OPERATION_FINISHED ||
		len(finished.GetUuid().GetValue()) != 16 || finished.GetAgentId().GetValue() != agentID {
		t.Fatalf("status of the RESERVE: %v", finished)
	}
	converted, err := resources.FromProto(finished.GetConvertedResources())
	if err != nil || !converted.Equal(reserved) {
		t.Errorf("converted resources %v (%v), want %v", converted, err, reserved)
	}
	bad := nextOperationStatus(t, s)
	if bad.GetOperationId().GetValue() != "bad-unreserve" || bad.GetState() != mesospb.OperationState_OPERATION_ERROR ||
		bad.Uuid != nil || !strings.Contains(bad.GetMessage(), "not dynamically reserved") {
		t.Errorf("status of the invalid UNRESERVE: %v", bad)
	}
	if st := s.WaitState(t, "with-id", mesospb.TaskState_TASK_ERROR); !strings.Contains(st.GetMessage(), "`id` field cannot be set on LAUNCH") {
		t.Errorf("LAUNCH with an id: %v", st)
	}

	// Not acknowledged: a re-subscribing scheduler gets it again, with
	// the same uuid; explicit reconciliation answers without a uuid.
	s.Close()
	info.Id = s.FrameworkID
	s = testcluster.Subscribe(t, c.MasterURL, wire.JSON, info)
	again := nextOperationStatus(t, s)
	if again.GetOperationId().GetValue() != "reserve-1" || !bytes.Equal(again.GetUuid().GetValue(), finished.GetUuid().GetValue()) {
		t.Fatalf("after re-subscribing: %v, want the unacknowledged RESERVE status again", again)
	}
	reconcileOperations(t, s, &schedulerpb.Call_ReconcileOperations_Operation{OperationId: opID("reserve-1"), AgentId: finished.GetAgentId()})
	if st := nextOperationStatus(t, s); st.GetState() != mesospb.OperationState_OPERATION_FINISHED || st.Uuid != nil {
		t.Errorf("reconciling the unacknowledged operation: %v", st)
	}
	s.MustCall(t, &schedulerpb.Call{
		Type: schedulerpb.Call_ACKNOWLEDGE_OPERATION_STATUS.Enum(),
		AcknowledgeOperationStatus: &schedulerpb.Call_AcknowledgeOperationStatus{
			AgentId: finished.GetAgentId(), Uuid: finished.GetUuid().GetValue(), OperationId: opID("reserve-1"),
		},
	})
	// Acknowledged, so forgotten; the rest of Mesos's table.
	reconcileOperations(t, s,
		&schedulerpb.Call_ReconcileOperations_Operation{OperationId: opID("reserve-1"), AgentId: finished.GetAgentId()},
		&schedulerpb.Call_ReconcileOperations_Operation{OperationId: opID("never")},
		&schedulerpb.Call_ReconcileOperations_Operation{OperationId: opID("nowhere"), AgentId: &mesospb.AgentID{Value: proto.String("no-such-agent")}},
	)
	for _, want := range []struct{ id, message string }{
		{"reserve-1", "Reconciliation: Operation is unknown"},
		{"never", "Reconciliation: Operation is unknown and no 'agent_id' was provided"},
		{"nowhere", "Reconciliation: Both operation and agent are unknown"},
	} {
		st := nextOperationStatus(t, s)
		if st.GetOperationId().GetValue() != want.id || st.GetState() != mesospb.OperationState_OPERATION_UNKNOWN || st.GetMessage() != want.message {
			t.Errorf("reconciling %s: %v, want OPERATION_UNKNOWN %q", want.id, st, want.message)
		}
	}
	// Implicit reconciliation: nothing is left to report, so the next
	// operation status is that of a new operation.
	reconcileOperations(t, s)
	o = keptOrNextOffer(t, s)
	s.MustCall(t, acceptOps(o, &mesospb.Offer_Operation{Id: opID("unreserve-1"), Type: mesospb.Offer_Operation_UNRESERVE.Enum(),
		Unreserve: &mesospb.Offer_Operation_Unreserve{Resources: toWire(t, reserved)}}))
	if st := nextOperationStatus(t, s); st.GetOperationId().GetValue() != "unreserve-1" || st.GetState() != mesospb.OperationState_OPERATION_FINISHED {
		t.Errorf("first status after implicit reconciliation: %v", st)
	}

	// Invalid offers: OPERATION_ERROR for operations with an id.
	s.MustCall(t, acceptOps(o, &mesospb.Offer_Operation{Id: opID("late"), Type: mesospb.Offer_Operation_RESERVE.Enum(),
		Reserve: &mesospb.Offer_Operation_Reserve{Resources: toWire(t, reserved)}}))
	if st := nextOperationStatus(t, s); st.GetState() != mesospb.OperationState_OPERATION_ERROR ||
		!strings.HasPrefix(st.GetMessage(), "Operation attempted with invalid offers") {
		t.Errorf("operation on a used offer: %v", st)
	}
}

// GROW_VOLUME and SHRINK_VOLUME resize a persistent volume; the resized
// volume and the freed disk come back in later offers. Invalid sizes are
// refused with Mesos's messages.
func TestGrowAndShrinkVolume(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1, AgentResources: "cpus:2;mem:1024;disk:1000"})
	s := testcluster.Subscribe(t, c.MasterURL, wire.JSON, multiRoleInfo("db", "db"))
	o := firstOffer(t, s)
	disk, err := mustParse(t, "disk:300").PushReservation(resources.DynamicReservation("db", "ops"))
	if err != nil {
		t.Fatal(err)
	}
	disk = disk.AllocateTo("db")
	small, err := mustParse(t, "disk:100").PushReservation(resources.DynamicReservation("db", "ops"))
	if err != nil {
		t.Fatal(err)
	}
	volume := volumeOf(t, small.AllocateTo("db"), "vol")
	s.MustCall(t, acceptOps(o,
		&mesospb.Offer_Operation{Type: mesospb.Offer_Operation_RESERVE.Enum(), Reserve: &mesospb.Offer_Operation_Reserve{Resources: toWire(t, disk)}},
		&mesospb.Offer_Operation{Type: mesospb.Offer_Operation_CREATE.Enum(), Create: &mesospb.Offer_Operation_Create{Volumes: toWire(t, volume)}},
	))

	o = offerWithVolume(t, s, "vol")
	addition := toWire(t, mustReserved(t, "disk:50", "db"))[0]
	zero := toWire(t, mustReserved(t, "disk:1", "db"))[0]
	zero.Scalar.Value = proto.Float64(0)
	wireVolume := toWire(t, volume)[0]
	s.MustCall(t, acceptOps(o,
		&mesospb.Offer_Operation{Id: opID("grow-0"), Type: mesospb.Offer_Operation_GROW_VOLUME.Enum(),
			GrowVolume: &mesospb.Offer_Operation_GrowVolume{Volume: wireVolume, Addition: zero}},
		&mesospb.Offer_Operation{Id: opID("grow"), Type: mesospb.Offer_Operation_GROW_VOLUME.Enum(),
			GrowVolume: &mesospb.Offer_Operation_GrowVolume{Volume: wireVolume, Addition: addition}},
	))
	if st := nextOperationStatus(t, s); st.GetState() != mesospb.OperationState_OPERATION_ERROR ||
		!strings.Contains(st.GetMessage(), "must be greater than zero") {
		t.Errorf("growing by 0: %v", st)
	}
	grown := nextOperationStatus(t, s)
	if grown.GetState() != mesospb.OperationState_OPERATION_FINISHED || len(grown.GetConvertedResources()) != 1 ||
		grown.GetConvertedResources()[0].GetScalar().GetValue() != 150 {
		t.Fatalf("GROW_VOLUME: %v", grown)
	}

	o = offerWithVolume(t, s, "vol")
	var offeredVolume *mesospb.Resource
	for _, r := range o.GetResources() {
		if r.GetDisk().GetPersistence().GetId() == "vol" {
			offeredVolume = r
		}
	}
	if offeredVolume.GetScalar().GetValue() != 150 {
		t.Fatalf("volume offered after growing: %v", offeredVolume)
	}
	s.MustCall(t, acceptOps(o,
		&mesospb.Offer_Operation{Id: opID("shrink-all"), Type: mesospb.Offer_Operation_SHRINK_VOLUME.Enum(),
			ShrinkVolume: &mesospb.Offer_Operation_ShrinkVolume{Volume: offeredVolume, Subtract: &mesospb.Value_Scalar{Value: proto.Float64(150)}}},
		&mesospb.Offer_Operation{Id: opID("shrink"), Type: mesospb.Offer_Operation_SHRINK_VOLUME.Enum(),
			ShrinkVolume: &mesospb.Offer_Operation_ShrinkVolume{Volume: offeredVolume, Subtract: &mesospb.Value_Scalar{Value: proto.Float64(120)}}},
	))
	if st := nextOperationStatus(t, s); st.GetState() != mesospb.OperationState_OPERATION_ERROR ||
		!strings.Contains(st.GetMessage(), "must be smaller than the size") {
		t.Errorf("shrinking by the whole size: %v", st)
	}
	shrunk := nextOperationStatus(t, s)
	got, err := resources.FromProto(shrunk.GetConvertedResources())
	if err != nil || shrunk.GetState() != mesospb.OperationState_OPERATION_FINISHED {
		t.Fatalf("SHRINK_VOLUME: %v (%v)", shrunk, err)
	}
	if v := got.PersistentVolumes(); v.Len() != 1 || v.Slice()[0].Scalar != resources.ToMilli(30) {
		t.Errorf("shrunk volume %v, want 30", v)
	}
	if freed := got.Filter(func(r resources.Resource) bool { return !r.IsPersistentVolume() }); freed.Len() != 1 || freed.Slice()[0].Scalar != resources.ToMilli(120) {
		t.Errorf("freed disk %v, want 120 reserved to db", freed)
	}
}

func mustReserved(t *testing.T, text, role string) resources.Resources {
	t.Helper()
	rs, err := mustParse(t, text).PushReservation(resources.DynamicReservation(role, "ops"))
	if err != nil {
		t.Fatal(err)
	}
	return rs.AllocateTo(role)
}
