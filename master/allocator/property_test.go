package allocator

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"agora/resources"
)

// TestRandomSequencesKeepTheInvariants drives the allocator with random
// sequences of agent and framework changes, allocations and recoveries, and
// checks after every step against an independent model that:
//
//   - nothing is offered that is held already (no resource in two
//     outstanding offers) and nothing an agent does not have;
//   - what frameworks hold on an agent never exceeds its total, and free
//     plus held is the total;
//   - offers go only to active frameworks in subscribed, unsuppressed
//     roles, on activated agents, with resources allocatable to the role;
//   - nothing covered by an unexpired refuse filter is offered;
//   - quota guarantees come first: a cycle never lets the cluster's free
//     unreserved resources fall further below what unmet guarantees still
//     need (the headroom), so only allocations towards a guarantee may
//     eat into it (checkHeadroom, from the model's own accounting);
//   - no eligible framework starves while others are suppressed or
//     filtered: after a cycle, no eligible framework could still be offered
//     something on an agent the allocator will not look at again
//     (checkNothingLeftBehind);
//   - the incremental DRF bookkeeping (allocations, shares, orders) equals
//     what a recomputation from scratch gives.
func TestRandomSequencesKeepTheInvariants(t *testing.T) {
	seeds := 100
	if testing.Short() {
		seeds = 30
	}
	for seed := range seeds {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			t.Parallel()
			newModel(t, uint64(seed)).run(250)
		})
	}
}

var modelRoles = []string{"a", "b", "c", "eng", "eng/web"}

type modelFilter struct {
	fw, role, agent string
	refused         resources.Resources
	expires         time.Time
}

type modelFramework struct {
	roles, suppressed []string
	active            bool
}

type model struct {
	t    *testing.T
	rng  *rand.Rand
	a    *Allocator
	now  time.Time
	next int

	agents     map[string]resources.Resources // total
	inactive   map[string]bool                // deactivated agents
	frameworks map[string]*modelFramework
	held       map[string]map[string]resources.Resources // agent → framework → held
	filters    []modelFilter
}

