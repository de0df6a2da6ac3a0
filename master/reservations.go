package master

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	clusterpb "agora/api/agora/cluster/v1"
	mesospb "agora/api/mesos/v1"
	masterpb "agora/api/mesos/v1/master"
	"agora/master/registry"
	"agora/resources"
	"agora/wire"
)

// This file is dynamic reservations and persistent volumes: the RESERVE,
// UNRESERVE, CREATE and DESTROY offer operations, the operator's
// RESERVE_RESOURCES, UNRESERVE_RESOURCES, CREATE_VOLUMES and
// DESTROY_VOLUMES, and keeping them across restarts (Mesos's
// docs/reservation.md and docs/persistent-volume.md; validation as in
// src/master/validation.cpp).
//
// The master owns them. Agents report only what their --resources say;
// the master keeps each agent's dynamic reservations and volumes (its
// checkpointed resources, in Mesos's words) in the registry and lays them
// over what the agent reports whenever it registers. Mesos has the agent
// checkpoint them instead (CheckpointResourcesMessage); agora's agents do
// not need to know: tasks receive their resources, volumes included, with
// the launch.

// resourceOp is one conversion of resources: from becomes to.
type resourceOp struct {
	from, to resources.Resources
}

// stripPersistence turns persistent volumes back into the disk they were
// created from (DESTROY): the persistence and volume go, the disk source
// stays.
func stripPersistence(rs resources.Resources) (resources.Resources, error) {
	var out []resources.Resource
	for r := range rs.All() {
		if r.Disk != nil {
			d := *r.Disk
			d.Persistence, d.Volume = nil, nil
			if d.Source == nil {
				r.Disk = nil
			} else {
				r.Disk = &d
			}
		}
		out = append(out, r)
	}
	return resources.New(out...)
}

// withRole converts wire resources and gives those without allocation info
// the framework's role, as Mesos does for frameworks without MULTI_ROLE.
func withRole(fw *framework, wireRes []*mesospb.Resource) (resources.Resources, string, error) {
	rs, err := resources.FromProto(wireRes)
	if err != nil {
		return resources.Resources{}, "", err
	}
	unallocated := rs.Filter(func(r resources.Resource) bool { return r.AllocationRole == "" })
	if !unallocated.IsEmpty() {
		if fw.caps.multiRole && len(fw.roles) != 1 {
			return resources.Resources{}, "", fmt.Errorf("resources lack 'allocation_info' (required for MULTI_ROLE frameworks with several roles)")
		}
		rs = rs.Filter(func(r resources.Resource) bool { return r.AllocationRole != "" }).Add(unallocated.AllocateTo(fw.roles[0]))
	}
	roles := rs.Allocations()
	if len(roles) != 1 {
		return resources.Resources{}, "", fmt.Errorf("resources must be allocated to exactly one role")
	}
	for role := range roles {
		return rs, role, nil
	}
	return rs, "", nil
}

// frameworkResourceOp validates a RESERVE, UNRESERVE, CREATE or DESTROY
// of an ACCEPT and returns the conversion and the role it applies in.
func (m *Master) frameworkResourceOp(fw *framework, a *agent, op *mesospb.Offer_Operation) (resourceOp, string, error) {
	switch op.GetType() {
	case mesospb.Offer_Operation_RESERVE:
		to, role, err := withRole(fw, op.GetReserve().GetResources())
		if err != nil {
			return resourceOp{}, "", fmt.Errorf("Invalid resources: %v", err)
		}
		for r := range to.All() {
			if !r.IsDynamicallyReserved() {
				return resourceOp{}, "", fmt.Errorf("Resource %s is not dynamically reserved", r)
			}
			if r.ReservationRole() != role {
				return resourceOp{}, "", fmt.Errorf("A reserve operation was attempted for a resource with role '%s', but the resource was allocated to role '%s'", r.ReservationRole(), role)
			}
		}
		var from resources.Resources
		if len(op.GetReserve().GetSource()) > 0 {
			if from, _, err = withRole(fw, op.GetReserve().GetSource()); err != nil {
				return resourceOp{}, "", fmt.Errorf("Invalid source: %v", err)
			}
		} else if from, err = to.PopReservation(); err != nil {
			return resourceOp{}, "", err
		}
		if !sameQuantities(from, to) {
			return resourceOp{}, "", fmt.Errorf("Source and target resources should refer to identical resource quantities: %s vs. %s", from, to)
		}
		return resourceOp{from, to}, role, nil
	case mesospb.Offer_Operation_UNRESERVE:
		from, role, err := withRole(fw, op.GetUnreserve().GetResources())
		if err != nil {
			return resourceOp{}, "", fmt.Errorf("Invalid resources: %v", err)
		}
		if err := checkUnreservable(from); err != nil {
			return resourceOp{}, "", err
		}
		to, err := from.PopReservation()
		return resourceOp{from, to}, role, err
	case mesospb.Offer_Operation_CREATE:
		to, role, err := withRole(fw, op.GetCreate().GetVolumes())
		if err != nil {
			return resourceOp{}, "", fmt.Errorf("Invalid resources: %v", err)
		}
		if err := m.checkNewVolumes(a, to); err != nil {
			return resourceOp{}, "", err
		}
		from, err := stripPersistence(to)
		return resourceOp{from, to}, role, err
	case mesospb.Offer_Operation_DESTROY:
		from, role, err := withRole(fw, op.GetDestroy().GetVolumes())
		if err != nil {
			return resourceOp{}, "", fmt.Errorf("Invalid resources: %v", err)
		}
		for r := range from.All() {
			if !r.IsPersistentVolume() {
				return resourceOp{}, "", fmt.Errorf("Resource %s is not a persistent volume", r)
			}
		}
		to, err := stripPersistence(from)
		return resourceOp{from, to}, role, err
	}
	return resourceOp{}, "", fmt.Errorf("unsupported operation %s", op.GetType())
}

