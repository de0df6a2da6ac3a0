package offer

import (
	"errors"
	"fmt"

	mesospb "agora/api/mesos/v1"
	"agora/resources"
)

// ErrNotInOffer: an operation asked for resources the offer does not hold
// (or no longer holds: an earlier Take or operation used them).
var ErrNotInOffer = errors.New("offer: resources not in the offer")

// This file builds the offer operations that change resources rather than
// use them: RESERVE, UNRESERVE, CREATE and DESTROY (Mesos's
// docs/reservation.md and docs/persistent-volume.md). Each checks the
// resources against what is left of the offer, returns the operation for
// an ACCEPT, and applies it to Remaining the way the master will, so that a
// later Take in the same ACCEPT can use the result: the master applies an
// ACCEPT's operations in order, and a LAUNCH after a RESERVE may use the
// reserved resources.

// Reserve finds wanted (unreserved amounts) among the offer's unreserved
// resources, or among those reserved to an ancestor of role (a reservation
// refinement, for frameworks with RESERVATION_REFINEMENT), and returns a
// RESERVE operation reserving them dynamically to role for principal
// (Mesos requires the framework's own principal, or none if it has none).
// The role must be the one the offer was made to.
func (o *Offer) Reserve(role, principal string, wanted resources.Resources, labels ...resources.Label) (*mesospb.Offer_Operation, error) {
	if !wanted.Reserved().IsEmpty() {
		return nil, fmt.Errorf("%w: Reserve wants unreserved amounts, got %s", resources.ErrInvalidResource, wanted.Reserved())
	}
	if o.role != "" && o.role != role {
		return nil, fmt.Errorf("%w: offer %s was made to role %q, not %q (Mesos reserves only to the role resources are allocated to)",
			ErrNotInOffer, o.GetId().GetValue(), o.role, role)
	}
	pool := o.remaining.AllocatableTo(role).Filter(func(r resources.Resource) bool {
		return r.ReservationRole() != role && !r.IsPersistentVolume()
	})
	found, ok := pool.Find(wanted)
	if !ok {
		return nil, fmt.Errorf("%w: %s unreserved in offer %s", ErrNotInOffer, wanted, o.GetId().GetValue())
	}
	reserved, err := found.PushReservation(resources.DynamicReservation(role, principal, labels...))
	if err != nil {
		return nil, err
	}
	list, err := o.convert(found, reserved, reserved)
	if err != nil {
		return nil, err
	}
	return &mesospb.Offer_Operation{
		Type:    mesospb.Offer_Operation_RESERVE.Enum(),
		Reserve: &mesospb.Offer_Operation_Reserve{Resources: list},
	}, nil
}

// Unreserve returns an UNRESERVE operation for dynamically reserved
// resources of the offer, typically o.Remaining().ReservedTo(role) or a
// part of it (destroy persistent volumes first). Their top reservation is
// removed: they go back to the role below, or become unreserved.
func (o *Offer) Unreserve(reserved resources.Resources) (*mesospb.Offer_Operation, error) {
	reserved, err := o.held(reserved)
	if err != nil {
		return nil, err
	}
	for r := range reserved.All() {
		if !r.IsDynamicallyReserved() {
			return nil, fmt.Errorf("%w: %s is not dynamically reserved", resources.ErrInvalidResource, r)
		}
		if r.IsPersistentVolume() {
			return nil, fmt.Errorf("%w: %s is a persistent volume: destroy it before unreserving", resources.ErrInvalidResource, r)
		}
	}
	unreserved, err := reserved.PopReservation()
	if err != nil {
		return nil, err
	}
	list, err := o.convert(reserved, unreserved, reserved)
	if err != nil {
		return nil, err
	}
	return &mesospb.Offer_Operation{
		Type:      mesospb.Offer_Operation_UNRESERVE.Enum(),
		Unreserve: &mesospb.Offer_Operation_Unreserve{Resources: list},
	}, nil
}

// Volume describes a persistent volume to create.
type Volume struct {
	// ID names the volume; it must be unique for the role on the agent.
	ID string
	// ContainerPath is where tasks see it, relative to their sandbox.
	ContainerPath string
	// MB is its size, taken from the agent's disk.
	MB float64
	// Role is the role whose reserved disk the volume is made of.
	Role string
	// Principal is recorded as the volume's creator (Mesos requires the
	// framework's principal when it has one).
	Principal string
}

