package master

import (
	"bytes"
	"fmt"

	mesospb "agora/api/mesos/v1"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/resources"
)

// This file is operation feedback: offer operations with an id
// (Offer.Operation.id) on an agent's default resources, as Mesos 1.11 runs
// them for agents with the AGENT_OPERATION_FEEDBACK capability
// (src/master/master.cpp Master::accept, drop, acknowledgeOperationStatus,
// reconcileOperations; the v1 scheduler API's UPDATE_OPERATION_STATUS).
//
//   - An operation with an id that cannot be applied (invalid, or the offers
//     are not valid) is answered with OPERATION_ERROR and no uuid: there is
//     nothing to acknowledge (Master::drop).
//   - LAUNCH and LAUNCH_GROUP cannot have an id: their tasks get TASK_ERROR.
//   - An applied operation is answered with OPERATION_FINISHED, with the
//     agent id, the converted resources and a uuid. The master owns
//     reservations and volumes, so it applies the operation itself and
//     need not wait for the agent. The framework acknowledges the update
//     (ACKNOWLEDGE_OPERATION_STATUS with that uuid); until then the master
//     keeps the operation and sends the update again whenever the
//     framework subscribes, as the agent's operation status update manager
//     retries in Mesos.
//   - RECONCILE_OPERATIONS answers with the latest status of each operation
//     named (all operations the master keeps when none is named), without a
//     uuid, or with Mesos's table for operations it does not know.

// operation is an operation with feedback that the framework has not
// acknowledged yet.
type operation struct {
	agentID string
	status  *mesospb.OperationStatus // latest; carries a uuid
}

// operationError answers an operation with an id that was not applied.
func (m *Master) operationError(fw *framework, op *mesospb.Offer_Operation, message string) {
	m.log.Warn("dropping offer operation", "framework", fw.id, "operation", op.GetType().String(),
		"operation_id", op.GetId().GetValue(), "error", message)
	if op.GetId() == nil {
		return
	}
	m.sendOperationStatus(fw, &mesospb.OperationStatus{
		OperationId: op.GetId(),
		State:       mesospb.OperationState_OPERATION_ERROR.Enum(),
		Message:     ptr(message),
	})
}

// operationFinished answers an applied operation with an id.
func (m *Master) operationFinished(fw *framework, a *agent, op *mesospb.Offer_Operation, converted resources.Resources) {
	if op.GetId() == nil {
		return
	}
	wireRes, err := converted.ToProto(resources.FormatFor(fw.caps.multiRole, fw.caps.reservationRefinement))
	if err != nil {
		m.log.Error("cannot convert an operation's resources", "framework", fw.id, "error", err)
	}
	st := &mesospb.OperationStatus{
		OperationId:        op.GetId(),
		State:              mesospb.OperationState_OPERATION_FINISHED.Enum(),
		ConvertedResources: wireRes,
		Uuid:               &mesospb.UUID{Value: newUUIDBytes()},
		AgentId:            &mesospb.AgentID{Value: ptr(a.id)},
	}
	if fw.operations == nil {
		fw.operations = map[string]*operation{}
	}
	fw.operations[op.GetId().GetValue()] = &operation{agentID: a.id, status: st}
	m.sendOperationStatus(fw, st)
}

func (m *Master) sendOperationStatus(fw *framework, st *mesospb.OperationStatus) {
	m.sendToFramework(fw, &schedulerpb.Event{
		Type:                  schedulerpb.Event_UPDATE_OPERATION_STATUS.Enum(),
		UpdateOperationStatus: &schedulerpb.Event_UpdateOperationStatus{Status: st},
	})
}

// resendOperationStatuses sends every unacknowledged operation status again
// (on subscription).
func (m *Master) resendOperationStatuses(fw *framework) {
	for _, id := range sortedKeys(fw.operations) {
		m.sendOperationStatus(fw, fw.operations[id].status)
	}
}

