package allocator

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"agora/resources"
)

// Sentinel errors. Every error the package returns wraps one of them (or
// resources.ErrInvalidRole for a bad role name).
var (
	ErrUnknownAgent      = errors.New("allocator: unknown agent")
	ErrUnknownFramework  = errors.New("allocator: unknown framework")
	ErrAgentExists       = errors.New("allocator: agent already added")
	ErrFrameworkExists   = errors.New("allocator: framework already added")
	ErrRoleNotSubscribed = errors.New("allocator: framework not subscribed to role")
	ErrInvalidWeight     = errors.New("allocator: invalid weight")
	ErrInvalidQuantities = errors.New("allocator: invalid resource quantities")
	ErrNotAllocated      = errors.New("allocator: resources not allocated to framework")
	ErrNotAvailable      = errors.New("allocator: resources not free on the agent")
)

// DefaultRefuse is what Mesos uses for Filters.refuse_seconds when it is
// unset or negative; MaxRefuse is the longest filter Mesos installs.
const (
	DefaultRefuse = 5 * time.Second
	MaxRefuse     = 365 * 24 * time.Hour
)

// Options configure an Allocator.
type Options struct {
	// Weights gives roles a weight (Mesos's --weights and UPDATE_WEIGHTS);
	// a role without one weighs 1. A role's share is divided by its
	// weight, so a role of weight 2 is offered about twice as much as a
	// role of weight 1 competing for the same resources.
	Weights map[string]float64

	// FairnessExcludeResourceNames are resources left out of the dominant
	// share (Mesos's --fair_sharing_excluded_resource_names, e.g. "gpus"),
	// so that holding a scarce resource does not make a role look rich.
	FairnessExcludeResourceNames []string

	// MinAllocatable is --min_allocatable_resources: an agent's free
	// resources are offered only when they contain at least one of these
	// alternatives. nil means DefaultMinAllocatable (cpus:0.01|mem:32);
	// an empty non-nil slice offers any non-empty amount.
	MinAllocatable []Quantities

	// Rand shuffles the order in which Allocate visits agents. nil uses a
	// generator with a fixed seed, so a sequence of calls is reproducible.
	Rand *rand.Rand
}

// Offer is what Allocate grants one framework on one agent: resources by
// role, each already allocated to that role (Resource.AllocationRole set).
// The master turns it into one Mesos offer per role, as Mesos 1.11 does
// (each offer carries allocation_info.role).
type Offer struct {
	FrameworkID string
	AgentID     string
	Resources   map[string]resources.Resources
}

// Allocator decides which framework is offered which agent's free
// resources. See the package documentation. It is not safe for concurrent
// use: one loop owns it.
type Allocator struct {
	minimum minimum
	rand    *rand.Rand
	weights map[string]float64

	scalars scalarIndex

	agents    map[string]*agent
	agentList []*agent // insertion order, for a reproducible shuffle
	active    int      // activated agents

	frameworks map[string]*framework
	// held indexes agent allocations by framework: framework → agents on
	// which it holds something. It also covers frameworks the allocator
	// has not been told about yet (an agent re-registering after a master
	// failover reports tasks of frameworks that have not re-subscribed).
	held map[string]map[string]struct{}

	// root is the role tree's root (the cluster); nodes indexes its nodes
	// by role name. See roles.go.
	root  *role
	nodes map[string]*role
	stale bool // cluster total changed: shares and orders are stale

	// Incremental cycles (see Allocate): dirty lists the agents to look at
	// in the next Allocate; allDirty says every agent is to be looked at.
	dirty    []*agent
	allDirty bool
	// newcomers are framework roles that became eligible since the last
	// Allocate.
	newcomers []*frameworkRole
	expiries  expiryHeap // when refuse filters lapse

	// Quota (quota.go). quotaSet counts roles with a quota; quotaVersion
	// changes with anything that can change what quota allows, so that
	// agents held back for quota are looked at again.
	quotaSet     int
	quotaVersion uint64
	quotaSeen    uint64
	quotaHeld    map[*agent]struct{}
	// headroomFree is the cluster's free unreserved non-revocable scalars,
	// by scalar index: Mesos's available quota headroom.
	headroomFree []resources.Milli

	versions   uint64 // last agent free version handed out
	cycle      uint64 // number of Allocate calls
	candidates []*agent
	touched    []*frameworkRole
	stats      CycleStats
}

