package placement

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	mesospb "agora/api/mesos/v1"
	"agora/constraints"
	"agora/resources"
	"agora/sdk/offer"
)

// ErrInvalidOffer: an offer's resources or attributes could not be read. Such
// an offer takes nothing and is returned by Unused, to be declined.
var ErrInvalidOffer = errors.New("placement: invalid offer")

// Request is what one app asks of a round: the resources of one instance, the
// host ports it needs, the roles whose resources it accepts and its placement
// constraints with the instances already placed.
type Request struct {
	CPUs, Mem, Disk float64
	GPUs            int
	// Ports has one entry per port definition: 0 for any host port, else that
	// exact host port (Marathon's requirePorts).
	Ports []int
	// Role is the role the instance runs as (Marathon's app role): only
	// offers allocated to it are used (an offer without allocation_info is
	// the round's framework role's). Empty means the round's framework role.
	Role string
	// Roles is Marathon's acceptedResourceRoles: an instance uses only
	// resources reserved to one of these roles, "*" meaning unreserved. Empty
	// means "*" and Role (Marathon's default).
	Roles []string
	// Constraints are the app's compiled placement constraints.
	Constraints []constraints.Constraint
	// Placed holds the instances that count for the constraints (Marathon:
	// those of the app's current version that are not lost). Place adds every
	// instance it places; nil is read as empty and, when the request has
	// constraints, replaced by a new Index on the first Place.
	Placed *constraints.Index
	// Staying, when some of Placed are being replaced (a restart or an
	// upgrade), holds those of Placed that stay: the new version's. Place
	// adds what it places to it too. An offer a constraint refuses against
	// Placed but every constraint accepts against Staying, and that has the
	// resources, waits only for instances being replaced to go
	// (Rejections.HeldByReplaced). nil when nothing is being replaced.
	Staying *constraints.Index
}

// Match is one instance placed on one offer.
type Match struct {
	Request  *Request
	OfferID  *mesospb.OfferID
	AgentID  *mesospb.AgentID
	Hostname string
	// Agent is what the constraints read of the offer's agent. Keep it with
	// the instance: constraints.Index.Remove wants the same value back.
	Agent constraints.Agent
	// Resources are the instance's resources in the offer's own wire format
	// (allocation_info and reservations as offered), ready for
	// TaskInfo.resources. Ports are ranges.
	Resources []*mesospb.Resource
	// HostPorts are the host ports given to the instance, one per entry of
	// Request.Ports and in that order.
	HostPorts []int
}

// UsedOffer is an offer that took at least one instance, with its matches
// in the order they were placed: one ACCEPT with a LAUNCH of each.
type UsedOffer struct {
	Offer   *mesospb.Offer
	Matches []Match
}

// Round places instances on one batch of offers. Each Place consumes what it
// places from the offers, so several apps and many instances can share one
// round without ever over-committing an offer. A Round is not safe for
// concurrent use; it belongs to the loop that received the offers.
type Round struct {
	frameworkRole string
	offers        []*offerState
	errs          []error
}

// offerState is one offer with what is left of it.
type offerState struct {
	offer     *mesospb.Offer
	agent     constraints.Agent
	format    resources.Format
	remaining resources.Resources
	roles     map[string]bool // reservation roles the offer held at the start
	allocRole string          // the role the offer is allocated to; "" when it does not say
	matches   []Match
	invalid   bool

	// version counts changes to remaining; pool is remaining as one
	// Place call sees it (its accepted roles only), valid while poolRoles
	// and poolVersion match.
	version     int
	pool        pool
	poolRoles   string
	poolVersion int
}

// pool is the part of an offer's remaining resources an instance may use:
// plain (no disk source or volume, not revocable, not shared, the agent's
// own) resources of an accepted role, with the totals the fit check reads.
type pool struct {
	res                   resources.Resources
	cpus, mem, disk, gpus resources.Milli
	ports                 []resources.Range
	reservedRole          string // the role whose reservations are used first; "" for none
}

// NewRound starts a round on offers, made to a framework whose role is
// frameworkRole. Offers whose resources or attributes cannot be read take no
// instance (see Errors) and are listed by Unused.
func NewRound(offers []*mesospb.Offer, frameworkRole string) *Round {
	r := &Round{frameworkRole: frameworkRole, offers: make([]*offerState, 0, len(offers))}
	for _, o := range offers {
		s := &offerState{offer: o, version: 1}
		rs, err := resources.FromProto(o.GetResources())
		if err == nil {
			s.agent, err = offer.Agent(o)
		}
		if err != nil {
			s.invalid = true
			r.errs = append(r.errs, fmt.Errorf("%w: %s: %v", ErrInvalidOffer, o.GetId().GetValue(), err))
			r.offers = append(r.offers, s)
			continue
		}
		s.remaining = rs
		s.format = formatOf(o.GetResources())
		s.roles = make(map[string]bool, 2)
		for res := range rs.All() {
			s.roles[res.ReservationRole()] = true
			if s.allocRole == "" {
				s.allocRole = res.AllocationRole
			}
		}
		r.offers = append(r.offers, s)
	}
	return r
}

