package master

import (
	"sort"
	"strconv"
	"time"

	mesospb "agora/api/mesos/v1"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/resources"
)

// maxRefuse is the longest refuse filter Mesos honours (365 days).
const maxRefuse = 365 * 24 * time.Hour

// allocate runs one allocation round and sends the resulting offers, one
// OFFERS event per framework. The allocator counts offered resources as
// allocated until they are recovered, so nothing is offered twice.
func (m *Master) allocate(now time.Time) {
	grants := m.alloc.Allocate(now)
	if len(grants) == 0 {
		return
	}
	byFramework := map[*framework][]*mesospb.Offer{}
	for _, g := range grants {
		fw := m.frameworks[g.FrameworkID]
		a := m.agents[g.AgentID]
		// Roles in a stable order so offer ids are assigned predictably.
		roles := make([]string, 0, len(g.Resources))
		for role := range g.Resources {
			roles = append(roles, role)
		}
		sort.Strings(roles)
		for _, role := range roles {
			rs := g.Resources[role]
			if fw == nil || a == nil || !fw.connected() || !a.reachable() {
				m.logAllocErr(m.alloc.Recover(g.FrameworkID, g.AgentID, rs, 0, now))
				continue
			}
			o, err := m.newOffer(fw, a, role, rs, now)
			if err != nil {
				// A resource the framework's format cannot express (a refined
				// reservation for a framework without RESERVATION_REFINEMENT):
				// give it back with a long filter instead of offering it.
				m.log.Warn("cannot offer resources in the framework's format",
					"framework", fw.id, "agent", a.id, "error", err)
				m.logAllocErr(m.alloc.Recover(fw.id, a.id, rs, time.Hour, now))
				continue
			}
			byFramework[fw] = append(byFramework[fw], o)
		}
	}
	for fw, offers := range byFramework {
		m.sendToFramework(fw, &schedulerpb.Event{
			Type:   schedulerpb.Event_OFFERS.Enum(),
			Offers: &schedulerpb.Event_Offers{Offers: offers},
		})
	}
}

// newOffer records an offer of rs (allocated to role) on agent a and returns
// the message the framework sees, in the resource format its capabilities
// call for.
func (m *Master) newOffer(fw *framework, a *agent, role string, rs resources.Resources, now time.Time) (*mesospb.Offer, error) {
	wireRes, err := rs.ToProto(resources.FormatFor(fw.caps.multiRole, fw.caps.reservationRefinement))
	if err != nil {
		return nil, err
	}
	m.nextOfferID++
	id := m.info.GetId() + "-O" + strconv.FormatUint(m.nextOfferID, 10)
	pb := &mesospb.Offer{
		Id:          &mesospb.OfferID{Value: ptr(id)},
		FrameworkId: fw.info.GetId(),
		AgentId:     a.info.GetId(),
		Hostname:    a.info.Hostname,
		Url:         agentURL(a),
		Domain:      a.info.GetDomain(),
		Resources:   wireRes,
		Attributes:  a.info.GetAttributes(),
	}
	if fw.caps.multiRole {
		pb.AllocationInfo = &mesospb.Resource_AllocationInfo{Role: ptr(role)}
	}
	for execID := range fw.executors[a.id] {
		pb.ExecutorIds = append(pb.ExecutorIds, &mesospb.ExecutorID{Value: ptr(execID)})
	}
	sort.Slice(pb.ExecutorIds, func(i, j int) bool { return pb.ExecutorIds[i].GetValue() < pb.ExecutorIds[j].GetValue() })
	o := &offer{
		pb:          pb,
		frameworkID: fw.id,
		agentID:     a.id,
		byRole:      map[string]resources.Resources{role: rs},
		created:     now,
	}
	m.offers[id] = o
	fw.offers[id] = o
	return pb, nil
}

// agentURL is the Offer.url Mesos sends: the agent's HTTP address.
func agentURL(a *agent) *mesospb.URL {
	host, port := splitHostPort(a.endpoint)
	return &mesospb.URL{
		Scheme:  ptr("http"),
		Address: &mesospb.Address{Hostname: a.info.Hostname, Ip: ptr(host), Port: ptr(int32(port))},
		Path:    ptr("/slave(1)"),
	}
}

// takeOffer removes an outstanding offer from the books without giving its
// resources back; the caller decides what happens to them.
func (m *Master) takeOffer(o *offer) {
	delete(m.offers, o.id())
	if fw := m.frameworks[o.frameworkID]; fw != nil {
		delete(fw.offers, o.id())
	}
}

// recoverOffer removes an offer and gives its resources back to the
// allocator, with a refuse filter of refuse (0: none).
func (m *Master) recoverOffer(o *offer, refuse time.Duration, now time.Time) {
	m.takeOffer(o)
	for _, rs := range o.byRole {
		m.logAllocErr(m.alloc.Recover(o.frameworkID, o.agentID, rs, refuse, now))
	}
	m.allocPending = true
}

// rescindOffer withdraws an offer: RESCIND to its framework, resources back.
func (m *Master) rescindOffer(o *offer, now time.Time) {
	if fw := m.frameworks[o.frameworkID]; fw != nil {
		m.sendToFramework(fw, &schedulerpb.Event{
			Type:    schedulerpb.Event_RESCIND.Enum(),
			Rescind: &schedulerpb.Event_Rescind{OfferId: o.pb.GetId()},
		})
	}
	m.recoverOffer(o, 0, now)
}

// removeOffersOf withdraws all of fw's offers; with rescind the framework is
// told (RESCIND), otherwise it is gone or about to be told otherwise.
func (m *Master) removeOffersOf(fw *framework, rescind bool) {
	now := time.Now()
	for _, o := range fw.offers {
		if rescind {
			m.rescindOffer(o, now)
		} else {
			m.recoverOffer(o, 0, now)
		}
	}
}

// rescindOffersOn withdraws every offer of agent a.
func (m *Master) rescindOffersOn(a *agent, now time.Time) {
	for _, o := range m.offers {
		if o.agentID == a.id {
			m.rescindOffer(o, now)
		}
	}
}

// expireOffers rescinds offers older than --offer_timeout.
func (m *Master) expireOffers(now time.Time) {
	if m.cfg.OfferTimeout <= 0 {
		return
	}
	for _, o := range m.offers {
		if now.Sub(o.created) >= m.cfg.OfferTimeout {
			m.rescindOffer(o, now)
		}
	}
}

// decline is DECLINE: the offers' resources go back with a refuse filter
// (Filters.refuse_seconds, 5 s by default, at most 365 days). Unknown offer
// ids are ignored, as in Mesos: the offer may have been rescinded meanwhile.
func (m *Master) decline(fw *framework, ids []*mesospb.OfferID, filters *mesospb.Filters) {
	refuse := refuseDuration(filters)
	now := time.Now()
	for _, id := range ids {
		o := fw.offers[id.GetValue()]
		if o == nil {
			m.log.Debug("ignoring decline of an unknown offer", "framework", fw.id, "offer", id.GetValue())
			continue
		}
		m.recoverOffer(o, refuse, now)
	}
}

// refuseDuration reads Filters.refuse_seconds with Mesos's default (5 s) and
// bounds (negative or non-finite → default, above 365 days → 365 days).
func refuseDuration(f *mesospb.Filters) time.Duration {
	secs := f.GetRefuseSeconds() // 5 when unset, from the proto default
	if secs != secs || secs < 0 {
		secs = 5
	}
	d := time.Duration(secs * float64(time.Second))
	if secs > maxRefuse.Seconds() || d > maxRefuse {
		d = maxRefuse
	}
	return d
}
