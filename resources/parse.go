package resources

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Parse reads an agent's --resources flag. Two forms are accepted, as in
// Mesos (Resources::parse):
//
//   - A JSON array of Mesos Resource objects, when the text starts with "[".
//     Resources without a role or reservations get defaultRole.
//   - The text form `name(role):value;name:value;...`. Whitespace is removed
//     first; ";" and newlines separate resources. A name without "(role)"
//     gets defaultRole; "(*)" means unreserved and "(role)" a static
//     reservation. A value is ranges `[a-b,c-d]` (non-negative integers,
//     overlapping ranges merged), a set `{a,b}` or a non-negative finite
//     number (a scalar, kept to three decimals). Anything else is an error.
//
// defaultRole is Mesos's --default_role; "" means "*" (unreserved). The same
// name may appear more than once with one type: the values are added. Empty
// values ("cpus:0", "ports:[]") are accepted and dropped. Dynamic
// reservations, persistent volumes and revocable resources cannot be
// declared on the command line.
//
// Errors wrap ErrInvalidResource and name the offending token, e.g.
// `resources: "cpus:abc": not a number, range or set`.
//
// agora's text grammar is stricter than Mesos's tokenizer in places where
// Mesos silently accepted malformed input: "cpus::1", "cpus(a)x:1",
// "ports:[1-2,]" and "ports:[1-2][3-4]" are errors here.
func Parse(text, defaultRole string) (Resources, error) {
	if defaultRole == "" {
		defaultRole = UnreservedRole
	}
	if reason := roleProblem(defaultRole); reason != "" {
		return Resources{}, roleErrorf("default role %q %s", defaultRole, reason)
	}
	if trimmed := strings.TrimSpace(text); strings.HasPrefix(trimmed, "[") {
		return parseJSON([]byte(trimmed), defaultRole)
	}

	if !utf8.ValidString(text) {
		return Resources{}, errorf(ErrInvalidResource, "--resources %q is not valid UTF-8", text)
	}
	var out builder
	kinds := map[string]Kind{}
	for token := range strings.FieldsFuncSeq(text, isFlagSeparator) {
		token = removeSpace(token)
		if token == "" {
			continue
		}
		r, err := parseResourceToken(token, defaultRole)
		if err != nil {
			return Resources{}, err
		}
		if k, seen := kinds[r.Name]; seen && k != r.Kind {
			return Resources{}, errorf(ErrInvalidResource, "%q is declared as both %s and %s; one name needs one type", r.Name, k, r.Kind)
		}
		kinds[r.Name] = r.Kind
		out.add(&r, 1)
	}
	return out.resources(), nil
}

func isFlagSeparator(c rune) bool { return c == ';' || c == '\n' }

// removeSpace deletes all white space: Mesos removes spaces from the flag
// before parsing it.
func removeSpace(s string) string {
	if strings.IndexFunc(s, unicode.IsSpace) < 0 {
		return s
	}
	return strings.Map(func(c rune) rune {
		if unicode.IsSpace(c) {
			return -1
		}
		return c
	}, s)
}

// parseResourceToken parses one `name(role):value`.
func parseResourceToken(token, defaultRole string) (Resource, error) {
	fail := func(reason string) (Resource, error) {
		return Resource{}, errorf(ErrInvalidResource, "%q: %s", token, reason)
	}
	key, text, found := strings.Cut(token, ":")
	switch {
	case !found:
		return fail("missing ':' between name and value, as in cpus:4")
	case strings.Contains(text, ":"):
		return fail("more than one ':'; write name:value")
	case text == "":
		return fail("empty value")
	}

	name, role := key, defaultRole
	if open := strings.IndexByte(key, '('); open >= 0 {
		if !strings.HasSuffix(key, ")") || strings.Count(key, "(") != 1 || strings.Count(key, ")") != 1 {
			return fail("mismatched parentheses; write name(role):value")
		}
		name, role = key[:open], key[open+1:len(key)-1]
	} else if strings.Contains(key, ")") {
		return fail("mismatched parentheses; write name(role):value")
	}
	if name == "" {
		return fail("empty resource name")
	}
	if reason := roleProblem(role); reason != "" {
		return Resource{}, roleErrorf("%q: role %q %s", token, role, reason)
	}

	v, reason := parseValue(text, false)
	if reason != "" {
		return fail(reason)
	}
	r := Resource{Name: name, Value: v}
	if role != UnreservedRole {
		r.Reservations = []Reservation{StaticReservation(role)}
	}
	return r, nil
}

// parseValue parses a flag value with Mesos's rules (values.cpp
// internal::values::parse). For resources, anything but ranges, a set or a
// non-negative finite number is an error; for attributes sets are invalid
// and anything that is not a number or ranges is text (a negative number,
// "inf" and "nan" included, as in Mesos). It returns the reason on error.
func parseValue(text string, attribute bool) (Value, string) {
	switch {
	case text == "":
		return Value{}, "empty value"
	case text[0] == '[':
		return parseRangesText(text)
	case text[0] == '{':
		if attribute {
			return Value{}, "sets are not valid attribute values; use a scalar, ranges or text"
		}
		return parseSetText(text)
	}

	if isDecimal(text) {
		f, err := strconv.ParseFloat(text, 64)
		fits := err == nil && math.Abs(f) <= maxScalar
		switch {
		case attribute:
			if fits && f >= 0 {
				return Value{Kind: KindScalar, Scalar: ToMilli(f)}, ""
			}
			// Negative and out-of-range numbers are text, as in Mesos.
		case !fits:
			return Value{}, "value " + text + " is too large"
		case f < 0:
			return Value{}, "value must not be negative"
		default:
			m := ToMilli(f)
			if m == 0 && f != 0 {
				// Mesos: "non-zero values which would be represented as
				// zero" are invalid resources.
				return Value{}, "value " + text + " is below the resolution of 0.001"
			}
			return Value{Kind: KindScalar, Scalar: m}, ""
		}
	}
	if !attribute {
		return Value{}, "not a number, range or set"
	}
	if strings.ContainsAny(text, "[]{}") {
		return Value{}, "text cannot contain '[', ']', '{' or '}'"
	}
	if !balancedParentheses(text) {
		return Value{}, "mismatched parentheses"
	}
	return Value{Kind: KindText, Text: text}, ""
}

