package master

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"time"

	mesospb "agora/api/mesos/v1"
	masterpb "agora/api/mesos/v1/master"
	quotapb "agora/api/mesos/v1/quota"
	"agora/master/allocator"
	"agora/master/registry"
	"agora/resources"
	"agora/wire"
)

// This file is the operator's side of the allocator: role weights, quota and
// the views of roles (GET_ROLES, GET_WEIGHTS, UPDATE_WEIGHTS, GET_QUOTA,
// UPDATE_QUOTA, /roles, /weights), with the registry that keeps weights and
// quota across master restarts. Behaviour and messages follow Mesos's
// weights_handler.cpp, quota_handler.cpp, quota.cpp and readonly_handler.cpp.

// openRegistry returns the configured store: Config.Registry, or a file in
// <work_dir>/master, or memory when there is no work directory.
func openRegistry(cfg Config) (registry.Store, error) {
	switch {
	case cfg.Registry != nil:
		return cfg.Registry, nil
	case cfg.WorkDir != "":
		return registry.OpenFile(filepath.Join(cfg.WorkDir, "master", "registry.json"))
	default:
		return &registry.Memory{}, nil
	}
}

// recoverRegistry applies the stored weights and quota to the allocator.
// Stored weights win over --weights, as in Mesos, where the flag only seeds
// roles the registry does not know.
func (m *Master) recoverRegistry() error {
	st, err := m.registry.Load()
	if err != nil {
		return err
	}
	if st.Weights == nil {
		st.Weights = map[string]float64{}
	}
	if st.Quota == nil {
		st.Quota = map[string]registry.Quota{}
	}
	if st.Agents == nil {
		st.Agents = map[string]registry.AgentResources{}
	}
	if err := m.alloc.SetWeights(st.Weights); err != nil {
		return fmt.Errorf("master: stored weights: %w", err)
	}
	for role, q := range st.Quota {
		if err := m.alloc.SetQuota(role, quotaFromRegistry(q)); err != nil {
			return fmt.Errorf("master: stored quota: %w", err)
		}
	}
	m.state = st
	if len(st.Weights) > 0 || len(st.Quota) > 0 {
		m.log.Info("recovered weights and quota from the registry", "weights", len(st.Weights), "quota", len(st.Quota))
	}
	return nil
}

// saveRegistry writes next as the registry's state and adopts it. On
// failure nothing changes and the operator gets a 500: an acknowledged
// change is always on disk.
func (m *Master) saveRegistry(next registry.State) error {
	if err := m.registry.Save(next); err != nil {
		m.log.Error("registry write failed", "error", err)
		return httpErrorf(http.StatusInternalServerError, "Failed to update the registry: %v", err)
	}
	m.state = next
	return nil
}

func quotaFromRegistry(q registry.Quota) allocator.Quota {
	conv := func(in map[string]float64) allocator.Quantities {
		if len(in) == 0 {
			return nil
		}
		out := allocator.Quantities{}
		for name, v := range in {
			out[name] = resources.ToMilli(v)
		}
		return out
	}
	return allocator.Quota{Guarantees: conv(q.Guarantees), Limits: conv(q.Limits)}
}

// weight is a role's weight as the master reports it.
func (m *Master) weight(role string) float64 { return m.alloc.Weight(role) }

// ---- weights ----

// weightInfos lists the roles with a configured weight, sorted.
func (m *Master) weightInfos() []*mesospb.WeightInfo {
	var out []*mesospb.WeightInfo
	for _, role := range sortedKeys(m.configuredWeights()) {
		out = append(out, &mesospb.WeightInfo{Role: ptr(role), Weight: ptr(m.weight(role))})
	}
	return out
}

// configuredWeights are the --weights flag's and the registry's.
func (m *Master) configuredWeights() map[string]float64 {
	out := map[string]float64{}
	for role, w := range m.cfg.Weights {
		out[role] = w
	}
	for role, w := range m.state.Weights {
		out[role] = w
	}
	return out
}

