package offer

import (
	"errors"
	"fmt"
	"slices"

	mesospb "agora/api/mesos/v1"
	"agora/constraints"
	"agora/resources"
)

// ErrInvalidOffer: an offer's resources or attributes are malformed.
var ErrInvalidOffer = errors.New("offer: invalid offer")

// Offer is one offer with a running account of its resources not yet
// given to a task. It is not safe for concurrent use.
type Offer struct {
	*mesospb.Offer
	remaining resources.Resources
	format    resources.Format
	agent     constraints.Agent
	role      string // the allocation role; "" when the offer has none
}

// New parses an offer's resources and attributes.
func New(o *mesospb.Offer) (*Offer, error) {
	rs, err := resources.FromProto(o.GetResources())
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidOffer, o.GetId().GetValue(), err)
	}
	agent, err := Agent(o)
	if err != nil {
		return nil, err
	}
	roles := rs.Allocations()
	if len(roles) > 1 {
		return nil, fmt.Errorf("%w: %s: resources allocated to %d roles (Mesos makes each offer to one role)", ErrInvalidOffer, o.GetId().GetValue(), len(roles))
	}
	of := &Offer{Offer: o, remaining: rs, format: formatOf(o.GetResources()), agent: agent}
	for role := range roles {
		of.role = role
	}
	return of, nil
}

// formatOf tells the wire format an offer uses: allocation_info appears
// only for MULTI_ROLE frameworks, the reservations stack only for
// RESERVATION_REFINEMENT ones.
func formatOf(list []*mesospb.Resource) resources.Format {
	multiRole, refinement := false, false
	for _, r := range list {
		if r.GetAllocationInfo() != nil {
			multiRole = true
		}
		if len(r.GetReservations()) > 0 {
			refinement = true
		}
	}
	return resources.FormatFor(multiRole, refinement)
}

// Remaining returns the resources not yet taken.
func (o *Offer) Remaining() resources.Resources { return o.remaining }

// Take finds wanted among the remaining resources, removes it and returns
// it in the offer's wire format, ready for TaskInfo.resources. It reports
// false, taking nothing, when the offer cannot cover wanted.
//
// Roles and reservations: a resource of wanted that carries a reservation
// (write it on the wanted resource, e.g. resources.Parse("cpus(web):1",
// "*")) is taken from resources reserved to that role first, then from
// unreserved ones, then from ones reserved to an ancestor of the role
// (reservations in a hierarchy of roles are shared downwards); never from
// resources reserved to any other role. An unreserved resource of wanted is
// taken from unreserved resources first, then from the reservations of the
// role the offer was made to (Role) and its ancestors. The order of
// preference is Mesos's Resources::find. Use TakeFrom to allow only some
// of the offer.
func (o *Offer) Take(wanted resources.Resources) ([]*mesospb.Resource, bool) {
	left := o.remaining
	var found resources.Resources
	// Reserved wants first: they have fewer places to come from, and
	// an unreserved want might otherwise eat the unreserved resources a
	// reserved one falls back on.
	byRole := wanted.Reservations()
	roles := make([]string, 0, len(byRole))
	for role := range byRole {
		roles = append(roles, role)
	}
	slices.Sort(roles)
	for _, role := range roles {
		got, ok := left.AllocatableTo(role).Find(byRole[role])
		if !ok {
			return nil, false
		}
		left, found = left.Subtract(got), found.Add(got)
	}
	if unreserved := wanted.Unreserved(); !unreserved.IsEmpty() {
		pool := left
		if role := o.Role(); role != "" {
			pool = left.AllocatableTo(role)
		}
		got, ok := pool.Find(unreserved)
		if !ok {
			return nil, false
		}
		found = found.Add(got)
	}
	return o.give(found)
}

// give removes found from what is left and returns it in the offer's
// format.
func (o *Offer) give(found resources.Resources) ([]*mesospb.Resource, bool) {
	list, err := found.ToProto(o.format)
	if err != nil {
		return nil, false
	}
	o.remaining = o.remaining.Subtract(found)
	return list, true
}

// Role returns the role the offer was made to, as its resources'
// allocation_info says (offers to MULTI_ROLE frameworks); "" when they do
// not say, as in offers to a framework with a single role.
func (o *Offer) Role() string { return o.role }

// TakeFrom is Take restricted to pool, a part of Remaining such as
// o.Remaining().Unreserved() or o.Remaining().ReservedTo("web").
func (o *Offer) TakeFrom(pool, wanted resources.Resources) ([]*mesospb.Resource, bool) {
	if !o.remaining.Contains(pool) {
		return nil, false
	}
	found, ok := pool.Find(wanted)
	if !ok {
		return nil, false
	}
	return o.give(found)
}

// Split takes resources for each wanted amount in turn, as far as the
// offer goes. out[i] holds task i's resources, or nil when what was left
// could not cover it (later, smaller tasks may still fit).
func (o *Offer) Split(wanted ...resources.Resources) (out [][]*mesospb.Resource, fitted int) {
	out = make([][]*mesospb.Resource, len(wanted))
	for i, w := range wanted {
		if list, ok := o.Take(w); ok {
			out[i] = list
			fitted++
		}
	}
	return out, fitted
}

// Agent returns what placement constraints read of the offer's agent.
func (o *Offer) Agent() constraints.Agent { return o.agent }

// Agent describes an offer's agent for constraint checks: id, hostname,
// fault domain and attributes formatted as Mesos prints them.
func Agent(o *mesospb.Offer) (constraints.Agent, error) {
	attrs, err := resources.AttributesFromProto(o.GetAttributes())
	if err != nil {
		return constraints.Agent{}, fmt.Errorf("%w: %s: %v", ErrInvalidOffer, o.GetId().GetValue(), err)
	}
	fd := o.GetDomain().GetFaultDomain()
	return constraints.Agent{
		ID:         o.GetAgentId().GetValue(),
		Hostname:   o.GetHostname(),
		Region:     fd.GetRegion().GetName(),
		Zone:       fd.GetZone().GetName(),
		Attributes: attrs.Strings(),
	}, nil
}

// Ports picks n ports among the remaining ones, lowest first, and returns
// them as a "ports" resource to put in what a task needs (Take then
// removes them). It reports false when fewer than n are left.
func (o *Offer) Ports(n int) (resources.Resource, bool) {
	var picked []resources.Range
	left := uint64(n)
	for _, r := range o.remaining.Ports() {
		if left == 0 {
			break
		}
		take := min(left, r.Len())
		picked = append(picked, resources.Range{Begin: r.Begin, End: r.Begin + take - 1})
		left -= take
	}
	if left > 0 || n <= 0 {
		return resources.Resource{}, false
	}
	return resources.NewRanges("ports", picked...), true
}