// isDecimal reports whether s is a plain decimal number: an optional sign,
// digits with at most one '.', and an optional exponent. Hexadecimal,
// "inf", "nan" and digit separators are not numbers here.
func isDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for ; i < len(s) && isDigit(s[i]); i++ {
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for ; i < len(s) && isDigit(s[i]); i++ {
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for ; i < len(s) && isDigit(s[i]); i++ {
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// parseRangesText parses "[a-b,c-d]" into merged ranges.
func parseRangesText(text string) (Value, string) {
	inner := strings.TrimSuffix(text[1:], "]")
	if len(inner) == len(text)-1 || strings.ContainsAny(inner, "[]") {
		return Value{}, "mismatched brackets; write ranges as [begin-end,...]"
	}
	v := Value{Kind: KindRanges}
	if inner == "" {
		return v, ""
	}
	var ranges []Range
	for part := range strings.SplitSeq(inner, ",") {
		if part == "" {
			return Value{}, "empty range; write ranges as [begin-end,...]"
		}
		lo, hi, found := strings.Cut(part, "-")
		if !found || strings.Contains(hi, "-") {
			return Value{}, "range " + strconv.Quote(part) + " must be written begin-end"
		}
		begin, err1 := strconv.ParseUint(lo, 10, 64)
		end, err2 := strconv.ParseUint(hi, 10, 64)
		if err1 != nil || err2 != nil {
			return Value{}, "range " + strconv.Quote(part) + " needs non-negative integer bounds"
		}
		if begin > end {
			return Value{}, "range " + strconv.Quote(part) + " has begin greater than end"
		}
		ranges = append(ranges, Range{begin, end})
	}
	v.Ranges = normalizeRanges(ranges)
	return v, ""
}

// parseSetText parses "{a,b}" into a sorted set; duplicates are an error as
// in Mesos's validation.
func parseSetText(text string) (Value, string) {
	inner := strings.TrimSuffix(text[1:], "}")
	if len(inner) == len(text)-1 || strings.ContainsAny(inner, "{}") {
		return Value{}, "mismatched braces; write sets as {a,b,...}"
	}
	v := Value{Kind: KindSet}
	if inner == "" {
		return v, ""
	}
	items := strings.Split(inner, ",")
	for _, item := range items {
		if item == "" {
			return Value{}, "empty set item; write sets as {a,b,...}"
		}
		if strings.ContainsAny(item, "[]{}") {
			return Value{}, "set item " + strconv.Quote(item) + " contains a bracket"
		}
	}
	sorted := slices.Sorted(slices.Values(items))
	for i := 1; i < len(sorted); i++ {
		if sorted[i] == sorted[i-1] {
			return Value{}, "duplicate set item " + strconv.Quote(sorted[i])
		}
	}
	v.Set = sorted
	return v, ""
}

func balancedParentheses(s string) bool {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth < 0 {
				return false
			}
		}
	}
	return depth == 0
}

// ParseAttributes reads an agent's --attributes flag with Mesos's rules
// (Attributes::parse): attributes are separated by ";" or newlines, each is
// split once on ":" into a name and a value. White space around the name is
// trimmed and white space in the value removed. A value is ranges
// `[a-b,...]`, a number (a scalar, kept to three decimals) or else text;
// sets are invalid. Order and repeated names are kept, as Mesos does.
//
// Errors wrap ErrInvalidAttribute and name the offending token, e.g.
// `resources: attribute "rack": missing ':' between name and value`.
func ParseAttributes(text string) (Attributes, error) {
	if !utf8.ValidString(text) {
		return nil, errorf(ErrInvalidAttribute, "--attributes %q is not valid UTF-8", text)
	}
	var out Attributes
	for token := range strings.FieldsFuncSeq(text, isFlagSeparator) {
		token = strings.TrimSpace(token)
		if token == "" {
			continue
		}
		fail := func(reason string) (Attributes, error) {
			return nil, errorf(ErrInvalidAttribute, "attribute %q: %s", token, reason)
		}
		name, text, found := strings.Cut(token, ":")
		name, text = strings.TrimSpace(name), removeSpace(text)
		switch {
		case !found:
			return fail("missing ':' between name and value, as in rack:r1")
		case name == "":
			return fail("empty attribute name")
		case text == "":
			return fail("empty value")
		}
		v, reason := parseValue(text, true)
		if reason != "" {
			return fail(reason)
		}
		out = append(out, Attribute{Name: name, Value: v})
	}
	return out, nil
}

// scalarFromFloat converts a wire scalar with the rules of Mesos's
// validation: finite, not negative, and not a positive value so small that
// it rounds to zero.
func scalarFromFloat(f float64) (Milli, string) {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return 0, "scalar value is not finite"
	case f < 0:
		return 0, "scalar value " + strconv.FormatFloat(f, 'g', -1, 64) + " is negative"
	case f > maxScalar:
		return 0, "scalar value " + strconv.FormatFloat(f, 'g', -1, 64) + " is too large"
	}
	m := ToMilli(f)
	if m == 0 && f != 0 {
		return 0, "scalar value " + strconv.FormatFloat(f, 'g', -1, 64) + " is below the resolution of 0.001"
	}
	return m, ""
}