// updateWeights validates, stores and applies weights (UPDATE_WEIGHTS and
// PUT /weights). Outstanding offers are rescinded when a role with
// frameworks changed weight, so the new weights apply at once.
func (m *Master) updateWeights(infos []*mesospb.WeightInfo) error {
	weights := map[string]float64{}
	for _, info := range infos {
		role := strings.TrimSpace(info.GetRole())
		if err := resources.ValidateRole(role); err != nil {
			return httpErrorf(http.StatusBadRequest, "Failed to validate update weights request JSON: Invalid role '%s': %v", role, err)
		}
		w := info.GetWeight()
		if !(w > 0) || math.IsInf(w, 0) {
			return httpErrorf(http.StatusBadRequest, "Failed to validate update weights request JSON for role '%s': Invalid weight '%v': Weights must be positive", role, w)
		}
		weights[role] = w
	}
	next := m.state.Clone()
	if next.Weights == nil {
		next.Weights = map[string]float64{}
	}
	for role, w := range weights {
		next.Weights[role] = w
	}
	if err := m.saveRegistry(next); err != nil {
		return err
	}
	m.logAllocErr(m.alloc.SetWeights(weights))
	m.log.Info("weights updated", "weights", weights)
	rescind := false
	for role := range weights {
		for _, fw := range m.frameworks {
			for _, r := range fw.roles {
				if r == role {
					rescind = true
				}
			}
		}
	}
	if rescind {
		m.rescindAllOffers()
	}
	return nil
}

func (m *Master) rescindAllOffers() {
	now := time.Now()
	for _, o := range m.offers {
		m.rescindOffer(o, now)
	}
}

// serveWeights is Mesos's /weights endpoint: GET lists the configured
// weights as a JSON array of WeightInfo, PUT takes such an array.
func (m *Master) serveWeights(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		var infos []*mesospb.WeightInfo
		if err := m.do(r.Context(), func() { infos = m.weightInfos() }); err != nil {
			writeError(w, err)
			return
		}
		writeWeightInfos(w, infos)
	case http.MethodPut:
		body, err := io.ReadAll(io.LimitReader(r.Body, maxCallBytes))
		if err != nil {
			writeError(w, httpErrorf(http.StatusBadRequest, "Failed to read request body: %v", err))
			return
		}
		var raw []json.RawMessage
		if err := json.Unmarshal(body, &raw); err != nil {
			writeError(w, httpErrorf(http.StatusBadRequest, "Failed to parse update weights request JSON '%s': %v", body, err))
			return
		}
		infos := make([]*mesospb.WeightInfo, len(raw))
		for i, item := range raw {
			infos[i] = &mesospb.WeightInfo{}
			if err := wire.UnmarshalJSON(item, infos[i]); err != nil {
				writeError(w, httpErrorf(http.StatusBadRequest, "Failed to convert weights JSON array to protobuf '%s': %v", body, err))
				return
			}
		}
		var callErr error
		if err := m.do(r.Context(), func() { callErr = m.updateWeights(infos) }); err != nil {
			writeError(w, err)
			return
		}
		if callErr != nil {
			writeError(w, callErr)
			return
		}
		w.WriteHeader(http.StatusOK)
	default:
		w.Header().Set("Allow", "GET, PUT")
		writeError(w, httpErrorf(http.StatusMethodNotAllowed, "Expecting one of { 'GET', 'PUT' }, but received '%s'", r.Method))
	}
}

// writeWeightInfos answers a JSON array of WeightInfo in Mesos's JSON.
func writeWeightInfos(w http.ResponseWriter, infos []*mesospb.WeightInfo) {
	parts := make([]string, 0, len(infos))
	for _, info := range infos {
		b, err := wire.MarshalJSON(info)
		if err != nil {
			writeError(w, httpErrorf(http.StatusInternalServerError, "encode response: %v", err))
			return
		}
		parts = append(parts, string(b))
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, "["+strings.Join(parts, ",")+"]")
}

// ---- quota ----

// maxQuotaMem and maxQuotaOther are the largest quota values Mesos accepts
// (quota.cpp): 1 exabyte in megabytes for mem and disk, a trillion else.
const (
	maxQuotaMem   = 1024 * 1024 * 1024 * 1024
	maxQuotaOther = 1000 * 1000 * 1000 * 1000
)