func sameQuantities(a, b resources.Resources) bool {
	ua, err1 := unreservedAll(a.Unallocate())
	ub, err2 := unreservedAll(b.Unallocate())
	return err1 == nil && err2 == nil && ua.Equal(ub)
}

// unreservedAll pops every reservation.
func unreservedAll(rs resources.Resources) (resources.Resources, error) {
	var out []resources.Resource
	for r := range rs.All() {
		r.Reservations = nil
		out = append(out, r)
	}
	return resources.New(out...)
}

func checkUnreservable(rs resources.Resources) error {
	if rs.IsEmpty() {
		return fmt.Errorf("no resources to unreserve")
	}
	for r := range rs.All() {
		if !r.IsDynamicallyReserved() {
			return fmt.Errorf("Resource %s is not dynamically reserved", r)
		}
		if r.IsPersistentVolume() {
			return fmt.Errorf("A dynamically reserved persistent volume %s cannot be unreserved directly. Please destroy the persistent volume first then unreserve the resource", r)
		}
	}
	return nil
}

// checkNewVolumes validates volumes to create on an agent: disk with a
// persistence id, not revocable, ids unique per role on the agent.
func (m *Master) checkNewVolumes(a *agent, volumes resources.Resources) error {
	if volumes.IsEmpty() {
		return fmt.Errorf("Not a persistent volume: no volumes given")
	}
	ids := map[[2]string]bool{}
	for r := range a.total.PersistentVolumes().All() {
		ids[[2]string{r.ReservationRole(), r.Disk.Persistence.ID}] = true
	}
	for r := range volumes.All() {
		switch {
		case r.Name != "disk":
			return fmt.Errorf("Not a persistent volume: Resource %s is not a disk", r)
		case !r.IsPersistentVolume() || r.Disk.Persistence.ID == "":
			return fmt.Errorf("Not a persistent volume: Resource %s has no 'disk.persistence.id'", r)
		case r.Revocable:
			return fmt.Errorf("Not a persistent volume: Resource %s is revocable", r)
		case r.Disk.Volume == nil:
			return fmt.Errorf("Not a persistent volume: Expecting 'volume' to be set for persistent volume")
		case r.Disk.Volume.Mode == resources.ReadOnly:
			return fmt.Errorf("Not a persistent volume: Read-only persistent volume not supported")
		}
		// The id names a directory on the agent (Mesos's
		// Resources::validate checks it with validateID).
		if err := validateID(r.Disk.Persistence.ID); err != nil {
			return fmt.Errorf("Invalid resources: Invalid persistence ID for persistent volume: %v", err)
		}
		key := [2]string{r.ReservationRole(), r.Disk.Persistence.ID}
		if ids[key] {
			return fmt.Errorf("Persistence ID '%s' is not unique for role '%s'", key[1], key[0])
		}
		ids[key] = true
	}
	return nil
}