type agent struct {
	id     string
	total  resources.Resources
	free   resources.Resources // total − allocations, allocation role cleared
	active bool
	// reserved is set when the total holds reservations; otherwise
	// everything free is allocatable to every role and Allocate skips
	// AllocatableTo.
	reserved bool
	// allocated is what each framework holds here, offered or in use,
	// with allocation roles.
	allocated map[string]resources.Resources
	index     int // in Allocator.agentList; −1 once removed
	// filters are the refuse filters frameworks hold for this agent, by
	// framework and role. They live with the agent because Allocate
	// checks them agent by agent.
	filters map[*frameworkRole][]refuseFilter
	// version changes whenever free does (see setFree), so that a refuse
	// filter can remember its verdict for an agent that did not change.
	version uint64
	// dirty is set while the agent is in Allocator.dirty.
	dirty bool
	// wake is when its earliest refuse filter lapses (zero: none pending).
	wake time.Time
}

type framework struct {
	id     string
	active bool
	// roles holds the framework's place in every role it is subscribed to
	// or still holds resources in (a framework can leave a role and keep
	// tasks running in it).
	roles map[string]*frameworkRole
}

// frameworkRole is a framework as a client of one role's sorter.
type frameworkRole struct {
	client
	fw         *framework
	role       *role // the leaf of the role in the role tree
	subscribed bool
	suppressed bool
	// newcomer is set while the place is in Allocator.newcomers.
	newcomer bool
	// filterAgents are the agents holding refuse filters of this
	// framework in this role, to drop them on revive.
	filterAgents map[*agent]struct{}
}

func (fr *frameworkRole) cl() *client { return &fr.client }

func (fr *frameworkRole) eligible() bool {
	return fr.fw.active && fr.subscribed && !fr.suppressed
}

// New returns an empty allocator. It fails on a weight that is not a
// positive finite number or a weight for an invalid role name.
func New(opts Options) (*Allocator, error) {
	minAlloc := opts.MinAllocatable
	if minAlloc == nil {
		minAlloc = DefaultMinAllocatable()
	}
	r := opts.Rand
	if r == nil {
		r = rand.New(rand.NewPCG(0x5eed, 0xa6012a))
	}
	a := &Allocator{
		minimum:    compileMinimum(minAlloc),
		rand:       r,
		weights:    map[string]float64{},
		agents:     map[string]*agent{},
		frameworks: map[string]*framework{},
		held:       map[string]map[string]struct{}{},
		nodes:      map[string]*role{},
		quotaHeld:  map[*agent]struct{}{},
		scalars: scalarIndex{
			ids:     map[string]int{},
			exclude: map[string]bool{},
		},
	}
	a.root = &role{client: client{pos: -1}, children: map[string]*role{}}
	for _, name := range opts.FairnessExcludeResourceNames {
		a.scalars.exclude[name] = true
	}
	if err := a.SetWeights(opts.Weights); err != nil {
		return nil, err
	}
	return a, nil
}

// SetWeights sets the weights of the given roles, leaving the others as
// they are (Mesos's UPDATE_WEIGHTS). Nothing changes when one of them is
// invalid.
func (a *Allocator) SetWeights(weights map[string]float64) error {
	for name, w := range weights {
		if err := resources.ValidateRole(name); err != nil {
			return fmt.Errorf("allocator: weight for role %q: %w", name, err)
		}
		if !(w > 0) || math.IsInf(w, 0) {
			return fmt.Errorf("%w: role %q has weight %v; a weight must be a positive number", ErrInvalidWeight, name, w)
		}
	}
	for name, w := range weights {
		a.weights[name] = w
		if n := a.nodes[name]; n != nil {
			n.weight, n.leaf.weight = w, w
			a.reshareUp(n.leaf)
			a.reshareUp(n)
		}
	}
	return nil
}

// Weight returns a role's weight (1 unless set).
func (a *Allocator) Weight(role string) float64 {
	if w, ok := a.weights[role]; ok {
		return w
	}
	return 1
}

