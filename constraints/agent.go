package constraints

import (
	"strconv"
	"strings"
)

// Agent is what the checks read of an agent: its hostname, fault domain and
// attributes.
//
// Attribute values are already formatted as strings the way Mesos and Marathon
// print them, which the resources package does: text as is, scalars like
// "0.###" (0.80 is "0.8"), ranges "[b-e,...]" sorted, sets "{a,b}" sorted.
// Constraints compare those strings and nothing else.
type Agent struct {
	ID       string
	Hostname string
	Region   string // fault domain region; "" when the agent has none
	Zone     string // fault domain zone; "" when the agent has none
	// Attributes maps an attribute name to its formatted value. An attribute
	// that is present with an empty value is still present.
	Attributes map[string]string
}

// fieldKind says where on an agent a constraint's field is read.
type fieldKind uint8

const (
	attributeField fieldKind = iota
	hostnameField
	regionField
	zoneField
)

// fieldKey names a field the same way however it was written: "hostname" and
// "@hostname" are one key, and an attribute literally named "@zone" cannot be
// confused with the fault domain zone.
type fieldKey struct {
	kind fieldKind
	name string // attribute name; empty for the pseudo-fields
}

// resolveField maps a constraint field to what it reads, as Marathon's
// Constraints.readerForField does.
func resolveField(field string) fieldKey {
	switch field {
	case "hostname", "@hostname":
		return fieldKey{kind: hostnameField}
	case "@region":
		return fieldKey{kind: regionField}
	case "@zone":
		return fieldKey{kind: zoneField}
	}
	return fieldKey{kind: attributeField, name: field}
}

// value returns the agent's value for the field and whether it has one. An
// empty hostname, region or zone counts as absent: Mesos agents always have a
// hostname, and only agents configured with a fault domain have a region.
func (k fieldKey) value(a *Agent) (string, bool) {
	switch k.kind {
	case hostnameField:
		return a.Hostname, a.Hostname != ""
	case regionField:
		return a.Region, a.Region != ""
	case zoneField:
		return a.Zone, a.Zone != ""
	}
	v, ok := a.Attributes[k.name]
	return v, ok
}

// label is how a reason names the field: "hostname", "zone", "rack".
func (k fieldKey) label() string {
	switch k.kind {
	case hostnameField:
		return "hostname"
	case regionField:
		return "region"
	case zoneField:
		return "zone"
	}
	return k.name
}

// missing says, for a person, that the agent lacks the field.
func (k fieldKey) missing() string {
	switch k.kind {
	case hostnameField:
		return "agent has no hostname"
	case regionField:
		return "agent has no fault domain region"
	case zoneField:
		return "agent has no fault domain zone"
	}
	return "agent has no attribute " + show(k.name)
}

// formatScalar prints a scalar the way Marathon's DecimalFormat("0.###") does:
// at most three decimals, rounded half to even on the exact binary value, with
// trailing zeros dropped. The resources package owns the same rule for agent
// attributes; this copy only normalises IS values.
func formatScalar(f float64) string {
	s := strconv.FormatFloat(f, 'f', 3, 64)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

// show quotes a value for a reason when printing it bare would mislead: empty,
// or holding spaces, quotes or control characters.
func show(v string) string {
	if v == "" {
		return `""`
	}
	for _, r := range v {
		if r <= ' ' || r == '"' || r == 0x7f || r == '\uFFFD' {
			return strconv.Quote(v)
		}
	}
	return v
}