// applyFrameworkResourceOp runs one resource operation of an ACCEPT on the
// offers' resources: the allocator converts what the framework holds and
// the agent's total, and the registry keeps the result.
func (l *launch) applyResourceOp(op *mesospb.Offer_Operation) {
	m := l.m
	resize := op.GetType() == mesospb.Offer_Operation_GROW_VOLUME || op.GetType() == mesospb.Offer_Operation_SHRINK_VOLUME
	var conv resourceOp
	var role string
	var err error
	if resize {
		conv, role, err = m.resizeOp(l.fw, op)
	} else {
		conv, role, err = m.frameworkResourceOp(l.fw, l.agent, op)
	}
	if err == nil && !l.available[role].Contains(conv.from) {
		err = fmt.Errorf("Invalid %s operation: %s does not contain %s", op.GetType(), l.available[role], conv.from)
	}
	if err == nil {
		err = m.alloc.UpdateAllocation(l.fw.id, l.agent.id, conv.from, conv.to)
	}
	if err != nil {
		// Mesos drops an invalid operation and goes on with the
		// others, answering OPERATION_ERROR if it has an id.
		m.operationError(l.fw, op, err.Error())
		return
	}
	l.available[role] = l.available[role].Subtract(conv.from)
	if resize {
		if l.resized == nil {
			l.resized = map[string]resources.Resources{}
		}
		l.resized[role] = l.resized[role].Add(conv.to)
	} else {
		l.available[role] = l.available[role].Add(conv.to)
	}
	m.resourcesChanged(l.agent)
	m.operationFinished(l.fw, l.agent, op, conv.to)
	m.log.Info("applied offer operation", "framework", l.fw.id, "agent", l.agent.id,
		"operation", op.GetType().String(), "from", conv.from.String(), "to", conv.to.String())
}

// resourcesChanged takes the agent's new total from the allocator and
// stores its checkpointed resources in the registry.
func (m *Master) resourcesChanged(a *agent) {
	if total, ok := m.alloc.Total(a.id); ok {
		a.total = total
	}
	next := m.state.Clone()
	if next.Agents == nil {
		next.Agents = map[string]registry.AgentResources{}
	}
	saved, err := checkpointRecord(a.total)
	if err != nil {
		m.log.Error("cannot record checkpointed resources", "agent", a.id, "error", err)
		return
	}
	if len(saved.Resources) == 0 {
		delete(next.Agents, a.id)
	} else {
		next.Agents[a.id] = saved
	}
	if err := m.saveRegistry(next); err != nil {
		m.log.Error("checkpointed resources not saved", "agent", a.id, "error", err)
	}
	m.sendCheckpointedResources(a)
}

// sendCheckpointedResources tells the agent every reservation and volume
// the master keeps for it (CHECKPOINT_RESOURCES, docs/agent-protocol.md).
func (m *Master) sendCheckpointedResources(a *agent) {
	list, err := checkpointed(a.total).ToProto(resources.Format{})
	if err != nil {
		m.log.Error("cannot send checkpointed resources", "agent", a.id, "error", err)
		return
	}
	m.sendToAgent(a, &clusterpb.Event{
		Type:                clusterpb.Event_CHECKPOINT_RESOURCES.Enum(),
		CheckpointResources: &clusterpb.Event_CheckpointResources{Resources: list},
	})
}

// checkpointed are the resources of a total the master keeps for an agent:
// dynamic reservations and persistent volumes.
func checkpointed(total resources.Resources) resources.Resources {
	return total.Filter(func(r resources.Resource) bool { return r.IsDynamicallyReserved() || r.IsPersistentVolume() })
}

func checkpointRecord(total resources.Resources) (registry.AgentResources, error) {
	list, err := checkpointed(total).ToProto(resources.Format{})
	if err != nil {
		return registry.AgentResources{}, err
	}
	var out registry.AgentResources
	for _, r := range list {
		b, err := wire.MarshalJSON(r)
		if err != nil {
			return registry.AgentResources{}, err
		}
		out.Resources = append(out.Resources, json.RawMessage(b))
	}
	return out, nil
}

// withCheckpointed lays an agent's stored reservations and volumes over
// the total it reports: each replaces the plain resources it was made
// from. One that no longer fits (the agent shrank) is dropped, loudly.
func (m *Master) withCheckpointed(agentID string, reported resources.Resources) resources.Resources {
	rec, ok := m.state.Agents[agentID]
	if !ok {
		return reported
	}
	total := reported
	for _, raw := range rec.Resources {
		pb := &mesospb.Resource{}
		if err := wire.UnmarshalJSON(raw, pb); err != nil {
			m.log.Error("registry holds an unreadable resource", "agent", agentID, "error", err)
			continue
		}
		r, err := resources.FromProto([]*mesospb.Resource{pb})
		if err != nil {
			m.log.Error("registry holds an invalid resource", "agent", agentID, "error", err)
			continue
		}
		base, err := baseOf(r)
		if err != nil || !total.Contains(base) {
			m.log.Warn("agent no longer has the resources of a reservation or volume; dropping it",
				"agent", agentID, "resource", r.String(), "agent_resources", total.String())
			continue
		}
		total = total.Subtract(base).Add(r)
	}
	return total
}

// baseOf is what a checkpointed resource was made from: no persistence and
// no dynamic reservations (static ones stay: the agent reports those).
func baseOf(rs resources.Resources) (resources.Resources, error) {
	plain, err := stripPersistence(rs)
	if err != nil {
		return plain, err
	}
	var out []resources.Resource
	for r := range plain.All() {
		for len(r.Reservations) > 0 && r.Reservations[len(r.Reservations)-1].Type == resources.Dynamic {
			r.Reservations = r.Reservations[:len(r.Reservations)-1]
		}
		if len(r.Reservations) == 0 {
			r.Reservations = nil
		}
		out = append(out, r)
	}
	return resources.New(out...)
}