// AddAgent adds an agent with its total resources and what frameworks
// already hold on it (by framework, with allocation roles), as when an agent
// re-registers after a master failover. Holdings of frameworks the allocator
// does not know yet are kept out of the pool and counted in the shares once
// the framework is added.
func (a *Allocator) AddAgent(agentID string, total resources.Resources, used map[string]resources.Resources) error {
	if _, ok := a.agents[agentID]; ok {
		return fmt.Errorf("%w: %q", ErrAgentExists, agentID)
	}
	ag := &agent{
		id:        agentID,
		total:     total,
		active:    true,
		reserved:  !total.Reserved().IsEmpty(),
		allocated: map[string]resources.Resources{},
		index:     len(a.agentList),
	}
	a.agents[agentID] = ag
	a.agentList = append(a.agentList, ag)
	a.active++
	a.scalars.addScalars(total, 1)
	a.trackReservations(total, 1)
	a.stale = true
	a.setFree(ag, total)
	for _, fwID := range sortedKeys(used) {
		rs := used[fwID]
		if rs.IsEmpty() {
			continue
		}
		a.hold(ag, fwID, rs)
		if fw := a.frameworks[fwID]; fw != nil {
			a.track(fw, rs, 1)
		}
	}
	return nil
}

// RemoveAgent forgets an agent and everything held on it; frameworks'
// refuse filters for it go too.
func (a *Allocator) RemoveAgent(agentID string) error {
	ag, ok := a.agents[agentID]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownAgent, agentID)
	}
	for fwID, rs := range ag.allocated {
		if fw := a.frameworks[fwID]; fw != nil {
			a.track(fw, rs, -1)
		}
		a.unindex(fwID, agentID)
	}
	for fr := range ag.filters {
		delete(fr.filterAgents, ag)
	}
	if ag.active {
		a.active--
	}
	a.setFree(ag, resources.Resources{}) // out of the headroom
	delete(a.quotaHeld, ag)
	a.scalars.addScalars(ag.total, -1)
	a.trackReservations(ag.total, -1)
	a.stale = true
	last := a.agentList[len(a.agentList)-1]
	a.agentList[ag.index] = last
	last.index = ag.index
	a.agentList[len(a.agentList)-1] = nil
	a.agentList = a.agentList[:len(a.agentList)-1]
	ag.index = -1
	delete(a.agents, agentID)
	return nil
}

// UpdateAgent changes an agent's total resources (oversubscription,
// reservations changed by the operator). What frameworks hold is unchanged;
// the free part is the new total minus it.
func (a *Allocator) UpdateAgent(agentID string, total resources.Resources) error {
	ag, ok := a.agents[agentID]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownAgent, agentID)
	}
	a.setTotal(ag, total)
	free := total
	for _, rs := range ag.allocated {
		free = free.Subtract(rs.Unallocate())
	}
	a.setFree(ag, free)
	return nil
}

// ActivateAgent makes an agent's resources offerable again.
func (a *Allocator) ActivateAgent(agentID string) error {
	return a.setAgentActive(agentID, true)
}

// DeactivateAgent stops offering an agent's resources (it is unreachable or
// draining); what frameworks hold there stays held.
func (a *Allocator) DeactivateAgent(agentID string) error {
	return a.setAgentActive(agentID, false)
}

func (a *Allocator) setAgentActive(agentID string, active bool) error {
	ag, ok := a.agents[agentID]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownAgent, agentID)
	}
	if ag.active != active {
		ag.active = active
		if active {
			a.active++
			a.markDirty(ag)
		} else {
			a.active--
		}
	}
	return nil
}

// AddFramework adds a framework subscribed to roles, with suppressedRoles
// (a subset of roles) not wanting offers, and what it holds on each agent
// (with allocation roles). Holdings on agents the allocator does not know
// are ignored (the agent brings them when it is added); holdings an agent
// already reported win over used. An inactive framework keeps its
// holdings but is offered nothing until ActivateFramework.
func (a *Allocator) AddFramework(frameworkID string, roles, suppressedRoles []string, used map[string]resources.Resources, active bool) error {
	if _, ok := a.frameworks[frameworkID]; ok {
		return fmt.Errorf("%w: %q", ErrFrameworkExists, frameworkID)
	}
	if err := checkRoles(frameworkID, roles, suppressedRoles); err != nil {
		return err
	}
	fw := &framework{
		id:     frameworkID,
		active: active,
		roles:  map[string]*frameworkRole{},
	}
	a.frameworks[frameworkID] = fw
	for _, name := range roles {
		fr := a.join(fw, name)
		fr.subscribed = true
		fr.suppressed = slices.Contains(suppressedRoles, name)
	}
	for _, agentID := range sortedKeys(used) {
		ag := a.agents[agentID]
		if ag == nil || used[agentID].IsEmpty() {
			continue
		}
		if _, reported := ag.allocated[frameworkID]; reported {
			continue
		}
		a.hold(ag, frameworkID, used[agentID])
	}
	for _, agentID := range sortedKeys(a.held[frameworkID]) {
		a.track(fw, a.agents[agentID].allocated[frameworkID], 1)
	}
	for _, fr := range fw.roles {
		a.refresh(fr)
	}
	return nil
}

