package constraints

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
)

// Operator is a placement operator of Marathon's constraint language.
type Operator uint8

// The operators, in the order Marathon's documentation lists them. The zero
// Operator is not valid.
const (
	Unique  Operator = iota + 1 // no placed instance has the agent's value
	Cluster                     // every instance on one value (the given one, or the first placed)
	GroupBy                     // spread evenly across values, over at least n of them
	Like                        // the value matches a regular expression
	Unlike                      // the value does not match a regular expression
	MaxPer                      // fewer than n placed instances have the agent's value
	Is                          // the value equals the given one
)

var operatorNames = [...]string{
	Unique:  "UNIQUE",
	Cluster: "CLUSTER",
	GroupBy: "GROUP_BY",
	Like:    "LIKE",
	Unlike:  "UNLIKE",
	MaxPer:  "MAX_PER",
	Is:      "IS",
}

// validOperators is the list quoted in unknown-operator errors.
const validOperators = "UNIQUE, CLUSTER, GROUP_BY, LIKE, UNLIKE, MAX_PER, IS"

// String returns the operator's Marathon name, e.g. "GROUP_BY".
func (op Operator) String() string {
	if op.valid() {
		return operatorNames[op]
	}
	return "Operator(" + strconv.Itoa(int(op)) + ")"
}

func (op Operator) valid() bool { return op >= Unique && op <= Is }

// ParseOperator reads a Marathon operator name. Like Marathon it ignores case:
// "group_by" is GroupBy.
func ParseOperator(name string) (Operator, error) {
	for op := Unique; op <= Is; op++ {
		if strings.EqualFold(name, operatorNames[op]) {
			return op, nil
		}
	}
	return 0, fmt.Errorf("%w %q; use one of %s", ErrUnknownOperator, name, validOperators)
}

// The errors a parser returns wrap one of these; test with errors.Is. The
// wrapping *Error names the constraint and its position and says what would be
// right.
var (
	ErrMalformed       = errors.New("constraints: malformed constraint")
	ErrEmptyField      = errors.New("constraints: empty field")
	ErrUnknownOperator = errors.New("constraints: unknown operator")
	ErrMissingValue    = errors.New("constraints: missing value")
	ErrUnexpectedValue = errors.New("constraints: unexpected value")
	ErrInvalidValue    = errors.New("constraints: invalid value")
	ErrInvalidRegex    = errors.New("constraints: invalid regular expression")
)