// acknowledgeOperationStatus is ACKNOWLEDGE_OPERATION_STATUS. An
// acknowledgement that matches nothing is logged and ignored, as Mesos
// ignores it (it counts it as invalid).
func (m *Master) acknowledgeOperationStatus(fw *framework, ack *schedulerpb.Call_AcknowledgeOperationStatus) {
	id := ack.GetOperationId().GetValue()
	op := fw.operations[id]
	switch {
	case op == nil:
		m.count("master/invalid_operation_status_update_acknowledgements")
		m.log.Warn("acknowledgement of an unknown operation", "framework", fw.id, "operation_id", id)
	case op.agentID != ack.GetAgentId().GetValue():
		m.count("master/invalid_operation_status_update_acknowledgements")
		m.log.Warn("acknowledgement of an operation on another agent", "framework", fw.id, "operation_id", id,
			"agent", ack.GetAgentId().GetValue(), "operation_agent", op.agentID)
	case !bytes.Equal(op.status.GetUuid().GetValue(), ack.GetUuid()):
		m.count("master/invalid_operation_status_update_acknowledgements")
		m.log.Warn("acknowledgement of an operation status that is not the latest", "framework", fw.id, "operation_id", id)
	default:
		// Every status the master sends with a uuid is terminal
		// (OPERATION_FINISHED): once acknowledged, the operation is
		// forgotten, as Mesos removes it.
		m.count("master/valid_operation_status_update_acknowledgements")
		delete(fw.operations, id)
	}
}

// reconcileOperations is RECONCILE_OPERATIONS.
func (m *Master) reconcileOperations(fw *framework, rec *schedulerpb.Call_ReconcileOperations) {
	latest := func(op *operation) *mesospb.OperationStatus {
		st := &mesospb.OperationStatus{
			OperationId:        op.status.GetOperationId(),
			State:              op.status.State,
			Message:            op.status.Message,
			ConvertedResources: op.status.GetConvertedResources(),
			AgentId:            op.status.GetAgentId(),
		}
		return st
	}
	if len(rec.GetOperations()) == 0 {
		for _, id := range sortedKeys(fw.operations) {
			m.sendOperationStatus(fw, latest(fw.operations[id]))
		}
		return
	}
	for _, q := range rec.GetOperations() {
		st := &mesospb.OperationStatus{
			OperationId:        q.GetOperationId(),
			AgentId:            q.GetAgentId(),
			ResourceProviderId: q.GetResourceProviderId(),
		}
		agentID := q.GetAgentId().GetValue()
		a := m.agents[agentID]
		state, message := mesospb.OperationState_OPERATION_UNKNOWN, ""
		switch op := fw.operations[q.GetOperationId().GetValue()]; {
		case op != nil:
			st = latest(op)
		case q.GetAgentId() == nil:
			message = "Reconciliation: Operation is unknown and no 'agent_id' was provided"
		case a != nil && a.reachable():
			message = "Reconciliation: Operation is unknown"
		case a != nil:
			state, message = mesospb.OperationState_OPERATION_UNREACHABLE, "Reconciliation: Agent is unreachable"
		case m.goneAgents[agentID]:
			state, message = mesospb.OperationState_OPERATION_GONE_BY_OPERATOR, "Reconciliation: Agent marked gone by operator"
		default:
			message = "Reconciliation: Both operation and agent are unknown"
		}
		if st.State == nil {
			st.State, st.Message = state.Enum(), ptr(message)
		}
		m.sendOperationStatus(fw, st)
	}
}