// CreateVolumes returns a CREATE operation making persistent volumes out
// of disk space reserved to each volume's role. Remaining then holds the
// volumes (o.Remaining().PersistentVolumes()), ready for Take in a later
// LAUNCH of the same ACCEPT.
func (o *Offer) CreateVolumes(volumes ...Volume) (*mesospb.Offer_Operation, error) {
	var from, to []resources.Resource
	pool := o.remaining
	for _, v := range volumes {
		if v.ID == "" || v.ContainerPath == "" || v.MB <= 0 {
			return nil, fmt.Errorf("%w: volume %q needs an ID, a ContainerPath and a size", resources.ErrInvalidResource, v.ID)
		}
		size := resources.NewScalar("disk", v.MB)
		var disk *resources.Resource
		for r := range pool.ReservedTo(v.Role).Named("disk").All() {
			if r.Disk == nil && r.Kind == resources.KindScalar && r.Scalar >= size.Scalar { // plain root disk
				disk = &r
				break
			}
		}
		if disk == nil {
			return nil, fmt.Errorf("%w: %v MB of disk reserved to %q in offer %s", ErrNotInOffer, v.MB, v.Role, o.GetId().GetValue())
		}
		plain := *disk
		plain.Value = size.Value
		volume := plain
		volume.Disk = &resources.DiskInfo{
			Persistence: &resources.Persistence{ID: v.ID, Principal: v.Principal},
			Volume:      &resources.Volume{ContainerPath: v.ContainerPath, Mode: resources.ReadWrite},
		}
		from, to = append(from, plain), append(to, volume)
		pool = pool.Subtract(resources.Must(plain))
	}
	fromRs, err := resources.New(from...)
	if err != nil {
		return nil, err
	}
	toRs, err := resources.New(to...)
	if err != nil {
		return nil, err
	}
	list, err := o.convert(fromRs, toRs, toRs)
	if err != nil {
		return nil, err
	}
	return &mesospb.Offer_Operation{
		Type:   mesospb.Offer_Operation_CREATE.Enum(),
		Create: &mesospb.Offer_Operation_Create{Volumes: list},
	}, nil
}

// DestroyVolumes returns a DESTROY operation for persistent volumes of the
// offer (from o.Remaining().PersistentVolumes()); their disk space stays
// reserved. Their data is deleted once no task uses them.
func (o *Offer) DestroyVolumes(volumes resources.Resources) (*mesospb.Offer_Operation, error) {
	volumes, err := o.held(volumes)
	if err != nil {
		return nil, err
	}
	var plain []resources.Resource
	for r := range volumes.All() {
		if !r.IsPersistentVolume() {
			return nil, fmt.Errorf("%w: %s is not a persistent volume", resources.ErrInvalidResource, r)
		}
		if d := *r.Disk; d.Source != nil {
			d.Persistence, d.Volume = nil, nil
			r.Disk = &d
		} else {
			r.Disk = nil
		}
		plain = append(plain, r)
	}
	plainRs, err := resources.New(plain...)
	if err != nil {
		return nil, err
	}
	list, err := o.convert(volumes, plainRs, volumes)
	if err != nil {
		return nil, err
	}
	return &mesospb.Offer_Operation{
		Type:    mesospb.Offer_Operation_DESTROY.Enum(),
		Destroy: &mesospb.Offer_Operation_Destroy{Volumes: list},
	}, nil
}

// held returns rs as the offer holds them: resources written without
// allocation_info get the offer's role, as the master assumes.
func (o *Offer) held(rs resources.Resources) (resources.Resources, error) {
	if rs.IsEmpty() {
		return rs, fmt.Errorf("%w: no resources given", resources.ErrInvalidResource)
	}
	if o.role != "" && rs.Allocations()[o.role].Len() != rs.Len() {
		rs = rs.Unallocate().AllocateTo(o.role)
	}
	if !o.remaining.Contains(rs) {
		return rs, fmt.Errorf("%w: %s not among %s of offer %s", ErrNotInOffer, rs, o.remaining, o.GetId().GetValue())
	}
	return rs, nil
}

// convert turns from into to in Remaining and returns payload (what the
// operation names: the result for RESERVE and CREATE, the resources it
// changes for UNRESERVE and DESTROY) in the offer's wire format.
func (o *Offer) convert(from, to, payload resources.Resources) ([]*mesospb.Resource, error) {
	list, err := payload.ToProto(o.format)
	if err != nil {
		return nil, err
	}
	o.remaining = o.remaining.Subtract(from).Add(to)
	return list, nil
}