// Error is a constraint that failed to parse or validate.
type Error struct {
	// Index is the constraint's position in its list, counting from 0, or -1
	// when it was parsed on its own. The message counts from 1.
	Index int
	// Constraint is the constraint as the user wrote it: a JSON array for the
	// Marathon form, the attr=op[:value] entry for the compact form.
	Constraint string
	// Err is one of the Err* sentinels.
	Err error
	// Detail says what is wrong and what would be right.
	Detail string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Err.Error())
	b.WriteString(": constraint ")
	if e.Index >= 0 {
		b.WriteString(strconv.Itoa(e.Index + 1))
		b.WriteByte(' ')
	}
	if e.Constraint == "" {
		b.WriteString(`""`)
	} else {
		b.WriteString(e.Constraint)
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Constraint is one placement rule: the agent's Field, compared by Operator,
// against Value when HasValue is set.
//
// Build constraints with ParseMarathon, FromMarathon, ParseCompact or Compile:
// they validate the rule and compile its regular expression or number once. A
// Constraint written as a literal and never compiled still checks correctly,
// but recompiles on every check. After changing the fields of a compiled
// Constraint, Compile it again.
type Constraint struct {
	// Field is "hostname" or "@hostname" (the agent's hostname), "@region" or
	// "@zone" (its fault domain), or else the name of an agent attribute.
	Field    string
	Operator Operator
	Value    string
	HasValue bool

	compiled bool
	field    fieldKey
	re       *regexp.Regexp // LIKE, UNLIKE: Value anchored to the whole string
	n        int            // GROUP_BY (0 = no minimum), MAX_PER
	is       string         // IS: Value, scalars formatted as the agent's are
}

// Compile validates c and returns it ready to check. The error wraps one of
// the Err* sentinels.
func Compile(c Constraint) (Constraint, error) {
	if err := c.compile(); err != nil {
		return Constraint{}, &Error{Index: -1, Constraint: c.String(), Err: err.sentinel, Detail: err.detail}
	}
	return c, nil
}

// problem is a validation failure before it is placed in a list.
type problem struct {
	sentinel error
	detail   string
}

// isText is Mesos's alphabet for text attribute values, which Marathon demands
// of IS values.
var isText = regexp.MustCompile(`^[a-zA-Z0-9_/.-]+$`)

// isScalar is the shape Marathon formats as a scalar before comparing with IS.
var isScalar = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// compile validates c and fills in its compiled state. The rules follow
// Marathon's constraint validation (SchedulingValidation), made stricter where
// Marathon accepts a value that is meaningless or can never be met: MAX_PER 0,
// GROUP_BY 0 or less, an empty regular expression.
func (c *Constraint) compile() *problem {
	c.compiled = false
	if c.Field == "" {
		return &problem{ErrEmptyField, `name the agent field to compare: "hostname", "@region", "@zone" or an attribute such as "rack"`}
	}
	if !c.Operator.valid() {
		return &problem{ErrUnknownOperator, fmt.Sprintf("operator %s; use one of %s", c.Operator, validOperators)}
	}
	c.field = resolveField(c.Field)
	c.re, c.n, c.is = nil, 0, ""
	op := c.Operator
	switch op {
	case Unique:
		if c.HasValue {
			return &problem{ErrUnexpectedValue, fmt.Sprintf("UNIQUE takes no value, got %q; write [%q, \"UNIQUE\"]", c.Value, c.Field)}
		}
	case Cluster:
		// Marathon's documentation: "When the value is empty or unspecified,
		// the first instance is launched on any agent". One meaning, one form.
		if c.HasValue && c.Value == "" {
			c.HasValue = false
		}
	case GroupBy:
		if c.HasValue {
			n, ok := positive(c.Value)
			if !ok {
				return &problem{ErrInvalidValue, fmt.Sprintf("GROUP_BY takes a whole number of groups greater than 0, got %q; write e.g. \"3\", or leave the value out", c.Value)}
			}
			c.n = n
		}
	case MaxPer:
		if !c.HasValue {
			return &problem{ErrMissingValue, `MAX_PER needs the most instances allowed per value, e.g. "2"`}
		}
		n, ok := positive(c.Value)
		if !ok {
			return &problem{ErrInvalidValue, fmt.Sprintf("MAX_PER takes a whole number of instances greater than 0, got %q; write e.g. \"2\"", c.Value)}
		}
		c.n = n
	case Like, Unlike:
		if !c.HasValue || c.Value == "" {
			return &problem{ErrMissingValue, fmt.Sprintf("%s needs a regular expression; to match any value write \".*\"", op)}
		}
		re, err := anchored(c.Value)
		if err != nil {
			return &problem{ErrInvalidRegex, fmt.Sprintf("%s value %q: %v; write an RE2 expression such as \"^rack-[1-3]$\"", op, c.Value, unprefixed(err))}
		}
		c.re = re
	case Is:
		if !c.HasValue || c.Value == "" {
			return &problem{ErrMissingValue, `IS needs the value to compare with, e.g. "rack-1" or "0.8"`}
		}
		if !isText.MatchString(c.Value) {
			return &problem{ErrInvalidValue, fmt.Sprintf("IS value %q may use only letters, digits and _ / . -; compare other values with LIKE", c.Value)}
		}
		c.is = c.Value
		if isScalar.MatchString(c.Value) {
			// "0.80" and "0.8001" both mean the scalar 0.8, which an agent
			// reports as "0.8" (Marathon's constraints.md, IS operator).
			if f, err := strconv.ParseFloat(c.Value, 64); err == nil {
				c.is = formatScalar(f)
			}
		}
	}
	c.compiled = true
	return nil
}

// anchored compiles expr to match whole strings only, as Java's
// String.matches does for Marathon. The anchors go around the parsed tree, not
// the text: text such as `^(?:` + expr + `)$` breaks when expr ends in \Q,
// which quotes everything after it, the closing parenthesis included.
func anchored(expr string) (*regexp.Regexp, error) {
	if _, err := regexp.Compile(expr); err != nil {
		return nil, err // the user's expression, with regexp's own message
	}
	tree, err := syntax.Parse(expr, syntax.Perl) // regexp.Compile's flags
	if err != nil {
		return nil, err
	}
	whole := &syntax.Regexp{Op: syntax.OpConcat, Sub: []*syntax.Regexp{{Op: syntax.OpBeginText}, tree, {Op: syntax.OpEndText}}}
	// The extra level can pass RE2's nesting limit, hence an error, not a panic.
	return regexp.Compile(whole.String())
}

// positive parses a whole number greater than zero.
func positive(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0
}

// unprefixed drops the "error parsing regexp: " prefix of regexp's errors.
func unprefixed(err error) string {
	return strings.TrimPrefix(err.Error(), "error parsing regexp: ")
}

// Marathon returns c in Marathon's form: [field, OP] or [field, OP, value].
func (c Constraint) Marathon() []string {
	if c.HasValue {
		return []string{c.Field, c.Operator.String(), c.Value}
	}
	return []string{c.Field, c.Operator.String()}
}

// String returns c as a Marathon JSON array, e.g. ["rack","GROUP_BY","3"]. It
// is the key under which rejections are counted.
func (c Constraint) String() string {
	b, _ := json.Marshal(c.Marathon()) // a []string always marshals
	return string(b)
}

// MarshalJSON writes c in Marathon's form.
func (c Constraint) MarshalJSON() ([]byte, error) { return json.Marshal(c.Marathon()) }

// UnmarshalJSON reads and validates one constraint in Marathon's form. To
// report a failing constraint's position in a list, use ParseMarathon.
func (c *Constraint) UnmarshalJSON(data []byte) error {
	var parts []string
	if err := json.Unmarshal(data, &parts); err != nil {
		return &Error{Index: -1, Constraint: string(data), Err: ErrMalformed, Detail: marathonShape}
	}
	parsed, err := FromMarathon(parts)
	if err != nil {
		return err
	}
	*c = parsed
	return nil
}