// UpdateFramework changes a framework's roles and suppressed roles
// (UPDATE_FRAMEWORK, or a re-subscription with a new FrameworkInfo).
// Leaving a role drops its refuse filters; resources still held in it stay
// counted. A role that stops being suppressed is revived, which clears its
// refuse filters as in Mesos.
func (a *Allocator) UpdateFramework(frameworkID string, roles, suppressedRoles []string) error {
	fw, ok := a.frameworks[frameworkID]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownFramework, frameworkID)
	}
	if err := checkRoles(frameworkID, roles, suppressedRoles); err != nil {
		return err
	}
	for name, fr := range fw.roles {
		if fr.subscribed && !slices.Contains(roles, name) {
			fr.subscribed = false
			fr.suppressed = false
			a.dropFilters(fr)
			a.refresh(fr)
			a.leave(fr, false)
		}
	}
	for _, name := range roles {
		fr := a.join(fw, name)
		fr.subscribed = true
		suppressed := slices.Contains(suppressedRoles, name)
		if fr.suppressed && !suppressed {
			a.dropFilters(fr)
		}
		fr.suppressed = suppressed
		a.refresh(fr)
	}
	return nil
}

// RemoveFramework forgets a framework; everything it holds returns to the
// pool.
func (a *Allocator) RemoveFramework(frameworkID string) error {
	fw, ok := a.frameworks[frameworkID]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownFramework, frameworkID)
	}
	for agentID := range a.held[frameworkID] {
		ag := a.agents[agentID]
		rs := ag.allocated[frameworkID]
		a.track(fw, rs, -1)
		a.setFree(ag, ag.free.Add(rs.Unallocate()))
		delete(ag.allocated, frameworkID)
	}
	delete(a.held, frameworkID)
	fw.active = false
	for _, fr := range fw.roles {
		a.dropFilters(fr)
		a.refresh(fr)
		a.leave(fr, true)
	}
	delete(a.frameworks, frameworkID)
	return nil
}

// ActivateFramework lets a (re)connected framework be offered resources
// again in its roles that are not suppressed.
func (a *Allocator) ActivateFramework(frameworkID string) error {
	fw, ok := a.frameworks[frameworkID]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownFramework, frameworkID)
	}
	fw.active = true
	for _, fr := range fw.roles {
		a.refresh(fr)
	}
	return nil
}

// DeactivateFramework stops offers to a disconnected framework; it keeps
// what it holds. Its refuse filters are dropped, as in Mesos.
func (a *Allocator) DeactivateFramework(frameworkID string) error {
	fw, ok := a.frameworks[frameworkID]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownFramework, frameworkID)
	}
	fw.active = false
	for _, fr := range fw.roles {
		a.dropFilters(fr)
		a.refresh(fr)
	}
	return nil
}

// Suppress stops offers to a framework in the given roles, or in all its
// roles when roles is empty (SUPPRESS). Refuse filters stay.
func (a *Allocator) Suppress(frameworkID string, roles []string) error {
	return a.setSuppressed(frameworkID, roles, true)
}

// Revive resumes offers to a framework in the given roles, or in all its
// roles when roles is empty, and clears its refuse filters for them
// (REVIVE; Mesos's reviveRoles).
func (a *Allocator) Revive(frameworkID string, roles []string) error {
	return a.setSuppressed(frameworkID, roles, false)
}

func (a *Allocator) setSuppressed(frameworkID string, roles []string, suppressed bool) error {
	fw, ok := a.frameworks[frameworkID]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownFramework, frameworkID)
	}
	var frs []*frameworkRole
	if len(roles) == 0 {
		for _, fr := range fw.roles {
			if fr.subscribed {
				frs = append(frs, fr)
			}
		}
	} else {
		for _, name := range roles {
			fr := fw.roles[name]
			if fr == nil || !fr.subscribed {
				return fmt.Errorf("%w: framework %q is not subscribed to role %q", ErrRoleNotSubscribed, frameworkID, name)
			}
			frs = append(frs, fr)
		}
	}
	for _, fr := range frs {
		fr.suppressed = suppressed
		if !suppressed {
			a.dropFilters(fr)
		}
		a.refresh(fr)
	}
	return nil
}

