package master

import (
	"net/http"
	"time"

	"agora/master/allocator"
)

// This file is GET /allocator/explain, agora's own endpoint (Mesos has none)
// that tells an operator why a framework is or is not offered resources:
//
//	GET /allocator/explain?framework=<id>               counts of reasons over all agents
//	GET /allocator/explain?framework=<id>&agent=<id>    one agent, role by role
//
// The answers come from the allocator's Explain and ExplainAgent at the
// time of the request; docs/architecture.md (The master) describes them.

// reasonHelp says in a sentence what each allocator reason means for the
// operator.
var reasonHelp = map[allocator.Reason]string{
	allocator.ReasonAvailable: "resources are free for the role and nothing stops an offer: the next allocation " +
		"offers them to this framework or to one with a lower dominant share",
	allocator.ReasonNothingFree: "nothing allocatable to the role is free on the agent: it is all offered or in use, " +
		"or reserved to other roles",
	allocator.ReasonFiltered: "the framework declined these resources with a refuse filter that has not expired " +
		"(REVIVE clears it)",
	allocator.ReasonBelowMinAllocatable: "what is free for the role is less than every --min_allocatable_resources alternative",
	allocator.ReasonQuota: "the role's quota limit, or headroom kept for other roles' unmet guarantees, " +
		"leaves too little to offer",
	allocator.ReasonSuppressed: "the framework suppressed offers for the role (SUPPRESS; REVIVE ends it)",
	allocator.ReasonInactive:   "the framework is disconnected; it is offered nothing until its scheduler subscribes again",
}

// explainQuery is the parsed query of /allocator/explain.
type explainQuery struct {
	framework, agent string
}

// parseExplainQuery accepts exactly framework (required) and agent
// (optional), each at most once and non-empty.
func parseExplainQuery(r *http.Request) (explainQuery, error) {
	var q explainQuery
	values := r.URL.Query()
	for key, vs := range values {
		if key != "framework" && key != "agent" {
			return q, httpErrorf(http.StatusBadRequest, "Unknown query parameter '%s'; expecting 'framework' and optionally 'agent'", key)
		}
		if len(vs) != 1 {
			return q, httpErrorf(http.StatusBadRequest, "Query parameter '%s' given %d times; expecting it once", key, len(vs))
		}
		if vs[0] == "" {
			return q, httpErrorf(http.StatusBadRequest, "Query parameter '%s' is empty", key)
		}
	}
	q.framework, q.agent = values.Get("framework"), values.Get("agent")
	if q.framework == "" {
		return q, httpErrorf(http.StatusBadRequest, "Missing 'framework' query parameter: /allocator/explain?framework=<id>[&agent=<id>]")
	}
	return q, nil
}

func (m *Master) serveExplain(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET")
		writeError(w, httpErrorf(http.StatusMethodNotAllowed, "Expecting 'GET', received '%s'", r.Method))
		return
	}
	q, err := parseExplainQuery(r)
	if err != nil {
		writeError(w, err)
		return
	}
	var doc map[string]any
	var problem error
	err = m.do(r.Context(), func() { doc, problem = m.explain(q, time.Now()) })
	if err == nil {
		err = problem
	}
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, doc)
}

// explain builds the answer on the master's goroutine.
func (m *Master) explain(q explainQuery, now time.Time) (map[string]any, error) {
	if q.agent == "" {
		out, ok := m.alloc.Explain(q.framework, now)
		if !ok {
			return nil, httpErrorf(http.StatusNotFound, "Framework '%s' is not known to the allocator", q.framework)
		}
		reasons := map[string]int{}
		help := map[string]string{}
		for r, n := range out.Reasons {
			reasons[r.String()] = n
			help[r.String()] = reasonHelp[r]
		}
		return map[string]any{
			"framework_id":  q.framework,
			"active_agents": out.Agents,
			"reasons":       reasons,
			"meaning":       help,
			"summary":       out.String(),
		}, nil
	}
	e, ok := m.alloc.ExplainAgent(q.framework, q.agent, now)
	if !ok {
		if _, known := m.alloc.Explain(q.framework, now); !known {
			return nil, httpErrorf(http.StatusNotFound, "Framework '%s' is not known to the allocator", q.framework)
		}
		return nil, httpErrorf(http.StatusNotFound, "Agent '%s' is not known to the allocator", q.agent)
	}
	roles := make([]map[string]any, 0, len(e.Roles))
	for _, r := range e.Roles {
		entry := map[string]any{
			"role":      r.Role,
			"reason":    r.Reason.String(),
			"meaning":   reasonHelp[r.Reason],
			"offerable": r.Reason == allocator.ReasonAvailable && e.AgentActive,
			"free":      r.Free.String(),
			"held":      r.Held.Unallocate().String(),
			"filtered":  r.Filtered.String(),
		}
		if !r.FilteredUntil.IsZero() {
			entry["filtered_until"] = r.FilteredUntil.UTC().Format(time.RFC3339Nano)
		}
		roles = append(roles, entry)
	}
	var offers []string
	if fw := m.frameworks[q.framework]; fw != nil {
		for _, id := range sortedKeys(fw.offers) {
			if fw.offers[id].agentID == q.agent {
				offers = append(offers, id)
			}
		}
	}
	doc := map[string]any{
		"framework_id":       q.framework,
		"agent_id":           q.agent,
		"framework_active":   e.FrameworkActive,
		"agent_active":       e.AgentActive,
		"outstanding_offers": nonNilStrings(offers),
		"roles":              roles,
	}
	if !e.AgentActive {
		doc["agent_meaning"] = "the agent is deactivated (unreachable): nothing on it is offered until it comes back"
	}
	return doc, nil
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
