package allocator

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"agora/resources"
)

// Quantities is an amount of each resource name with every other identity
// stripped (no reservation, allocation or disk): "cpus:0.01;mem:32". It is
// Mesos's ResourceQuantities, used here for the minimum allocatable
// resources.
//
// A scalar resource counts its value; a ranges or set resource counts its
// elements, so "ports:10" asks for at least ten ports (Mesos's
// Resources::contains(ResourceQuantities)).
type Quantities map[string]resources.Milli

// DefaultMinAllocatable is Mesos's --min_allocatable_resources default,
// "cpus:0.01|mem:32": an agent's free resources are offered only if they hold
// at least 0.01 cpus or at least 32 MB of memory.
func DefaultMinAllocatable() []Quantities {
	return []Quantities{
		{"cpus": resources.ToMilli(0.01)},
		{"mem": resources.ToMilli(32)},
	}
}

// ParseQuantities parses "name:value;name:value" (Mesos's
// ResourceQuantities::fromString). Values are non-negative scalars; zero
// amounts are dropped; a name given twice adds up.
func ParseQuantities(text string) (Quantities, error) {
	q := Quantities{}
	for token := range strings.SplitSeq(text, ";") {
		if strings.TrimSpace(token) == "" {
			continue
		}
		name, value, ok := strings.Cut(token, ":")
		name = strings.TrimSpace(name)
		value = strings.TrimSpace(value)
		if !ok || name == "" || strings.Contains(value, ":") {
			return nil, fmt.Errorf("%w: %q is not name:value", ErrInvalidQuantities, token)
		}
		x, err := strconv.ParseFloat(value, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%w: %q: the amount must be a number, such as cpus:0.5", ErrInvalidQuantities, token)
		}
		if x < 0 {
			return nil, fmt.Errorf("%w: %q: the amount must not be negative", ErrInvalidQuantities, token)
		}
		if m := resources.ToMilli(x); m > 0 {
			q[name] += m
		}
	}
	return q, nil
}

// ParseMinAllocatable parses the --min_allocatable_resources flag: one or
// more Quantities separated by "|", any one of which makes resources worth
// offering ("cpus:0.01|mem:32", "disk:50|cpus:1;mem:32").
func ParseMinAllocatable(text string) ([]Quantities, error) {
	var out []Quantities
	for alt := range strings.SplitSeq(text, "|") {
		if strings.TrimSpace(alt) == "" {
			continue
		}
		q, err := ParseQuantities(alt)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	if out == nil {
		out = []Quantities{}
	}
	return out, nil
}

// String prints the quantities sorted by name, in the form ParseQuantities
// reads.
// Add adds the scalar quantities of rs to q (ranges and sets carry none).
func (q Quantities) Add(rs resources.Resources) {
	for r := range rs.All() {
		if r.Kind == resources.KindScalar {
			q[r.Name] += r.Scalar
		}
	}
}

func (q Quantities) String() string {
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	slices.Sort(names)
	var b strings.Builder
	for i, name := range names {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(q[name].String())
	}
	return b.String()
}

// quantity is one name and amount of a Quantities, flattened for the hot
// path.
type quantity struct {
	name   string
	amount resources.Milli
}

// minimum is the compiled --min_allocatable_resources: resources are
// allocatable if they are not empty and, when alternatives are configured,
// contain at least one of them.
type minimum [][]quantity

func compileMinimum(alts []Quantities) minimum {
	out := make(minimum, 0, len(alts))
	for _, q := range alts {
		var flat []quantity
		for name, amount := range q {
			if amount > 0 {
				flat = append(flat, quantity{name, amount})
			}
		}
		slices.SortFunc(flat, func(a, b quantity) int { return strings.Compare(a.name, b.name) })
		out = append(out, flat)
	}
	return out
}

// allows reports whether rs is worth offering (Mesos's
// HierarchicalAllocatorProcess::allocatable).
func (m minimum) allows(rs resources.Resources) bool {
	if rs.IsEmpty() {
		return false
	}
	if len(m) == 0 {
		return true
	}
	for _, alt := range m {
		ok := true
		for _, q := range alt {
			if amountOf(rs, q.name) < q.amount {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// amountOf counts name in rs the way Mesos counts ResourceQuantities: the
// scalar value, or the number of range or set elements (in thousandths, to
// compare with Milli amounts).
func amountOf(rs resources.Resources, name string) resources.Milli {
	var sum resources.Milli
	for r := range rs.All() {
		if r.Name != name {
			continue
		}
		switch r.Kind {
		case resources.KindScalar:
			sum += r.Scalar
		case resources.KindRanges:
			for _, rg := range r.Ranges {
				sum = saturatingAdd(sum, rg.Len())
			}
		case resources.KindSet:
			sum = saturatingAdd(sum, uint64(len(r.Set)))
		}
	}
	return sum
}

func saturatingAdd(sum resources.Milli, elements uint64) resources.Milli {
	const most = math.MaxInt64 / 1000
	if elements > most || int64(sum) > math.MaxInt64-int64(elements)*1000 {
		return math.MaxInt64
	}
	return sum + resources.Milli(elements*1000)
}
