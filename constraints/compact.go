package constraints

import (
	"fmt"
	"strings"
)

// unit is one character of compact input after escape processing. Escaped
// units never act as separators and are never trimmed.
type unit struct {
	b       byte
	escaped bool
}

// ParseCompact reads constraints in the compact form, the --constraints flag
// of Elodina's Mesos frameworks (kafka, hdfs, datastax-enterprise): a
// comma-separated list of attr=op[:value] entries, for example
//
//	hostname=unique,rack=like:^1.*$,rack=groupBy:3
//
// Operations and the constraint each becomes:
//
//	like:<regex>     LIKE <regex>
//	unlike:<regex>   UNLIKE <regex>
//	unique           UNIQUE
//	cluster[:<v>]    CLUSTER [v]
//	groupBy[:<n>]    GROUP_BY [n]   (no n: no minimum number of groups)
//	atMost:<n>       MAX_PER n      (Elodina's AtMost(n) accepts while fewer
//	                                 than n instances have the value, which is
//	                                 MAX_PER n; Elodina's unique is atMost:1)
//	is:<v>           IS v           (an agora addition, so that every
//	                                 constraint has a compact form)
//
// Operation names ignore case. An attribute may appear in several entries.
// Spaces around a field, an operation and a value are ignored.
//
// Escapes: a backslash before ',', '=', '\' or a space stands for that
// character. A backslash before any other character is kept with it, so the
// regular expression escapes \d, \. and \s reach LIKE and UNLIKE as written
// (Elodina's parser dropped such backslashes, so ^10\.0 became ^10.0, whose dot
// matches any character). A backslash at the end of the input is an error.
// Entries split at the first unescaped '=' and an operation at its first ':',
// so a later '=' or ':' is part of the value.
//
// The entries become ordinary constraints, checked by Marathon's rules. Those
// differ from Elodina's in two corners: unlike accepts an agent without the
// attribute (Elodina refused it), and groupBy:n accepts a value no instance has
// yet even when n values are in use (Elodina refused it; Marathon documents
// that more groups than n are welcome).
//
// Empty or blank input is an empty list. Errors are *Error values naming the
// entry.
func ParseCompact(s string) ([]Constraint, error) {
	if strings.Trim(s, " ") == "" {
		return nil, nil
	}
	entries, raws, err := splitEntries(s)
	if err != nil {
		return nil, err
	}
	out := make([]Constraint, 0, len(entries))
	for i, e := range entries {
		c, err := compactEntry(i, raws[i], e)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// splitEntries resolves escapes and splits s at unescaped commas, returning
// each entry's units and its text as written.
func splitEntries(s string) ([][]unit, []string, error) {
	var (
		entries [][]unit
		raws    []string
		cur     []unit
		start   int
	)
	for i := 0; i < len(s); i++ {
		b := s[i]
		switch {
		case b == '\\':
			if i+1 == len(s) {
				return nil, nil, &Error{Index: len(entries), Constraint: s[start:], Err: ErrMalformed,
					Detail: `ends in a lone backslash; write \\ for a backslash, \, \= or \  for a literal comma, equals sign or space`}
			}
			i++
			switch next := s[i]; next {
			case ',', '=', '\\', ' ':
				cur = append(cur, unit{next, true})
			default:
				cur = append(cur, unit{'\\', true}, unit{next, true})
			}
		case b == ',':
			entries, raws = append(entries, cur), append(raws, s[start:i])
			cur, start = nil, i+1
		default:
			cur = append(cur, unit{b, false})
		}
	}
	entries, raws = append(entries, cur), append(raws, s[start:])
	return entries, raws, nil
}

const compactOps = "like:<regex>, unlike:<regex>, unique, cluster[:<value>], groupBy[:<n>], atMost:<n>, is:<value>"

// compactOperators maps the compact operation names, lower-cased, to operators.
var compactOperators = map[string]Operator{
	"like":    Like,
	"unlike":  Unlike,
	"unique":  Unique,
	"cluster": Cluster,
	"groupby": GroupBy,
	"atmost":  MaxPer,
	"is":      Is,
}

func compactEntry(index int, raw string, e []unit) (Constraint, error) {
	fail := func(sentinel error, detail string) (Constraint, error) {
		return Constraint{}, &Error{Index: index, Constraint: strings.TrimSpace(raw), Err: sentinel, Detail: detail}
	}
	e = trim(e)
	if len(e) == 0 {
		return fail(ErrMalformed, "empty entry; remove the extra comma")
	}
	eq := indexUnit(e, '=')
	if eq < 0 {
		return fail(ErrMalformed, "no '='; write attr=op[:value], e.g. rack=like:^r1$")
	}
	field, rest := text(trim(e[:eq])), trim(e[eq+1:])
	if field == "" {
		return fail(ErrEmptyField, "nothing before '='; name an attribute or hostname, e.g. hostname=unique")
	}
	name, value, hasValue := rest, []unit(nil), false
	if colon := indexUnit(rest, ':'); colon >= 0 {
		name, value, hasValue = trim(rest[:colon]), trim(rest[colon+1:]), true
	}
	op, ok := compactOperators[strings.ToLower(text(name))]
	if !ok {
		return fail(ErrUnknownOperator, fmt.Sprintf("%q is not an operation; use one of %s", text(name), compactOps))
	}
	c := Constraint{Field: field, Operator: op, Value: text(value), HasValue: hasValue}
	if p := c.compile(); p != nil {
		return fail(p.sentinel, compactDetail(c, p))
	}
	return c, nil
}

// compactDetail rewords a validation problem in the compact form's terms.
func compactDetail(c Constraint, p *problem) string {
	name := compactName(c.Operator)
	switch {
	case p.sentinel == ErrUnexpectedValue:
		return fmt.Sprintf("%s takes no value, got %q; write %s=%s", name, c.Value, escape(c.Field), name)
	case p.sentinel == ErrMissingValue && (c.Operator == Like || c.Operator == Unlike):
		return fmt.Sprintf("%s needs a regular expression, e.g. %s=%s:^r1$; to match any value write .*", name, escape(c.Field), name)
	case p.sentinel == ErrMissingValue:
		return fmt.Sprintf("%s needs a value, e.g. %s=%s:2", name, escape(c.Field), name)
	case p.sentinel == ErrInvalidValue && c.Operator == GroupBy:
		return fmt.Sprintf("groupBy takes a whole number of groups greater than 0, got %q; write e.g. %s=groupBy:3, or %s=groupBy", c.Value, escape(c.Field), escape(c.Field))
	case p.sentinel == ErrInvalidValue && c.Operator == MaxPer:
		return fmt.Sprintf("atMost takes a whole number of instances greater than 0, got %q; write e.g. %s=atMost:2", c.Value, escape(c.Field))
	}
	return p.detail
}

func compactName(op Operator) string {
	switch op {
	case Like:
		return "like"
	case Unlike:
		return "unlike"
	case Unique:
		return "unique"
	case Cluster:
		return "cluster"
	case GroupBy:
		return "groupBy"
	case MaxPer:
		return "atMost"
	case Is:
		return "is"
	}
	return op.String()
}

// FormatCompact writes constraints in the compact form, escaping what needs
// it, so that ParseCompact reads back the same constraints.
func FormatCompact(cs []Constraint) string {
	var b strings.Builder
	for i, c := range cs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(escape(c.Field))
		b.WriteByte('=')
		b.WriteString(compactName(c.Operator))
		if c.HasValue {
			b.WriteByte(':')
			b.WriteString(escape(c.Value))
		}
	}
	return b.String()
}

// escape protects the characters the compact form gives a meaning: separators,
// backslashes, and spaces at either end, which would otherwise be trimmed.
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ',' || c == '=' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == ' ' && (i == 0 || i == len(s)-1):
			b.WriteString(`\ `)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// trim drops unescaped spaces at both ends.
func trim(u []unit) []unit {
	for len(u) > 0 && u[0] == (unit{' ', false}) {
		u = u[1:]
	}
	for len(u) > 0 && u[len(u)-1] == (unit{' ', false}) {
		u = u[:len(u)-1]
	}
	return u
}

// indexUnit finds the first unescaped b.
func indexUnit(u []unit, b byte) int {
	for i, x := range u {
		if x.b == b && !x.escaped {
			return i
		}
	}
	return -1
}

func text(u []unit) string {
	buf := make([]byte, len(u))
	for i, x := range u {
		buf[i] = x.b
	}
	return string(buf)
}