// formatOf tells the wire format an offer is written in, so that what an
// instance takes goes back to the master in the same one.
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

// Errors returns why offers were unreadable, one error per such offer.
func (r *Round) Errors() []error { return r.errs }

// Unused returns the offers nothing was placed on, in their original order:
// decline them.
func (r *Round) Unused() []*mesospb.Offer {
	var out []*mesospb.Offer
	for _, s := range r.offers {
		if len(s.matches) == 0 {
			out = append(out, s.offer)
		}
	}
	return out
}

// Used returns the offers that took instances, with their matches, in the
// offers' original order: accept each with one LAUNCH per match.
func (r *Round) Used() []UsedOffer {
	var out []UsedOffer
	for _, s := range r.offers {
		if len(s.matches) > 0 {
			out = append(out, UsedOffer{Offer: s.offer, Matches: s.matches})
		}
	}
	return out
}

// need is a request in the fixed-point units offers are accounted in.
type need struct {
	cpus, mem, disk, gpus resources.Milli
	exact                 []uint64 // required host ports, in request order
	exactDup              bool     // a required port appears twice: never fits
	anyPorts              int      // ports to pick freely
	scalars               resources.Resources
	// reserved caches scalars written as reserved to a role, which makes
	// resources.Find take that role's reservation first.
	reserved map[string]resources.Resources
}

// scalarsFor returns the instance's scalars as Find should look for them in
// p: reserved to the role p holds reservations of (the framework's role
// first), so that an app uses what is reserved for it before the shared
// pool; unreserved when p holds no reservation.
func (n *need) scalarsFor(p *pool) resources.Resources {
	if p.reservedRole == "" || n.scalars.IsEmpty() {
		return n.scalars
	}
	if rs, ok := n.reserved[p.reservedRole]; ok {
		return rs
	}
	var list []resources.Resource
	for r := range n.scalars.All() {
		r.Reservations = []resources.Reservation{resources.StaticReservation(p.reservedRole)}
		list = append(list, r)
	}
	rs, err := resources.New(list...)
	if err != nil {
		rs = n.scalars
	}
	if n.reserved == nil {
		n.reserved = make(map[string]resources.Resources, 1)
	}
	n.reserved[p.reservedRole] = rs
	return rs
}

func newNeed(req *Request) need {
	n := need{
		cpus: resources.ToMilli(req.CPUs),
		mem:  resources.ToMilli(req.Mem),
		disk: resources.ToMilli(req.Disk),
		gpus: resources.ToMilli(float64(req.GPUs)),
	}
	var scalars []resources.Resource
	for _, s := range []struct {
		name string
		v    resources.Milli
	}{{"cpus", n.cpus}, {"mem", n.mem}, {"disk", n.disk}, {"gpus", n.gpus}} {
		if s.v > 0 {
			scalars = append(scalars, resources.NewScalar(s.name, s.v.Float64()))
		}
	}
	// Positive scalars with distinct names always form a valid collection.
	n.scalars, _ = resources.New(scalars...)
	for _, p := range req.Ports {
		if p <= 0 {
			n.anyPorts++
			continue
		}
		if slices.Contains(n.exact, uint64(p)) {
			n.exactDup = true
		}
		n.exact = append(n.exact, uint64(p))
	}
	return n
}

// acceptedRoles returns the set of reservation roles a request may use and a
// key naming it.
func (r *Round) acceptedRoles(req *Request) (map[string]bool, string) {
	role := r.roleOf(req)
	roles := req.Roles
	if len(roles) == 0 {
		roles = []string{resources.UnreservedRole}
		if role != "" && role != resources.UnreservedRole {
			roles = append(roles, role)
		}
	}
	set := make(map[string]bool, len(roles))
	for _, role := range roles {
		set[role] = true
	}
	keys := make([]string, 0, len(set))
	for role := range set {
		keys = append(keys, role)
	}
	slices.Sort(keys)
	// The key names the role too: it decides whose reservations go first.
	return set, strings.Join(keys, "\x00") + "\x01" + role
}