// resizeOp validates GROW_VOLUME or SHRINK_VOLUME (Mesos's
// validation::operation::validate for them, agora's agents all having the
// RESIZE_VOLUME capability) and returns the conversion and its role.
//
// GROW_VOLUME consumes the volume and the addition and makes the bigger
// volume; SHRINK_VOLUME consumes the volume and makes the smaller one plus
// the freed disk (Mesos's getResourceConversions). No framework capability
// is needed. The agent has nothing to do for a volume on its root disk:
// the directory stays where it is and its size is not enforced.
func (m *Master) resizeOp(fw *framework, op *mesospb.Offer_Operation) (resourceOp, string, error) {
	switch op.GetType() {
	case mesospb.Offer_Operation_GROW_VOLUME:
		g := op.GetGrowVolume()
		if g == nil || g.Volume == nil || g.Addition == nil {
			return resourceOp{}, "", fmt.Errorf("Expecting 'grow_volume' with 'volume' and 'addition' to be present")
		}
		volume, role, err := withRole(fw, []*mesospb.Resource{g.GetVolume()})
		if err != nil {
			return resourceOp{}, "", fmt.Errorf("Invalid resource in the 'GrowVolume.volume' field: %v", err)
		}
		// Checked on the wire value: an empty scalar converts to nothing.
		if g.GetAddition().GetType() == mesospb.Value_SCALAR && resources.ToMilli(g.GetAddition().GetScalar().GetValue()) <= 0 {
			return resourceOp{}, "", fmt.Errorf("The size of 'GrowVolume.addition' field must be greater than zero")
		}
		addition, addRole, err := withRole(fw, []*mesospb.Resource{g.GetAddition()})
		if err != nil {
			return resourceOp{}, "", fmt.Errorf("Invalid resource in the 'GrowVolume.addition' field: %v", err)
		}
		add := addition.Slice()[0]
		if add.Kind != resources.KindScalar || add.Scalar <= 0 {
			return resourceOp{}, "", fmt.Errorf("The size of 'GrowVolume.addition' field must be greater than zero")
		}
		v := volume.Slice()[0]
		if err := validateVolumeToResize(v); err != nil {
			return resourceOp{}, "", fmt.Errorf("Invalid persistent volume in the 'GrowVolume.volume' field: %v", err)
		}
		stripped, err := stripPersistence(volume)
		if err != nil || addRole != role || stripped.Add(addition).Len() != 1 {
			return resourceOp{}, "", fmt.Errorf("Incompatible resources in the 'GrowVolume.volume' and 'GrowVolume.addition' fields")
		}
		grown := v
		grown.Scalar += add.Scalar
		to, err := resources.New(grown)
		if err != nil {
			return resourceOp{}, "", err
		}
		return resourceOp{from: volume.Add(addition), to: to}, role, nil
	case mesospb.Offer_Operation_SHRINK_VOLUME:
		s := op.GetShrinkVolume()
		if s == nil || s.Volume == nil || s.Subtract == nil {
			return resourceOp{}, "", fmt.Errorf("Expecting 'shrink_volume' with 'volume' and 'subtract' to be present")
		}
		volume, role, err := withRole(fw, []*mesospb.Resource{s.GetVolume()})
		if err != nil {
			return resourceOp{}, "", fmt.Errorf("Invalid resource in the 'ShrinkVolume.volume' field: %v", err)
		}
		sub := resources.ToMilli(s.GetSubtract().GetValue())
		if sub <= 0 {
			return resourceOp{}, "", fmt.Errorf("Value of 'ShrinkVolume.subtract' must be greater than zero")
		}
		v := volume.Slice()[0]
		if v.Kind != resources.KindScalar || v.Scalar <= sub {
			return resourceOp{}, "", fmt.Errorf("Value of 'ShrinkVolume.subtract' must be smaller than the size of 'ShrinkVolume.volume'")
		}
		if v.Disk != nil && v.Disk.Source != nil && v.Disk.Source.Type == resources.SourceMount {
			return resourceOp{}, "", fmt.Errorf("Shrinking a volume on a MOUNT disk is not supported")
		}
		if err := validateVolumeToResize(v); err != nil {
			return resourceOp{}, "", fmt.Errorf("Invalid persistent volume in the 'ShrinkVolume.volume' field: %v", err)
		}
		shrunk := v
		shrunk.Scalar -= sub
		freedPart := v
		freedPart.Scalar = sub
		freed, err := stripPersistence(resources.Must(freedPart))
		if err != nil {
			return resourceOp{}, "", err
		}
		to, err := resources.New(shrunk)
		if err != nil {
			return resourceOp{}, "", err
		}
		return resourceOp{from: volume, to: to.Add(freed)}, role, nil
	}
	return resourceOp{}, "", fmt.Errorf("unsupported operation %s", op.GetType())
}

// validateVolumeToResize is Mesos's validatePersistentVolume.
func validateVolumeToResize(r resources.Resource) error {
	switch {
	case r.Name != "disk" || r.Disk == nil:
		return fmt.Errorf("Resource %s does not have DiskInfo", r)
	case r.Disk.Persistence == nil:
		return fmt.Errorf("'persistence' is not set in DiskInfo")
	case r.Disk.Volume == nil:
		return fmt.Errorf("Expecting 'volume' to be set for persistent volume")
	case r.Disk.Volume.Mode == resources.ReadOnly:
		return fmt.Errorf("Read-only persistent volume not supported")
	}
	return nil
}
