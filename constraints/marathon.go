package constraints

import (
	"encoding/json"
	"fmt"
)

// marathonShape is the advice for input that is not Marathon's form at all.
const marathonShape = `want [field, OPERATOR] or [field, OPERATOR, value], all strings, e.g. ["rack", "GROUP_BY", "3"]`

// ParseMarathon reads the "constraints" member of a Marathon app: a JSON
// array of [field, OPERATOR] and [field, OPERATOR, value] string arrays, such
// as [["hostname","UNIQUE"],["rack","GROUP_BY","3"]]. JSON null is an empty
// list. Errors are *Error values naming the failing constraint.
func ParseMarathon(data []byte) ([]Constraint, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%w: want a JSON array of constraints such as [[\"hostname\",\"UNIQUE\"]]: %v", ErrMalformed, err)
	}
	list := make([][]string, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &list[i]); err != nil || list[i] == nil {
			return nil, &Error{Index: i, Constraint: string(r), Err: ErrMalformed, Detail: marathonShape}
		}
	}
	return FromMarathonList(list)
}

// FromMarathonList reads constraints in Marathon's form, validating each.
func FromMarathonList(list [][]string) ([]Constraint, error) {
	if len(list) == 0 {
		return nil, nil
	}
	out := make([]Constraint, len(list))
	for i, parts := range list {
		c, err := fromMarathon(i, parts)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// FromMarathon reads one constraint in Marathon's form: [field, OPERATOR] or
// [field, OPERATOR, value]. The operator's case does not matter; the returned
// constraint spells it in capitals.
func FromMarathon(parts []string) (Constraint, error) { return fromMarathon(-1, parts) }

func fromMarathon(index int, parts []string) (Constraint, error) {
	fail := func(sentinel error, detail string) (Constraint, error) {
		text, _ := json.Marshal(parts)
		return Constraint{}, &Error{Index: index, Constraint: string(text), Err: sentinel, Detail: detail}
	}
	if len(parts) < 2 || len(parts) > 3 {
		n := fmt.Sprintf("%d parts", len(parts))
		if len(parts) == 1 {
			n = "1 part"
		}
		return fail(ErrMalformed, "has "+n+"; "+marathonShape)
	}
	op, err := ParseOperator(parts[1])
	if err != nil {
		return fail(ErrUnknownOperator, fmt.Sprintf("%q is not an operator; use one of %s", parts[1], validOperators))
	}
	c := Constraint{Field: parts[0], Operator: op}
	if len(parts) == 3 {
		c.Value, c.HasValue = parts[2], true
	}
	if p := c.compile(); p != nil {
		return fail(p.sentinel, p.detail)
	}
	return c, nil
}