// validateQuotaConfig is Mesos's quota::validate(QuotaConfig) plus the
// nested-role check of UPDATE_QUOTA.
func validateQuotaConfig(c *quotapb.QuotaConfig) error {
	if c.Role == nil {
		return fmt.Errorf("'QuotaConfig.role' must be set")
	}
	if err := resources.ValidateRole(c.GetRole()); err != nil {
		return fmt.Errorf("Invalid 'QuotaConfig.role': %v", err)
	}
	for what, m := range map[string]map[string]*mesospb.Value_Scalar{"guarantees": c.GetGuarantees(), "limits": c.GetLimits()} {
		for _, name := range sortedKeys(m) {
			v := m[name].GetValue()
			if (name == "mem" || name == "disk") && v > maxQuotaMem {
				return fmt.Errorf("Invalid 'QuotaConfig.%s': {'%s': %v} is invalid: values greater than 1 exabyte (%d) are not supported", what, name, v, int64(maxQuotaMem))
			}
			if name != "mem" && name != "disk" && v > maxQuotaOther {
				return fmt.Errorf("Invalid 'QuotaConfig.%s': {'%s': %v} is invalid: values greater than 1 trillion (%d) are not supported", what, name, v, int64(maxQuotaOther))
			}
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				singular := strings.TrimSuffix(what, "s")
				return fmt.Errorf("Invalid %s configuration {'%s': %v}: the value must be a finite non-negative number", singular, name, v)
			}
		}
	}
	for name, g := range c.GetGuarantees() {
		if l, ok := c.GetLimits()[name]; ok && resources.ToMilli(g.GetValue()) > resources.ToMilli(l.GetValue()) {
			return fmt.Errorf("'QuotaConfig.guarantees' %s is not contained within the 'QuotaConfig.limits' %s",
				scalarMapString(c.GetGuarantees()), scalarMapString(c.GetLimits()))
		}
	}
	return nil
}

func scalarMapString(m map[string]*mesospb.Value_Scalar) string {
	parts := make([]string, 0, len(m))
	for _, name := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s:%v", name, m[name].GetValue()))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func quantitiesOf(m map[string]*mesospb.Value_Scalar) map[string]float64 {
	if len(m) == 0 {
		return nil
	}
	out := map[string]float64{}
	for name, v := range m {
		out[name] = resources.ToMilli(v.GetValue()).Float64()
	}
	return out
}

// updateQuota is UPDATE_QUOTA: all configs or none. Following Mesos: a
// nested role is refused (400), every config is validated, a limit below
// what the role consumes needs force, the guarantees of a role must cover
// its children's, and all guarantees must fit in the cluster unless forced.
// Offers are then rescinded where a role is over its new limit.
func (m *Master) updateQuota(u *masterpb.Call_UpdateQuota) error {
	for _, c := range u.GetQuotaConfigs() {
		if strings.Contains(c.GetRole(), "/") {
			return httpErrorf(http.StatusBadRequest, "Updating quota on nested role '%s' is not supported yet", c.GetRole())
		}
		if err := validateQuotaConfig(c); err != nil {
			return httpErrorf(http.StatusBadRequest, "Invalid QuotaConfig: %v", err)
		}
	}
	next := m.state.Clone()
	if next.Quota == nil {
		next.Quota = map[string]registry.Quota{}
	}
	for _, c := range u.GetQuotaConfigs() {
		role := c.GetRole()
		limits := quantitiesOf(c.GetLimits())
		consumed := m.roleBreakdown(role).consumed
		for name, l := range limits {
			if consumed[name] > resources.ToMilli(l) {
				if !u.GetForce() {
					return httpErrorf(http.StatusBadRequest,
						"Invalid QuotaConfig: Role '%s' is already consuming '%s'; this is more than the requested limits '%s' (use 'force' flag to bypass this check)",
						role, consumed, scalarMapString(c.GetLimits()))
				}
				m.log.Info("quota limit below current consumption; forced", "role", role)
			}
		}
		q := registry.Quota{Guarantees: quantitiesOf(c.GetGuarantees()), Limits: limits}
		if len(q.Guarantees) == 0 && len(q.Limits) == 0 {
			delete(next.Quota, role)
		} else {
			next.Quota[role] = q
		}
	}
	// Hierarchy: a role's guarantees contain the sum of its children's.
	for parent, pq := range next.Quota {
		sum := map[string]float64{}
		for child, cq := range next.Quota {
			if resources.IsStrictSubroleOf(child, parent) && !strings.Contains(child[len(parent)+1:], "/") {
				for name, v := range cq.Guarantees {
					sum[name] += v
				}
			}
		}
		for name, v := range sum {
			if pq.Guarantees[name] < v {
				return httpErrorf(http.StatusBadRequest, "Invalid QuotaConfig: Invalid quota configuration. Parent role '%s' with guarantees (%v) does not contain the sum of its children's guarantees (%v)", parent, pq.Guarantees, sum)
			}
		}
	}
	// Overcommit: total top-level guarantees against the cluster.
	total := map[string]float64{}
	for role, q := range next.Quota {
		if !strings.Contains(role, "/") {
			for name, v := range q.Guarantees {
				total[name] += v
			}
		}
	}
	capacity := allocator.Quantities{}
	for _, a := range m.agents {
		capacity.Add(a.total.NonRevocable())
	}
	for _, name := range sortedKeys(total) {
		if resources.ToMilli(total[name]) > capacity[name] {
			if !u.GetForce() {
				return httpErrorf(http.StatusBadRequest,
					"Invalid QuotaConfig: total quota guarantees '%s' exceed cluster capacity '%s' (use 'force' flag to bypass this check)",
					floatQuantities(total), capacity)
			}
			m.log.Info("quota guarantees exceed cluster capacity; forced")
			break
		}
	}
	if err := m.saveRegistry(next); err != nil {
		return err
	}
	for _, c := range u.GetQuotaConfigs() {
		m.logAllocErr(m.alloc.SetQuota(c.GetRole(), quotaFromRegistry(next.Quota[c.GetRole()])))
		m.log.Info("quota updated", "role", c.GetRole(), "guarantees", next.Quota[c.GetRole()].Guarantees, "limits", next.Quota[c.GetRole()].Limits)
		m.rescindOverLimit(c.GetRole(), next.Quota[c.GetRole()].Limits)
		m.rescindForGuarantee(c.GetRole(), next.Quota[c.GetRole()].Guarantees)
	}
	m.allocPending = true
	return nil
}