// roleOf is the role req's instances run as.
func (r *Round) roleOf(req *Request) string {
	if req.Role != "" {
		return req.Role
	}
	return r.frameworkRole
}

// allocation is the role s is offered to: its allocation_info's, else (an
// offer that does not say) the framework's.
func (s *offerState) allocation(frameworkRole string) string {
	if s.allocRole == "" {
		return frameworkRole
	}
	return s.allocRole
}

// poolFor returns what of s an instance accepting roles may use.
func (s *offerState) poolFor(roles map[string]bool, key, role string) *pool {
	if s.poolVersion == s.version && s.poolRoles == key {
		return &s.pool
	}
	res := s.remaining.Filter(func(r resources.Resource) bool {
		return r.Disk == nil && !r.Revocable && !r.Shared && r.ProviderID == "" &&
			roles[r.ReservationRole()]
	})
	s.pool = pool{res: res, cpus: res.Cpus(), mem: res.Mem(), disk: res.Disk(), gpus: res.Gpus(), ports: res.Ports()}
	for r := range res.All() {
		reserved := r.ReservationRole()
		if reserved == resources.UnreservedRole {
			continue
		}
		if reserved == role || s.pool.reservedRole == "" || (s.pool.reservedRole != role && reserved < s.pool.reservedRole) {
			s.pool.reservedRole = reserved
		}
	}
	s.poolRoles, s.poolVersion = key, s.version
	return &s.pool
}

// fit returns the first resource an instance lacks on p (0 when it fits) and
// the refusal in words.
func (p *pool) fit(n *need) (Kind, string) {
	switch {
	case p.cpus < n.cpus:
		return KindCPUs, shortOf("cpus", p.cpus, n.cpus)
	case p.mem < n.mem:
		return KindMem, shortOf("mem", p.mem, n.mem)
	case p.disk < n.disk:
		return KindDisk, shortOf("disk", p.disk, n.disk)
	case p.gpus < n.gpus:
		return KindGPUs, shortOf("gpus", p.gpus, n.gpus)
	}
	if len(n.exact) == 0 && n.anyPorts == 0 {
		return 0, ""
	}
	if n.exactDup {
		return KindPorts, "the app requires the same host port twice"
	}
	for _, port := range n.exact {
		if !inRanges(p.ports, port) {
			return KindPorts, "port " + strconv.FormatUint(port, 10) + " is not offered"
		}
	}
	var free uint64
	for _, rg := range p.ports {
		free += rg.Len()
	}
	if free-uint64(len(n.exact)) < uint64(n.anyPorts) {
		return KindPorts, fmt.Sprintf("offer has %d free ports, an instance needs %d", free, len(n.exact)+n.anyPorts)
	}
	return 0, ""
}

func shortOf(name string, have, want resources.Milli) string {
	return "offer has " + have.String() + " " + name + ", an instance needs " + want.String()
}

func inRanges(rs []resources.Range, port uint64) bool {
	for _, rg := range rs {
		if rg.Begin <= port && port <= rg.End {
			return true
		}
	}
	return false
}

// pickPorts chooses the instance's host ports on p: the required ones as
// they are, the others the lowest free ports. It returns them in request
// order and as ranges to take. fit must have passed.
func (p *pool) pickPorts(req *Request, n *need) ([]int, []resources.Range) {
	if len(req.Ports) == 0 {
		return nil, nil
	}
	hostPorts := make([]int, len(req.Ports))
	taken := make([]uint64, 0, len(req.Ports))
	taken = append(taken, n.exact...)
	free := p.ports
	rangeIdx, next := 0, uint64(0)
	if len(free) > 0 {
		next = free[0].Begin
	}
	for i, want := range req.Ports {
		if want > 0 {
			hostPorts[i] = want
			continue
		}
		for rangeIdx < len(free) {
			if next < free[rangeIdx].Begin {
				next = free[rangeIdx].Begin
			}
			if next > free[rangeIdx].End {
				rangeIdx++
				continue
			}
			if slices.Contains(n.exact, next) {
				next++
				continue
			}
			break
		}
		hostPorts[i] = int(next)
		taken = append(taken, next)
		next++
	}
	slices.Sort(taken)
	ranges := make([]resources.Range, 0, len(taken))
	for _, port := range taken {
		if k := len(ranges) - 1; k >= 0 && ranges[k].End+1 == port {
			ranges[k].End = port
			continue
		}
		ranges = append(ranges, resources.Range{Begin: port, End: port})
	}
	return hostPorts, ranges
}
