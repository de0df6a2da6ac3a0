package resources

import "strings"

// Attribute is a named value an agent advertises with its offers, such as
// rack:r1 or level:10. Frameworks place tasks by attributes (Marathon
// constraints); the master never interprets them.
//
// The value is a scalar, ranges or text; Mesos does not allow sets.
type Attribute struct {
	Name string
	Value
}

// ValueString renders the value the way placement constraints compare it:
// text as is, scalars like "0.###" (0.80 → "0.8", 2 → "2"), ranges
// "[b-e,...]" in order.
func (a Attribute) ValueString() string {
	return a.Value.String()
}

// String renders the attribute as it is written in --attributes.
func (a Attribute) String() string {
	return a.Name + ":" + a.ValueString()
}

// Attributes is an agent's attribute list. Order is kept and a name may
// repeat, as in Mesos (repeating is discouraged).
type Attributes []Attribute

// Get returns the first attribute called name.
func (as Attributes) Get(name string) (Attribute, bool) {
	for _, a := range as {
		if a.Name == name {
			return a, true
		}
	}
	return Attribute{}, false
}

// Strings maps each name to its ValueString, for constraint evaluation.
// When a name repeats the first value wins: Marathon's constraints look at
// the first attribute with the field's name.
func (as Attributes) Strings() map[string]string {
	out := make(map[string]string, len(as))
	for _, a := range as {
		if _, seen := out[a.Name]; !seen {
			out[a.Name] = a.ValueString()
		}
	}
	return out
}

// Equal reports whether both lists hold the same attributes, in any order
// (Mesos's Attributes::operator==).
func (as Attributes) Equal(other Attributes) bool {
	if len(as) != len(other) {
		return false
	}
	return as.containsAll(other) && other.containsAll(as)
}

func (as Attributes) containsAll(other Attributes) bool {
	for _, o := range other {
		found := false
		for _, a := range as {
			if a.Name == o.Name && equalValues(&a.Value, &o.Value) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// String renders the list in --attributes form, which ParseAttributes reads
// back.
func (as Attributes) String() string {
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = a.String()
	}
	return strings.Join(parts, ";")
}