func floatQuantities(q map[string]float64) allocator.Quantities {
	out := allocator.Quantities{}
	for name, v := range q {
		out[name] = resources.ToMilli(v)
	}
	return out
}

// rescindOverLimit rescinds offers to a role's subtree until what it
// consumes plus what it is offered fits its limits (best effort, as Mesos).
func (m *Master) rescindOverLimit(role string, limits map[string]float64) {
	if len(limits) == 0 {
		return
	}
	b := m.roleBreakdown(role)
	used := allocator.Quantities{}
	for name, v := range b.consumed {
		used[name] += v
	}
	for name, v := range b.offered {
		used[name] += v
	}
	over := func() bool {
		for name, l := range limits {
			if used[name] > resources.ToMilli(l) {
				return true
			}
		}
		return false
	}
	now := time.Now()
	for _, id := range sortedKeys(m.offers) {
		if !over() {
			return
		}
		o := m.offers[id]
		for r, rs := range o.byRole {
			if r == role || resources.IsStrictSubroleOf(r, role) {
				for x := range rs.Scalars().All() {
					used[x.Name] -= x.Scalar
				}
			}
		}
		m.rescindOffer(o, now)
	}
}

// rescindForGuarantee rescinds offers to other roles until what they held
// plus what the role consumes and is offered covers its guarantees, so
// that the next allocation can meet them (best effort, as Mesos: it
// assumes nothing else is free).
func (m *Master) rescindForGuarantee(role string, guarantees map[string]float64) {
	if len(guarantees) == 0 {
		return
	}
	b := m.roleBreakdown(role)
	have := allocator.Quantities{}
	for name, v := range b.consumed {
		have[name] += v
	}
	for name, v := range b.offered {
		have[name] += v
	}
	short := func() bool {
		for name, g := range guarantees {
			if have[name] < resources.ToMilli(g) {
				return true
			}
		}
		return false
	}
	now := time.Now()
	for _, id := range sortedKeys(m.offers) {
		if !short() {
			return
		}
		o := m.offers[id]
		mine := false
		for r := range o.byRole {
			if r == role || resources.IsStrictSubroleOf(r, role) {
				mine = true
			}
		}
		if mine {
			continue
		}
		for _, rs := range o.byRole {
			have.Add(rs.Unreserved())
		}
		m.rescindOffer(o, now)
	}
}