// Recover returns resources a framework held on an agent to the pool: an
// offer declined, rescinded or timed out, the unused part of an accepted
// offer, a finished task. rs must carry the allocation roles they were
// offered with. With refuse > 0 the framework is not offered, in those roles
// on that agent, resources contained in rs until now+refuse (Mesos's refuse
// filter: it stops applying early as soon as more than rs is free there);
// refuse < 0 means DefaultRefuse and refuse is capped at MaxRefuse, as in
// Mesos. The master applies Filters.refuse_seconds' default itself. (Mesos
// also stretches a filter to at least one --allocation_interval so that it
// cannot lapse before the next cycle, MESOS-4302; the allocator has no
// interval, so a master that wants this passes max(refuse, interval).)
//
// Resources of an agent or a framework the allocator no longer knows are
// dropped (the master may recover a removed framework's offers). If rs is
// not contained in what the framework holds on the agent, the contained part
// is recovered and the error wraps ErrNotAllocated.
func (a *Allocator) Recover(frameworkID, agentID string, rs resources.Resources, refuse time.Duration, now time.Time) error {
	ag := a.agents[agentID]
	if ag == nil {
		return nil
	}
	held := ag.allocated[frameworkID]
	fw := a.frameworks[frameworkID]
	if fw == nil && held.IsEmpty() {
		return nil
	}
	rest := held.Subtract(rs)
	removed := held.Subtract(rest)
	if !removed.IsEmpty() {
		if fw != nil {
			a.track(fw, removed, -1)
		}
		a.setFree(ag, ag.free.Add(removed.Unallocate()))
		if rest.IsEmpty() {
			delete(ag.allocated, frameworkID)
			a.unindex(frameworkID, agentID)
		} else {
			ag.allocated[frameworkID] = rest
		}
	}
	if fw != nil && refuse != 0 {
		if refuse < 0 {
			refuse = DefaultRefuse
		}
		refuse = min(refuse, MaxRefuse)
		for name, part := range rs.Allocations() {
			if fr := fw.roles[name]; fr != nil && fr.subscribed {
				a.addFilter(fr, ag, refuseFilter{refused: part.Unallocate(), expires: now.Add(refuse)}, now)
			}
		}
	}
	if !held.Contains(rs) {
		return fmt.Errorf("%w: framework %q on agent %q holds %s, not all of %s", ErrNotAllocated, frameworkID, agentID, held, rs)
	}
	return nil
}

// Allocation returns what a framework holds (offered or in use) by agent.
func (a *Allocator) Allocation(frameworkID string) map[string]resources.Resources {
	out := make(map[string]resources.Resources, len(a.held[frameworkID]))
	for agentID := range a.held[frameworkID] {
		out[agentID] = a.agents[agentID].allocated[frameworkID]
	}
	return out
}

// Free returns an agent's resources that nobody holds.
func (a *Allocator) Free(agentID string) (resources.Resources, bool) {
	ag, ok := a.agents[agentID]
	if !ok {
		return resources.Resources{}, false
	}
	return ag.free, true
}

// checkRoles validates a framework's roles with Mesos's rules and checks that
// the suppressed ones are among them.
func checkRoles(frameworkID string, roles, suppressed []string) error {
	for _, name := range roles {
		if err := resources.ValidateRole(name); err != nil {
			return fmt.Errorf("allocator: framework %q: %w", frameworkID, err)
		}
	}
	for _, name := range suppressed {
		if !slices.Contains(roles, name) {
			return fmt.Errorf("%w: framework %q suppresses role %q but subscribes only to %q", ErrRoleNotSubscribed, frameworkID, name, roles)
		}
	}
	return nil
}

// setFree changes an agent's free resources. Versions start at 1, so a new
// filter (version 0) always compares once.
//
// The agent is looked at again in the next Allocate: what is free there
// changed, so what the refuse filters and the minimum allocatable decided
// about it may have too.
func (a *Allocator) setFree(ag *agent, free resources.Resources) {
	a.setFreeQuiet(ag, free)
	a.markDirty(ag)
}

// setFreeQuiet is setFree for Allocate's own grants: the agent is being
// looked at already.
func (a *Allocator) setFreeQuiet(ag *agent, free resources.Resources) {
	a.headroom(ag.free, -1)
	a.headroom(free, 1)
	a.versions++
	ag.free, ag.version = free, a.versions
	if a.quotaSet > 0 {
		a.quotaVersion++
	}
}

