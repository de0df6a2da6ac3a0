package placement

import (
	"strings"

	"agora/constraints"
)

// Kind is the class of a reason an offer could not take an instance. The
// kinds are declared in the order offers are checked, which is also the
// order of Marathon's offer-matching funnel (NoOfferMatchReason): an offer is
// counted under the first kind that refuses it.
type Kind uint8

const (
	// KindRole: the offer holds no resource of a role the app accepts
	// (Marathon's UnfulfilledRole).
	KindRole Kind = iota + 1
	// KindConstraint: a placement constraint refuses the offer's agent
	// (UnfulfilledConstraint). Reason.Constraint says which.
	KindConstraint
	KindCPUs  // InsufficientCpus
	KindMem   // InsufficientMemory
	KindDisk  // InsufficientDisk
	KindGPUs  // InsufficientGpus
	KindPorts // InsufficientPorts: too few ports, or a required port not offered
)

// String is the short name used in reason keys: "role", "constraint",
// "cpus", "mem", "disk", "gpus", "ports".
func (k Kind) String() string {
	switch k {
	case KindRole:
		return "role"
	case KindConstraint:
		return "constraint"
	case KindCPUs:
		return "cpus"
	case KindMem:
		return "mem"
	case KindDisk:
		return "disk"
	case KindGPUs:
		return "gpus"
	case KindPorts:
		return "ports"
	}
	return "unknown"
}

// Marathon is the kind's name in Marathon's processedOffersSummary.
func (k Kind) Marathon() string {
	switch k {
	case KindRole:
		return "UnfulfilledRole"
	case KindConstraint:
		return "UnfulfilledConstraint"
	case KindCPUs:
		return "InsufficientCpus"
	case KindMem:
		return "InsufficientMemory"
	case KindDisk:
		return "InsufficientDisk"
	case KindGPUs:
		return "InsufficientGpus"
	case KindPorts:
		return "InsufficientPorts"
	}
	return ""
}

// Reason is why one offer could not take an instance.
type Reason struct {
	Kind Kind
	// Constraint is the refusing constraint in Marathon's colon form,
	// "hostname:UNIQUE" or "rack:GROUP_BY:3", when Kind is KindConstraint.
	Constraint string
}

// String is the reason's key: the constraint's colon form for a
// constraint, else the kind's short name ("cpus").
func (r Reason) String() string {
	if r.Kind == KindConstraint {
		return r.Constraint
	}
	return r.Kind.String()
}

// ConstraintKey writes c in Marathon's colon form, field:OPERATOR[:value],
// the form Marathon's UI and the `why` command show.
func ConstraintKey(c constraints.Constraint) string {
	var b strings.Builder
	b.WriteString(c.Field)
	b.WriteByte(':')
	b.WriteString(c.Operator.String())
	if c.HasValue {
		b.WriteByte(':')
		b.WriteString(c.Value)
	}
	return b.String()
}

// ReasonCount is how many offers one reason refused.
type ReasonCount struct {
	Reason
	Offers int
	// Example is one refusal in words, from the first offer counted, e.g.
	// "hostname host-3 already runs an instance (UNIQUE)" or
	// "offer has 0.5 cpus, an instance needs 1".
	Example string
}

// Rejections says why offers did not take instances of an app: how many
// offers were processed, and for each offer that could not take (one more)
// instance, the first reason in the fixed order role, each constraint in the
// app's order, cpus, mem, disk, gpus, ports. Place counts reasons only when
// it leaves instances waiting (then every offer has one); when it placed all
// it was asked for, Counts is empty. The engine sums them over recent rounds
// for /v2/queue and `agora app why`.
type Rejections struct {
	// Processed is the number of offers looked at for the app.
	Processed int
	// Counts holds the reasons that refused at least one offer, ordered by
	// Kind and, among constraints, by first appearance.
	Counts []ReasonCount
	// HeldByReplaced counts the offers among those a constraint refused
	// that wait only for instances being replaced (Request.Staying): with
	// those gone, every constraint would accept the offer and it has the
	// resources.
	HeldByReplaced int
}

// Declined is the number of offers counted under some reason.
func (r Rejections) Declined() int {
	n := 0
	for _, c := range r.Counts {
		n += c.Offers
	}
	return n
}

// Count returns how many offers the reason with key refused: a kind's
// short name ("cpus", "role") or a constraint's colon form
// ("hostname:UNIQUE"). For "constraint" it sums all constraints.
func (r Rejections) Count(key string) int {
	n := 0
	for _, c := range r.Counts {
		if c.String() == key || (key == "constraint" && c.Kind == KindConstraint) {
			n += c.Offers
		}
	}
	return n
}

// Add merges other into r.
func (r *Rejections) Add(other Rejections) {
	r.Processed += other.Processed
	r.HeldByReplaced += other.HeldByReplaced
	for _, c := range other.Counts {
		r.add(c.Reason, c.Offers, c.Example)
	}
}

func (r *Rejections) add(reason Reason, offers int, example string) {
	for i := range r.Counts {
		if r.Counts[i].Reason == reason {
			r.Counts[i].Offers += offers
			if r.Counts[i].Example == "" {
				r.Counts[i].Example = example
			}
			return
		}
	}
	// Keep kinds in funnel order; a new constraint goes after the known ones.
	at := len(r.Counts)
	for i := range r.Counts {
		if r.Counts[i].Kind > reason.Kind {
			at = i
			break
		}
	}
	r.Counts = append(r.Counts, ReasonCount{})
	copy(r.Counts[at+1:], r.Counts[at:])
	r.Counts[at] = ReasonCount{Reason: reason, Offers: offers, Example: example}
}

// FunnelStep is one line of Marathon's rejectSummaryLastOffers: of the
// offers that reached this step, how many were declined for this reason.
type FunnelStep struct {
	Reason    string // Marathon's name, e.g. "InsufficientCpus"
	Declined  int
	Processed int
}

// marathonFunnel is Marathon's NoOfferMatchReason.reasonFunnel, in order.
// agora has no maintenance, resident-task reservations or GPU scheduling
// restrictions, so those steps always decline nothing.
var marathonFunnel = []string{
	"UnfulfilledRole", "UnfulfilledConstraint", "NoCorrespondingReservationFound",
	"AgentMaintenance", "InsufficientCpus", "InsufficientMemory", "InsufficientDisk",
	"InsufficientGpus", "InsufficientPorts", "DeclinedScarceResources",
}

// Funnel returns the rejections as Marathon 1.4+'s rejectSummaryLastOffers:
// every step of its funnel in order, each processing what the steps before
// it did not decline.
func (r Rejections) Funnel() []FunnelStep {
	declined := make(map[string]int, len(r.Counts))
	for _, c := range r.Counts {
		declined[c.Kind.Marathon()] += c.Offers
	}
	out := make([]FunnelStep, len(marathonFunnel))
	left := r.Processed
	for i, name := range marathonFunnel {
		out[i] = FunnelStep{Reason: name, Declined: declined[name], Processed: left}
		left -= declined[name]
	}
	return out
}