// getQuota is GET_QUOTA: every configured quota, with the deprecated infos
// (guarantees as resources) filled for old clients.
func (m *Master) getQuota() *quotapb.QuotaStatus {
	st := &quotapb.QuotaStatus{}
	for _, role := range sortedKeys(m.state.Quota) {
		q := m.state.Quota[role]
		cfg := &quotapb.QuotaConfig{Role: ptr(role)}
		if len(q.Guarantees) > 0 {
			cfg.Guarantees = map[string]*mesospb.Value_Scalar{}
			info := &quotapb.QuotaInfo{Role: ptr(role)}
			for _, name := range sortedKeys(q.Guarantees) {
				cfg.Guarantees[name] = &mesospb.Value_Scalar{Value: ptr(q.Guarantees[name])}
				info.Guarantee = append(info.Guarantee, &mesospb.Resource{
					Name:   ptr(name),
					Type:   mesospb.Value_SCALAR.Enum(),
					Scalar: &mesospb.Value_Scalar{Value: ptr(q.Guarantees[name])},
				})
			}
			st.Infos = append(st.Infos, info)
		}
		if len(q.Limits) > 0 {
			cfg.Limits = map[string]*mesospb.Value_Scalar{}
			for name, v := range q.Limits {
				cfg.Limits[name] = &mesospb.Value_Scalar{Value: ptr(v)}
			}
		}
		st.Configs = append(st.Configs, cfg)
	}
	return st
}

// ---- roles ----

// breakdown is Mesos's RoleResourceBreakdown: scalar quantities of a role
// and its subroles.
type breakdown struct {
	allocated, offered, reserved, consumed allocator.Quantities
}

// roleBreakdowns computes, for every role in one pass over tasks,
// executors, offers and agents, what the role and its subroles use (tasks
// and executors), are offered and have reserved, and what they consume of
// quota: used resources plus unused reservations (Mesos's
// RoleResourceBreakdown, which walks the cluster once per role).
func (m *Master) roleBreakdowns() map[string]*breakdown {
	out := map[string]*breakdown{}
	usedReserved := map[string]allocator.Quantities{}
	get := func(role string) *breakdown {
		b := out[role]
		if b == nil {
			b = &breakdown{allocated: allocator.Quantities{}, offered: allocator.Quantities{}, reserved: allocator.Quantities{}, consumed: allocator.Quantities{}}
			out[role] = b
		}
		return b
	}
	// each calls f for role and every ancestor.
	each := func(role string, f func(string)) {
		f(role)
		for _, anc := range resources.RoleAncestors(role) {
			f(anc)
		}
	}
	used := func(rs resources.Resources) {
		for r := range rs.All() {
			if r.Kind != resources.KindScalar {
				continue
			}
			if r.AllocationRole != "" {
				each(r.AllocationRole, func(x string) { get(x).allocated[r.Name] += r.Scalar })
			}
			if !r.IsUnreserved() {
				each(r.ReservationRole(), func(x string) {
					if usedReserved[x] == nil {
						usedReserved[x] = allocator.Quantities{}
					}
					usedReserved[x][r.Name] += r.Scalar
				})
			}
		}
	}
	for _, fw := range m.frameworks {
		for _, t := range fw.tasks {
			if !t.recovered {
				used(t.resources)
			}
		}
		for _, byID := range fw.executors {
			for _, e := range byID {
				used(e.resources)
			}
		}
	}
	for _, o := range m.offers {
		for role, rs := range o.byRole {
			for r := range rs.Scalars().All() {
				each(role, func(x string) { get(x).offered[r.Name] += r.Scalar })
			}
		}
	}
	for _, a := range m.agents {
		for r := range a.total.Reserved().Scalars().All() {
			each(r.ReservationRole(), func(x string) { get(x).reserved[r.Name] += r.Scalar })
		}
	}
	for role, b := range out {
		for name, v := range b.allocated {
			b.consumed[name] += v
		}
		for name, v := range b.reserved {
			if left := v - usedReserved[role][name]; left > 0 {
				b.consumed[name] += left
			}
		}
	}
	return out
}

func breakdownOf(all map[string]*breakdown, role string) breakdown {
	if b := all[role]; b != nil {
		return *b
	}
	return breakdown{allocated: allocator.Quantities{}, offered: allocator.Quantities{}, reserved: allocator.Quantities{}, consumed: allocator.Quantities{}}
}

// roleBreakdown is one role's breakdown (empty for an unknown role).
func (m *Master) roleBreakdown(role string) breakdown {
	return breakdownOf(m.roleBreakdowns(), role)
}