// headroom adds sign × the unreserved non-revocable scalars of rs to the
// cluster's free headroom.
func (a *Allocator) headroom(rs resources.Resources, sign resources.Milli) {
	for r := range rs.All() {
		if r.Kind == resources.KindScalar && r.IsUnreserved() && !r.Revocable {
			i := a.scalars.id(r.Name)
			a.headroomFree = addTo(a.headroomFree, i, sign*r.Scalar)
		}
	}
}

// markDirty puts an agent on the list of agents the next Allocate looks at.
func (a *Allocator) markDirty(ag *agent) {
	if !ag.dirty && ag.index >= 0 {
		ag.dirty = true
		a.dirty = append(a.dirty, ag)
	}
}

// hold records rs as held by a framework on an agent.
func (a *Allocator) hold(ag *agent, frameworkID string, rs resources.Resources) {
	ag.allocated[frameworkID] = ag.allocated[frameworkID].Add(rs)
	a.setFree(ag, ag.free.Subtract(rs.Unallocate()))
	a.index(frameworkID, ag.id)
}

func (a *Allocator) index(frameworkID, agentID string) {
	agents := a.held[frameworkID]
	if agents == nil {
		agents = map[string]struct{}{}
		a.held[frameworkID] = agents
	}
	agents[agentID] = struct{}{}
}

func (a *Allocator) unindex(frameworkID, agentID string) {
	if agents := a.held[frameworkID]; agents != nil {
		delete(agents, agentID)
		if len(agents) == 0 {
			delete(a.held, frameworkID)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// UpdateAllocation converts resources a framework holds on an agent, for
// the offer operations that change what resources are rather than who
// holds them: RESERVE and UNRESERVE (a reservation pushed or popped) and
// CREATE and DESTROY (a persistent volume made from reserved disk, or back).
// from must be held by the framework (with allocation roles) and to is
// what it becomes; the agent's total changes the same way, so what is free
// does not (Mesos's updateAllocation). Nothing changes on error.
func (a *Allocator) UpdateAllocation(frameworkID, agentID string, from, to resources.Resources) error {
	ag, ok := a.agents[agentID]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownAgent, agentID)
	}
	held := ag.allocated[frameworkID]
	if !held.Contains(from) {
		return fmt.Errorf("%w: framework %q on agent %q holds %s, not all of %s", ErrNotAllocated, frameworkID, agentID, held, from)
	}
	if !ag.total.Contains(from.Unallocate()) {
		return fmt.Errorf("%w: agent %q has %s, not all of %s", ErrNotAllocated, agentID, ag.total, from.Unallocate())
	}
	if fw := a.frameworks[frameworkID]; fw != nil {
		// Add first: removing first could drop the framework's place in
		// the role (leave) while it still holds resources there.
		a.track(fw, to, 1)
		a.track(fw, from, -1)
	}
	ag.allocated[frameworkID] = held.Subtract(from).Add(to)
	a.setTotal(ag, ag.total.Subtract(from.Unallocate()).Add(to.Unallocate()))
	return nil
}

// UpdateAvailable converts free resources of an agent (the operator's
// RESERVE_RESOURCES, UNRESERVE_RESOURCES, CREATE_VOLUMES and
// DESTROY_VOLUMES): from must be free there, and the agent's total and free
// resources change from from to to. Nothing changes on error.
func (a *Allocator) UpdateAvailable(agentID string, from, to resources.Resources) error {
	ag, ok := a.agents[agentID]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownAgent, agentID)
	}
	if !ag.free.Contains(from) {
		return fmt.Errorf("%w: agent %q has %s free, not all of %s", ErrNotAvailable, agentID, ag.free, from)
	}
	a.setTotal(ag, ag.total.Subtract(from).Add(to))
	a.setFree(ag, ag.free.Subtract(from).Add(to))
	return nil
}

// setTotal replaces an agent's total, keeping the cluster totals and the
// reservation counts in step.
func (a *Allocator) setTotal(ag *agent, total resources.Resources) {
	a.scalars.addScalars(ag.total, -1)
	a.scalars.addScalars(total, 1)
	a.trackReservations(ag.total, -1)
	a.trackReservations(total, 1)
	a.stale = true
	ag.total = total
	ag.reserved = !total.Reserved().IsEmpty()
	a.markDirty(ag)
}

// Total returns an agent's total resources as the allocator knows them.
func (a *Allocator) Total(agentID string) (resources.Resources, bool) {
	ag, ok := a.agents[agentID]
	if !ok {
		return resources.Resources{}, false
	}
	return ag.total, true
}