func newModel(t *testing.T, seed uint64) *model {
	a, err := New(Options{
		Rand:                         rand.New(rand.NewPCG(seed, 7)),
		FairnessExcludeResourceNames: []string{"gpus"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &model{
		t:          t,
		rng:        rand.New(rand.NewPCG(seed, 11)),
		a:          a,
		now:        t0,
		agents:     map[string]resources.Resources{},
		inactive:   map[string]bool{},
		frameworks: map[string]*modelFramework{},
		held:       map[string]map[string]resources.Resources{},
	}
}

func (m *model) run(steps int) {
	for step := range steps {
		op := m.step()
		if m.t.Failed() {
			m.t.Fatalf("after step %d (%s)", step, op)
		}
		m.check(op)
		if m.t.Failed() {
			m.t.Fatalf("after step %d (%s)", step, op)
		}
	}
}

func (m *model) ok(err error) {
	m.t.Helper()
	if err != nil {
		m.t.Fatal(err)
	}
}

func (m *model) pick(keys []string) string { return keys[m.rng.IntN(len(keys))] }

func (m *model) subset(from []string) []string {
	var out []string
	for _, x := range from {
		if m.rng.IntN(2) == 0 {
			out = append(out, x)
		}
	}
	return out
}

var agentShapes = []string{
	"cpus:2;mem:1024;disk:4096;ports:[31000-32000]",
	"cpus:4;mem:8192;gpus:1",
	"cpus:1;mem:512;cpus(a):1;mem(a):512",
	"cpus(eng):2;mem(eng):2048;cpus:1;mem:256",
	"cpus(b):2;mem(b):1024;ports(b):[1-100]",
	"mem:16",
}

func (m *model) step() string {
	switch n := m.rng.IntN(100); {
	case n < 10 || len(m.agents) == 0:
		return m.addAgent()
	case n < 13:
		id := m.pick(sortedKeys(m.agents))
		m.ok(m.a.RemoveAgent(id))
		delete(m.agents, id)
		delete(m.inactive, id)
		delete(m.held, id)
		m.filters = slices.DeleteFunc(m.filters, func(f modelFilter) bool { return f.agent == id })
		return "remove agent " + id
	case n < 17:
		id := m.pick(sortedKeys(m.agents))
		if m.inactive[id] {
			m.ok(m.a.ActivateAgent(id))
			delete(m.inactive, id)
			return "activate agent " + id
		}
		m.ok(m.a.DeactivateAgent(id))
		m.inactive[id] = true
		return "deactivate agent " + id
	case n < 27 || len(m.frameworks) == 0:
		return m.addFramework()
	case n < 30:
		id := m.pick(sortedKeys(m.frameworks))
		m.ok(m.a.RemoveFramework(id))
		delete(m.frameworks, id)
		for _, byFw := range m.held {
			delete(byFw, id)
		}
		m.dropFilters(id, nil)
		return "remove framework " + id
	case n < 35:
		id := m.pick(sortedKeys(m.frameworks))
		fw := m.frameworks[id]
		if fw.active {
			m.ok(m.a.DeactivateFramework(id))
			m.dropFilters(id, nil)
		} else {
			m.ok(m.a.ActivateFramework(id))
		}
		fw.active = !fw.active
		return fmt.Sprintf("set framework %s active=%v", id, fw.active)
	case n < 42:
		id := m.pick(sortedKeys(m.frameworks))
		fw := m.frameworks[id]
		roles := m.subset(fw.roles)
		all := roles
		if len(roles) == 0 {
			all = fw.roles
		}
		if m.rng.IntN(2) == 0 {
			m.ok(m.a.Suppress(id, roles))
			for _, r := range all {
				if !slices.Contains(fw.suppressed, r) {
					fw.suppressed = append(fw.suppressed, r)
				}
			}
			return fmt.Sprintf("suppress %s %v", id, roles)
		}
		m.ok(m.a.Revive(id, roles))
		fw.suppressed = slices.DeleteFunc(fw.suppressed, func(r string) bool { return slices.Contains(all, r) })
		m.dropFilters(id, all)
		return fmt.Sprintf("revive %s %v", id, roles)
	case n < 46:
		id := m.pick(sortedKeys(m.frameworks))
		fw := m.frameworks[id]
		roles := m.subset(modelRoles)
		suppressed := m.subset(roles)
		m.ok(m.a.UpdateFramework(id, roles, suppressed))
		var dropped []string
		for _, r := range fw.roles {
			if !slices.Contains(roles, r) || (slices.Contains(fw.suppressed, r) && !slices.Contains(suppressed, r)) {
				dropped = append(dropped, r)
			}
		}
		m.dropFilters(id, dropped)
		fw.roles, fw.suppressed = roles, suppressed
		return fmt.Sprintf("update framework %s roles=%v suppressed=%v", id, roles, suppressed)
	case n < 47:
		role := m.pick(modelRoles)
		w := float64(1 + m.rng.IntN(4))
		m.ok(m.a.SetWeights(map[string]float64{role: w}))
		return fmt.Sprintf("weight %s=%v", role, w)
	case n < 49:
		role := m.pick(modelRoles)
		var q Quota
		switch m.rng.IntN(4) {
		case 0: // back to the default
		case 1:
			q.Guarantees = Quantities{"cpus": resources.Milli(500 * (1 + m.rng.IntN(4))), "mem": resources.Milli(256_000 * m.rng.IntN(3))}
		case 2:
			q.Limits = Quantities{"cpus": resources.Milli(1000 * m.rng.IntN(5))}
		default:
			g := resources.Milli(500 * m.rng.IntN(4))
			q.Guarantees = Quantities{"cpus": g}
			q.Limits = Quantities{"cpus": g + resources.Milli(1000*m.rng.IntN(3)), "mem": 1_024_000}
		}
		m.ok(m.a.SetQuota(role, q))
		return fmt.Sprintf("quota %s=%+v", role, q)
	case n < 55:
		m.now = m.now.Add(time.Duration(m.rng.IntN(8000)) * time.Millisecond)
		return "advance to " + m.now.Format(time.StampMilli)
	case n < 72:
		return m.allocate()
	case n < 75:
		return m.reserve()
	default:
		return m.recover()
	}
}

func (m *model) addAgent() string {
	m.next++
	id := fmt.Sprintf("agent-%d", m.next)
	total, err := resources.Parse(m.pick(agentShapes), "")
	if err != nil {
		m.t.Fatal(err)
	}
	// Sometimes the agent re-registers with tasks, of a framework the
	// allocator knows or of one that has not re-subscribed yet.
	var used map[string]resources.Resources
	if m.rng.IntN(4) == 0 {
		fw := fmt.Sprintf("ghost-%d", m.next)
		if len(m.frameworks) > 0 && m.rng.IntN(2) == 0 {
			fw = m.pick(sortedKeys(m.frameworks))
		}
		role := m.pick(modelRoles)
		if part := total.AllocatableTo(role).Scalars(); !part.IsEmpty() {
			used = map[string]resources.Resources{fw: half(part).AllocateTo(role)}
		}
	}
	m.ok(m.a.AddAgent(id, total, used))
	m.agents[id] = total
	m.held[id] = map[string]resources.Resources{}
	for fw, rs := range used {
		m.held[id][fw] = rs
	}
	return fmt.Sprintf("add agent %s %v used=%v", id, total, used)
}

func (m *model) addFramework() string {
	// Half the time a ghost that an agent reported comes back.
	id := ""
	for _, byFw := range m.held {
		for fw := range byFw {
			if _, known := m.frameworks[fw]; !known && m.rng.IntN(2) == 0 {
				id = fw
			}
		}
	}
	if id == "" {
		m.next++
		id = fmt.Sprintf("fw-%d", m.next)
	}
	roles := m.subset(modelRoles)
	fw := &modelFramework{roles: roles, suppressed: m.subset(roles), active: m.rng.IntN(5) > 0}
	m.ok(m.a.AddFramework(id, fw.roles, fw.suppressed, nil, fw.active))
	m.frameworks[id] = fw
	return fmt.Sprintf("add framework %s %+v", id, *fw)
}

func (m *model) dropFilters(fw string, roles []string) {
	m.filters = slices.DeleteFunc(m.filters, func(f modelFilter) bool {
		return f.fw == fw && (roles == nil || slices.Contains(roles, f.role))
	})
}

func (m *model) allocate() string {
	// Consumption before the cycle, to check that offers never take a
	// role past a limit.
	before := map[string]Quantities{}
	for role := range m.a.Quotas() {
		before[role] = m.a.Consumed(role)
	}
	deficitBefore := m.headroomDeficit()
	offers := m.a.Allocate(m.now)
	defer m.checkNothingLeftBehind()
	defer m.checkHeadroom(deficitBefore)
	defer m.checkLimits(before)
	seen := map[[2]string]bool{}
	for _, o := range offers {
		key := [2]string{o.FrameworkID, o.AgentID}
		if seen[key] {
			m.t.Errorf("two offers to %s on %s", o.FrameworkID, o.AgentID)
		}
		seen[key] = true
		fw := m.frameworks[o.FrameworkID]
		total, agentKnown := m.agents[o.AgentID]
		switch {
		case fw == nil:
			m.t.Errorf("offer to unknown framework %s", o.FrameworkID)
			continue
		case !fw.active:
			m.t.Errorf("offer to inactive framework %s", o.FrameworkID)
		case !agentKnown || m.inactive[o.AgentID]:
			m.t.Errorf("offer on unknown or deactivated agent %s", o.AgentID)
			continue
		}
		free := m.free(o.AgentID, total)
		for role, rs := range o.Resources {
			if !slices.Contains(fw.roles, role) || slices.Contains(fw.suppressed, role) {
				m.t.Errorf("offer to %s in role %s; roles %v, suppressed %v", o.FrameworkID, role, fw.roles, fw.suppressed)
			}
			for r := range rs.All() {
				if r.AllocationRole != role || !r.IsAllocatableTo(role) {
					m.t.Errorf("offer to %s in role %s holds %v", o.FrameworkID, role, r)
				}
			}
			plain := rs.Unallocate()
			if !free.Contains(plain) {
				m.t.Errorf("offered %v on %s but only %v is free (double allocation)", plain, o.AgentID, free)
			}
			free = free.Subtract(plain)
			for _, f := range m.filters {
				if f.fw == o.FrameworkID && f.role == role && f.agent == o.AgentID &&
					m.now.Before(f.expires) && f.refused.Contains(plain) {
					m.t.Errorf("offered %v to %s in %s on %s despite a refuse filter for %v until %v",
						plain, f.fw, role, f.agent, f.refused, f.expires)
				}
			}
			m.held[o.AgentID][o.FrameworkID] = m.held[o.AgentID][o.FrameworkID].Add(rs)
		}
	}
	return fmt.Sprintf("allocate: %d offers", len(offers))
}

// checkLimits checks that the last cycle took no role beyond a quota limit
// (consumption may have been above a limit already, when the limit was
// lowered below it: then it must not have grown).
func (m *model) checkLimits(before map[string]Quantities) {
	for role, q := range m.a.Quotas() {
		after := m.a.Consumed(role)
		for name, limit := range q.Limits {
			if after[name] > max(limit, before[role][name]) {
				m.t.Errorf("role %s consumes %s:%v after the cycle, limit %v, before %v",
					role, name, after[name], limit, before[role][name])
			}
		}
	}
}

// headroomDeficit is, per scalar, the model's free unreserved
// non-revocable amount in the cluster minus what the unmet guarantees of the
// topmost guaranteed roles still need (Mesos's available minus required
// headroom). Consumption is computed as Mesos defines it, from the model:
// every reservation in a role's subtree plus what frameworks the allocator
// knows hold unreserved there.
func (m *model) headroomDeficit() map[string]resources.Milli {
	consumed := map[string]map[string]resources.Milli{}
	add := func(role, name string, v resources.Milli) {
		for _, r := range append([]string{role}, resources.RoleAncestors(role)...) {
			if consumed[r] == nil {
				consumed[r] = map[string]resources.Milli{}
			}
			consumed[r][name] += v
		}
	}
	out := map[string]resources.Milli{}
	for agent, total := range m.agents {
		for r := range total.All() {
			if r.Kind == resources.KindScalar && !r.IsUnreserved() {
				add(r.ReservationRole(), r.Name, r.Scalar)
			}
		}
		for r := range m.free(agent, total).All() {
			if r.Kind == resources.KindScalar && r.IsUnreserved() && !r.Revocable {
				out[r.Name] += r.Scalar
			}
		}
		for fw, held := range m.held[agent] {
			if m.frameworks[fw] == nil {
				continue
			}
			for r := range held.All() {
				if r.Kind == resources.KindScalar && r.IsUnreserved() && r.AllocationRole != "" {
					add(r.AllocationRole, r.Name, r.Scalar)
				}
			}
		}
	}
	quotas := m.a.Quotas()
	for role, q := range quotas {
		if len(q.Guarantees) == 0 {
			continue
		}
		topmost := true
		for _, anc := range resources.RoleAncestors(role) {
			if len(quotas[anc].Guarantees) > 0 {
				topmost = false
			}
		}
		if !topmost {
			continue
		}
		for name, g := range q.Guarantees {
			if unmet := g - consumed[role][name]; unmet > 0 {
				out[name] -= unmet
			}
		}
	}
	return out
}

// checkHeadroom checks that the cycle did not widen the gap between the
// free unreserved resources and what unmet guarantees need: allocations
// beyond guarantees come only out of the surplus, and an allocation
// towards a guarantee lowers the need as much as the free amount.
func (m *model) checkHeadroom(before map[string]resources.Milli) {
	after := m.headroomDeficit()
	for name, b := range before {
		if a := after[name]; a < min(0, b) {
			m.t.Errorf("quota headroom of %s: free minus unmet guarantees went from %v to %v", name, b, a)
		}
	}
}

// checkNothingLeftBehind checks that incremental cycles miss nothing: after
// a cycle, no eligible framework could be offered anything on an agent
// the allocator will not look at again anyway. (Agents where quota held
// resources back are looked at again when consumption moves.)
func (m *model) checkNothingLeftBehind() {
	a := m.a
	cq := a.startQuotaCycle()
	for _, ag := range a.agentList {
		if !ag.active || ag.dirty || a.allDirty {
			continue
		}
		if _, held := a.quotaHeld[ag]; held {
			continue
		}
		for _, fw := range a.frameworks {
			for _, fr := range fw.roles {
				if fr.eligible() && a.reason(fr, ag, m.now, &cq) == ReasonAvailable {
					m.t.Errorf("after the cycle %s in %s could take %v on %s", fw.id, fr.role.name,
						ag.free.AllocatableTo(fr.role.name), ag.id)
				}
			}
		}
	}
}

func (m *model) recover() string {
	type holding struct{ agent, fw string }
	var hs []holding
	for _, agent := range sortedKeys(m.held) {
		for _, fw := range sortedKeys(m.held[agent]) {
			hs = append(hs, holding{agent, fw})
		}
	}
	if len(hs) == 0 {
		return "recover: nothing held"
	}
	h := hs[m.rng.IntN(len(hs))]
	held := m.held[h.agent][h.fw]
	var rs resources.Resources
	switch m.rng.IntN(4) {
	case 0:
		rs = held
	case 1:
		rs = held.AllocatedTo(m.pick(sortedKeys(held.Allocations())))
	case 2:
		rs = held.Scalars()
	default:
		rs = half(held)
	}
	refuse := []time.Duration{0, 0, time.Second, 5 * time.Second, time.Minute, -1}[m.rng.IntN(6)]
	m.ok(m.a.Recover(h.fw, h.agent, rs, refuse, m.now))
	if rest := held.Subtract(rs); rest.IsEmpty() {
		delete(m.held[h.agent], h.fw)
	} else {
		m.held[h.agent][h.fw] = rest
	}
	if fw := m.frameworks[h.fw]; fw != nil && refuse != 0 {
		if refuse < 0 {
			refuse = DefaultRefuse
		}
		for role, part := range rs.Allocations() {
			if slices.Contains(fw.roles, role) {
				m.filters = append(m.filters, modelFilter{h.fw, role, h.agent, part.Unallocate(), m.now.Add(refuse)})
			}
		}
	}
	return fmt.Sprintf("recover %v from %s on %s, refuse %v", rs, h.fw, h.agent, refuse)
}

// reserve converts part of what a framework holds into a dynamic
// reservation for its allocation role (RESERVE), or unreserves dynamically
// reserved resources that are free on an agent (UNRESERVE_RESOURCES).
func (m *model) reserve() string {
	if m.rng.IntN(2) == 0 {
		for _, agent := range sortedKeys(m.agents) {
			total := m.agents[agent]
			free := m.free(agent, total)
			dyn := free.Filter(func(r resources.Resource) bool { return r.IsDynamicallyReserved() })
			if dyn.IsEmpty() {
				continue
			}
			plain, err := dyn.PopReservation()
			m.ok(err)
			m.ok(m.a.UpdateAvailable(agent, dyn, plain))
			m.agents[agent] = total.Subtract(dyn).Add(plain)
			return fmt.Sprintf("unreserve %v on %s", dyn, agent)
		}
		return "unreserve: nothing dynamically reserved is free"
	}
	for _, agent := range sortedKeys(m.held) {
		for _, fw := range sortedKeys(m.held[agent]) {
			held := m.held[agent][fw]
			for role, part := range held.Allocations() {
				if role == "*" {
					continue
				}
				from := half(part.Unreserved().Scalars())
				if from.IsEmpty() {
					continue
				}
				to, err := from.Unallocate().PushReservation(resources.DynamicReservation(role, "p"))
				m.ok(err)
				to = to.AllocateTo(role)
				m.ok(m.a.UpdateAllocation(fw, agent, from, to))
				m.held[agent][fw] = held.Subtract(from).Add(to)
				m.agents[agent] = m.agents[agent].Subtract(from.Unallocate()).Add(to.Unallocate())
				return fmt.Sprintf("reserve %v for %s on %s", to, fw, agent)
			}
		}
	}
	return "reserve: nothing to reserve"
}

// half keeps half of every scalar (rounded down to whole thousandths) and
// every other resource whole.
func half(rs resources.Resources) resources.Resources {
	var out []resources.Resource
	for r := range rs.All() {
		if r.Kind == resources.KindScalar {
			r.Scalar /= 2
		}
		out = append(out, r)
	}
	return resources.Must(out...)
}

// free is the model's view of what is free on an agent.
func (m *model) free(agent string, total resources.Resources) resources.Resources {
	free := total
	for _, rs := range m.held[agent] {
		free = free.Subtract(rs.Unallocate())
	}
	return free
}

func (m *model) check(op string) {
	t := m.t
	a := m.a
	// Holdings and free resources agree with the model.
	for agent, total := range m.agents {
		var sum resources.Resources
		for fw, rs := range m.held[agent] {
			sum = sum.Add(rs.Unallocate())
			if got := a.Allocation(fw)[agent]; !got.Equal(rs) {
				t.Errorf("%s holds %v on %s, model says %v", fw, got, agent, rs)
			}
		}
		if !total.Contains(sum) {
			t.Errorf("agent %s: held %v exceeds total %v", agent, sum, total)
		}
		free, _ := a.Free(agent)
		if !free.Add(sum).Equal(total) {
			t.Errorf("agent %s: free %v + held %v != total %v", agent, free, sum, total)
		}
	}
	for fw := range a.held {
		for agent := range a.held[fw] {
			if _, ok := m.held[agent][fw]; !ok {
				t.Errorf("allocator has %s holding on %s; model has nothing", fw, agent)
			}
		}
	}
	m.checkBookkeeping()
}

// checkBookkeeping recomputes the DRF state from the agents' holdings and
// compares it with the incrementally kept one.
func (m *model) checkBookkeeping() {
	t := m.t
	a := m.a
	a.resort()
	wantRole := map[string]map[string]resources.Milli{}
	wantFw := map[[2]string]map[string]resources.Milli{}
	for _, ag := range a.agents {
		for fw, rs := range ag.allocated {
			if a.frameworks[fw] == nil {
				continue
			}
			for r := range rs.All() {
				if r.Kind != resources.KindScalar || r.AllocationRole == "" {
					continue
				}
				if wantRole[r.AllocationRole] == nil {
					wantRole[r.AllocationRole] = map[string]resources.Milli{}
				}
				wantRole[r.AllocationRole][r.Name] += r.Scalar
				k := [2]string{fw, r.AllocationRole}
				if wantFw[k] == nil {
					wantFw[k] = map[string]resources.Milli{}
				}
				wantFw[k][r.Name] += r.Scalar
			}
		}
	}
	asMap := func(c *client) map[string]resources.Milli {
		out := map[string]resources.Milli{}
		for name, i := range a.scalars.ids {
			if i < len(c.alloc) && c.alloc[i] != 0 {
				out[name] = c.alloc[i]
			}
		}
		return out
	}
	equal := func(x, y map[string]resources.Milli) bool {
		if len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if y[k] != v {
				return false
			}
		}
		return true
	}
	wantReserved := map[string]map[string]resources.Milli{}
	wantHeadroom := map[string]resources.Milli{}
	for _, ag := range a.agents {
		for r := range ag.total.All() {
			if r.Kind == resources.KindScalar && !r.IsUnreserved() {
				role := r.ReservationRole()
				for _, x := range append([]string{role}, resources.RoleAncestors(role)...) {
					if wantReserved[x] == nil {
						wantReserved[x] = map[string]resources.Milli{}
					}
					wantReserved[x][r.Name] += r.Scalar
				}
			}
		}
		for r := range ag.free.All() {
			if r.Kind == resources.KindScalar && r.IsUnreserved() && !r.Revocable {
				wantHeadroom[r.Name] += r.Scalar
			}
		}
	}
	milliMap := func(ms []resources.Milli) map[string]resources.Milli {
		return asMap(&client{alloc: ms})
	}
	if got := milliMap(a.headroomFree); !equal(got, wantHeadroom) {
		t.Errorf("free headroom %v, recomputed %v", got, wantHeadroom)
	}
	for name, n := range a.nodes {
		leaf := n.leaf
		if got := asMap(&leaf.client); !equal(got, wantRole[name]) {
			t.Errorf("role %s own allocation %v, recomputed %v", name, got, wantRole[name])
		}
		subtree := map[string]resources.Milli{}
		for role, q := range wantRole {
			if role == name || resources.IsStrictSubroleOf(role, name) {
				for k, v := range q {
					subtree[k] += v
				}
			}
		}
		if got := asMap(&n.client); !equal(got, subtree) {
			t.Errorf("role %s subtree allocation %v, recomputed %v", name, got, subtree)
		}
		if got := milliMap(n.reserved); !equal(got, wantReserved[name]) {
			t.Errorf("role %s reservations %v, recomputed %v", name, got, wantReserved[name])
		}
		for _, c := range []*role{n, leaf} {
			if want := a.scalars.share(&c.client); c.share != want {
				t.Errorf("role %s (leaf=%v) share %v, recomputed %v", name, c.isLeaf(), c.share, want)
			}
		}
		wantParent := a.root
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			wantParent = a.nodes[name[:i]]
		}
		if n.parent != wantParent || wantParent == nil || wantParent.children[name] != n {
			t.Errorf("role %s is not its parent's child", name)
		}
		if len(leaf.members) == 0 && len(n.children) == 0 && n.isZero() && isZeroMilli(n.reserved) && n.quota == nil {
			t.Errorf("role %s kept with nothing in it", name)
		}
		for id, fr := range leaf.members {
			if a.frameworks[id] == nil || a.frameworks[id].roles[name] != fr {
				t.Errorf("role %s has stale member %s", name, id)
			}
			if !fr.subscribed && fr.isZero() {
				t.Errorf("framework %s kept in role %s it neither subscribes to nor holds anything in", id, name)
			}
			for ag := range fr.filterAgents {
				if _, ok := ag.filters[fr]; !ok || a.agents[ag.id] != ag {
					t.Errorf("framework %s in %s lists a filter on %s that is gone", id, name, ag.id)
				}
			}
			if got := asMap(&fr.client); !equal(got, wantFw[[2]string{id, name}]) {
				t.Errorf("framework %s in %s allocation %v, recomputed %v", id, name, got, wantFw[[2]string{id, name}])
			}
			if want := a.scalars.share(&fr.client); fr.share != want {
				t.Errorf("framework %s in %s share %v, recomputed %v", id, name, fr.share, want)
			}
			if in := fr.pos >= 0; in != fr.eligible() {
				t.Errorf("framework %s in %s: in order = %v, eligible = %v", id, name, in, fr.eligible())
			}
		}
		checkOrder(t, "role "+name, leaf.order.items)
		checkOrder(t, "kids of "+name, n.kids.items)
		if in := leaf.pos >= 0; in != (len(leaf.order.items) > 0) {
			t.Errorf("role %s: leaf in kids = %v with %d eligible frameworks", name, in, len(leaf.order.items))
		}
		if in := n.pos >= 0; in != (len(n.kids.items) > 0) {
			t.Errorf("role %s: in parent's kids = %v with %d eligible kids", name, in, len(n.kids.items))
		}
	}
	for k := range wantRole {
		if a.nodes[k] == nil {
			t.Errorf("role %s holds resources but is not tracked", k)
		}
	}
	checkOrder(t, "roles", a.root.kids.items)
	for _, ag := range a.agents {
		for fr, fs := range ag.filters {
			if _, ok := fr.filterAgents[ag]; !ok || len(fs) == 0 || !fr.subscribed || a.frameworks[fr.fw.id] != fr.fw {
				t.Errorf("agent %s holds a stale filter of %s in %s", ag.id, fr.fw.id, fr.role.name)
			}
		}
	}
	for id, fw := range a.frameworks {
		mf := m.frameworks[id]
		if fw.active != mf.active {
			t.Errorf("framework %s active = %v, model %v", id, fw.active, mf.active)
		}
		for name, fr := range fw.roles {
			if fr.subscribed != slices.Contains(mf.roles, name) || fr.suppressed != slices.Contains(mf.suppressed, name) {
				t.Errorf("framework %s role %s subscribed=%v suppressed=%v, model %+v", id, name, fr.subscribed, fr.suppressed, *mf)
			}
		}
	}
}

func checkOrder[T member](t *testing.T, what string, items []T) {
	t.Helper()
	for i, x := range items {
		if x.cl().pos != i {
			t.Errorf("%s: %s at %d has pos %d", what, x.cl().name, i, x.cl().pos)
		}
		if i > 0 && !items[i-1].cl().less(x.cl()) {
			t.Errorf("%s: %s not before %s", what, items[i-1].cl().name, x.cl().name)
		}
	}
}

// TestRandomDRFRunsFillProgressively checks DRF's fairness itself on random
// workloads (the invariant tests above check its bookkeeping): frameworks,
// each in a role of its own with a random weight, launch tasks of random
// <cpus, mem> demands from the offers of one agent and decline with a long
// filter what cannot fit a task. Progressive filling must hold: whenever a
// framework was granted a task, every framework that could still have run
// one had a weighted dominant share at least as large, so in the end no
// framework that was able to grow sits below the share another had before
// its last task. Shares are computed by the test from the tasks, not read
// from the allocator.
func TestRandomDRFRunsFillProgressively(t *testing.T) {
	for seed := range 50 {
		rng := rand.New(rand.NewPCG(uint64(seed), 3))
		c := newCluster(t, Options{Rand: rand.New(rand.NewPCG(uint64(seed), 5))})
		c.agent("agent", "cpus:24;mem:49152")
		n := 2 + rng.IntN(4)
		demand := map[string]resources.Resources{}
		weights := map[string]float64{}
		for i := range n {
			id, role := fmt.Sprintf("fw%d", i), fmt.Sprintf("r%d", i)
			c.framework(id, role)
			weights[role] = float64(1 + rng.IntN(3))
			demand[id] = res(t, fmt.Sprintf("cpus:%g;mem:%d", 0.5*float64(1+rng.IntN(8)), 256*(1+rng.IntN(16))))
		}
		c.ok(c.SetWeights(weights))
		roleOf := func(fw string) string { return "r" + strings.TrimPrefix(fw, "fw") }
		// Weighted dominant shares computed here, from the tasks each
		// framework runs, independently of the allocator's own.
		tasks := map[string]int{}
		share := func(fw string) float64 {
			d := demand[fw]
			n := float64(tasks[fw])
			return max(n*d.Cpus().Float64()/24, n*d.Mem().Float64()/49152) / weights[roleOf(fw)]
		}
		type grant struct {
			shareBefore float64
			couldGrow   []string // frameworks that could have run a task then
		}
		last := map[string]grant{}
		now := t0
		for range 500 {
			offers := c.Allocate(now)
			if len(offers) == 0 {
				break
			}
			for _, o := range offers {
				role := roleOf(o.FrameworkID)
				rs := o.Resources[role]
				want := demand[o.FrameworkID].AllocateTo(role)
				if !rs.Contains(want) {
					c.ok(c.Recover(o.FrameworkID, o.AgentID, rs, time.Hour, now))
					continue
				}
				free := rs.Unallocate()
				g := grant{shareBefore: share(o.FrameworkID)}
				for fw, d := range demand {
					if fw != o.FrameworkID && free.Contains(d) {
						g.couldGrow = append(g.couldGrow, fw)
					}
				}
				last[o.FrameworkID] = g
				tasks[o.FrameworkID]++
				c.ok(c.Recover(o.FrameworkID, o.AgentID, rs.Subtract(want), 0, now))
			}
			now = now.Add(time.Second)
		}
		for j, g := range last {
			for _, i := range g.couldGrow {
				if share(i) < g.shareBefore-1e-9 {
					t.Errorf("seed %d: %s (demand %v, weight %v) ended at weighted share %.4f, below the %.4f %s (demand %v, weight %v) had before its last task",
						seed, i, demand[i], weights[roleOf(i)], share(i), g.shareBefore, j, demand[j], weights[roleOf(j)])
				}
			}
		}
		if len(last) == 0 {
			t.Errorf("seed %d: no task launched", seed)
		}
	}
}