// knownRoles are the roles Mesos lists: with frameworks or allocations,
// reservations, weights or quota, and all their ancestors.
func (m *Master) knownRoles() []string {
	set := map[string]bool{}
	add := func(role string) {
		if role == "" {
			return
		}
		set[role] = true
		for _, anc := range resources.RoleAncestors(role) {
			set[anc] = true
		}
	}
	for _, fw := range m.frameworks {
		for _, r := range fw.roles {
			add(r)
		}
	}
	for _, info := range m.alloc.Roles() {
		add(info.Name)
	}
	for _, a := range m.agents {
		for role := range a.total.Reservations() {
			add(role)
		}
	}
	for role := range m.configuredWeights() {
		add(role)
	}
	for role := range m.state.Quota {
		add(role)
	}
	return sortedKeys(set)
}

// frameworksIn lists the frameworks subscribed to exactly role.
func (m *Master) frameworksIn(role string) []string {
	var out []string
	for id, fw := range m.frameworks {
		for _, r := range fw.roles {
			if r == role {
				out = append(out, id)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// getRoles is GET_ROLES in Mesos 1.11's shape: name, weight, frameworks and
// the allocated plus offered cpus, mem, disk and gpus as resources.
func (m *Master) getRoles() *masterpb.Response_GetRoles {
	out := &masterpb.Response_GetRoles{}
	all := m.roleBreakdowns()
	for _, role := range m.knownRoles() {
		b := breakdownOf(all, role)
		pb := &mesospb.Role{Name: ptr(role), Weight: ptr(m.weight(role))}
		for _, name := range []string{"cpus", "mem", "disk", "gpus"} {
			if v := b.allocated[name] + b.offered[name]; v > 0 {
				pb.Resources = append(pb.Resources, &mesospb.Resource{
					Name:   ptr(name),
					Type:   mesospb.Value_SCALAR.Enum(),
					Scalar: &mesospb.Value_Scalar{Value: ptr(v.Float64())},
				})
			}
		}
		for _, id := range m.frameworksIn(role) {
			pb.Frameworks = append(pb.Frameworks, &mesospb.FrameworkID{Value: ptr(id)})
		}
		out.Roles = append(out.Roles, pb)
	}
	return out
}

// rolesJSON is the /roles endpoint: per role its weight, quota (guarantee,
// limit, consumed), allocated, offered and reserved quantities and
// frameworks, as Mesos's readonly_handler writes it.
func (m *Master) rolesJSON() map[string]any {
	var roles []map[string]any
	all := m.roleBreakdowns()
	for _, role := range m.knownRoles() {
		b := breakdownOf(all, role)
		q := m.state.Quota[role]
		resourcesTotal := allocator.Quantities{}
		for name, v := range b.allocated {
			resourcesTotal[name] += v
		}
		for name, v := range b.offered {
			resourcesTotal[name] += v
		}
		fws := m.frameworksIn(role)
		if fws == nil {
			fws = []string{}
		}
		roles = append(roles, map[string]any{
			"name":   role,
			"weight": m.weight(role),
			"quota": map[string]any{
				"role":      role,
				"guarantee": nonNil(q.Guarantees),
				"limit":     nonNil(q.Limits),
				"consumed":  jsonQuantities(b.consumed),
			},
			"resources":  jsonQuantities(resourcesTotal),
			"allocated":  jsonQuantities(b.allocated),
			"offered":    jsonQuantities(b.offered),
			"reserved":   jsonQuantities(b.reserved),
			"frameworks": fws,
		})
	}
	if roles == nil {
		roles = []map[string]any{}
	}
	return map[string]any{"roles": roles}
}

func nonNil(m map[string]float64) map[string]float64 {
	if m == nil {
		return map[string]float64{}
	}
	return m
}

func jsonQuantities(q allocator.Quantities) map[string]float64 {
	out := map[string]float64{}
	for name, v := range q {
		if v != 0 {
			out[name] = v.Float64()
		}
	}
	return out
}

// serveRoles is GET /roles (and /master/roles).
func (m *Master) serveRoles(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		writeError(w, httpErrorf(http.StatusMethodNotAllowed, "Expecting 'GET', received '%s'", r.Method))
		return
	}
	var doc map[string]any
	if err := m.do(r.Context(), func() { doc = m.rolesJSON() }); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, doc)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