// operatorResourceOp runs RESERVE_RESOURCES, UNRESERVE_RESOURCES,
// CREATE_VOLUMES or DESTROY_VOLUMES on an agent's unallocated resources.
// Offers on the agent are rescinded if they hold what is needed. Success
// is 202; invalid input 400; resources not available 409 (Mesos).
func (m *Master) operatorResourceOp(call *masterpb.Call) (int, error) {
	var agentID *mesospb.AgentID
	var conv resourceOp
	var err error
	switch call.GetType() {
	case masterpb.Call_RESERVE_RESOURCES:
		c := call.GetReserveResources()
		agentID = c.GetAgentId()
		conv, err = operatorReserve(c.GetResources(), c.GetSource())
	case masterpb.Call_UNRESERVE_RESOURCES:
		c := call.GetUnreserveResources()
		agentID = c.GetAgentId()
		conv.from, err = operatorResources(c.GetResources())
		if err == nil {
			err = checkUnreservable(conv.from)
		}
		if err == nil {
			conv.to, err = conv.from.PopReservation()
		}
	case masterpb.Call_CREATE_VOLUMES:
		c := call.GetCreateVolumes()
		agentID = c.GetAgentId()
		conv.to, err = operatorResources(c.GetVolumes())
		if err == nil {
			conv.from, err = stripPersistence(conv.to)
		}
	case masterpb.Call_DESTROY_VOLUMES:
		c := call.GetDestroyVolumes()
		agentID = c.GetAgentId()
		conv.from, err = operatorResources(c.GetVolumes())
		if err == nil {
			for r := range conv.from.All() {
				if !r.IsPersistentVolume() {
					err = fmt.Errorf("Resource %s is not a persistent volume", r)
				}
			}
		}
		if err == nil {
			conv.to, err = stripPersistence(conv.from)
		}
	}
	if err != nil {
		return 0, httpErrorf(http.StatusBadRequest, "Invalid %s call: %v", call.GetType(), err)
	}
	a := m.agents[agentID.GetValue()]
	if a == nil || !a.reachable() {
		return 0, httpErrorf(http.StatusBadRequest, "No agent found with specified ID")
	}
	if call.GetType() == masterpb.Call_CREATE_VOLUMES {
		if err := m.checkNewVolumes(a, conv.to); err != nil {
			return 0, httpErrorf(http.StatusBadRequest, "Invalid %s call: %v", call.GetType(), err)
		}
	}
	if free, _ := m.alloc.Free(a.id); !free.Contains(conv.from) {
		// Offers may hold what is needed: take them back, as Mesos
		// rescinds offers to make room for an operator's operation.
		m.rescindOffersOn(a, time.Now())
	}
	if err := m.alloc.UpdateAvailable(a.id, conv.from, conv.to); err != nil {
		return 0, httpErrorf(http.StatusConflict, "Unable to apply %s: %v", call.GetType(), err)
	}
	m.resourcesChanged(a)
	m.allocPending = true
	m.log.Info("applied operator operation", "agent", a.id, "call", call.GetType().String(), "from", conv.from.String(), "to", conv.to.String())
	return http.StatusAccepted, nil
}

// operatorResources converts resources of an operator call, which must not
// be allocated (the operator API works on unallocated resources).
func operatorResources(list []*mesospb.Resource) (resources.Resources, error) {
	if len(list) == 0 {
		return resources.Resources{}, fmt.Errorf("no resources given")
	}
	rs, err := resources.FromProto(list)
	if err != nil {
		return rs, fmt.Errorf("Invalid resources: %v", err)
	}
	if len(rs.Allocations()) > 0 {
		return rs, fmt.Errorf("the operator API only works on unallocated resources; remove 'allocation_info'")
	}
	return rs, nil
}

func operatorReserve(target, source []*mesospb.Resource) (resourceOp, error) {
	to, err := operatorResources(target)
	if err != nil {
		return resourceOp{}, err
	}
	for r := range to.All() {
		if !r.IsDynamicallyReserved() {
			return resourceOp{}, fmt.Errorf("Resource %s is not dynamically reserved", r)
		}
	}
	var from resources.Resources
	if len(source) > 0 {
		if from, err = operatorResources(source); err != nil {
			return resourceOp{}, fmt.Errorf("Invalid source: %v", err)
		}
	} else if from, err = to.PopReservation(); err != nil {
		return resourceOp{}, err
	}
	if !sameQuantities(from, to) {
		return resourceOp{}, fmt.Errorf("Source and target resources should refer to identical resource quantities: %s vs. %s", from, to)
	}
	return resourceOp{from, to}, nil
}
