package wire

import (
	"fmt"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// MaxDepth bounds how deeply objects and arrays may nest in the input of
// UnmarshalJSON, so hostile input cannot exhaust the stack. Real Mesos
// messages nest fewer than 20 levels.
const MaxDepth = 100

// UnmarshalJSON decodes Mesos-style JSON into m, replacing its contents. It
// accepts what Mesos accepts (stout's protobuf::parse), so a client that
// works against Mesos works against agora:
//
//   - the input must be one JSON object; keys are proto field names; unknown
//     keys are ignored; when a key repeats, the last value wins;
//   - null leaves any field unset, repeated and message fields included;
//   - integer fields take JSON numbers or strings holding a JSON number
//     ("42", "4.2e1"); the value must be a whole number within the field's
//     range;
//   - float and double fields take numbers or numeric strings, and the
//     strings "Infinity" and "-Infinity"; NaN and out-of-range values are
//     errors;
//   - bool fields take true/false or the strings "true"/"false";
//   - enums are value names; an unknown name is dropped from an optional or
//     repeated field (proto2's rule for unknown values) and is an error in a
//     required field;
//   - bytes are standard base64, read as leniently as stout reads it:
//     whitespace is skipped, padding is optional and ends the data;
//   - a repeated field also takes a single value (one element), and nested
//     arrays are flattened, as stout does;
//   - maps are objects keyed by the map key (numbers and booleans as
//     strings); an array of such objects is also accepted;
//   - when two members of one oneof are given, the one whose name sorts last
//     wins, because Mesos applies keys in sorted order;
//   - afterwards every required field must be set: the error names the path,
//     e.g. `wire: missing required field "subscribe.framework_info.user"`.
//
// Errors match ErrMalformedJSON, ErrTooDeep, ErrInvalidField (a *FieldError
// naming the field) or ErrMissingRequiredField. UnmarshalJSON does not
// panic on any input.
func UnmarshalJSON(data []byte, m proto.Message) error {
	if m == nil || !m.ProtoReflect().IsValid() {
		return errNilMessage
	}
	proto.Reset(m)
	d := decoder{data: data}
	if err := d.document(m.ProtoReflect()); err != nil {
		return err
	}
	return checkRequired(m)
}

type decoder struct {
	data  []byte
	pos   int
	depth int
	path  fieldPath
	// scratch holds the last unescaped string; see stringBytes.
	scratch []byte
}

func (d *decoder) document(m protoreflect.Message) error {
	d.skipSpace()
	if d.peek() != '{' {
		start := d.pos
		if err := d.skipValue(); err != nil {
			return err
		}
		return &FieldError{Problem: fmt.Sprintf("expected a JSON object for %s, got %s",
			m.Descriptor().FullName(), describeJSON(d.data[start]))}
	}
	if err := d.message(m); err != nil {
		return err
	}
	d.skipSpace()
	if d.pos < len(d.data) {
		return d.syntaxError("unexpected data after the top-level object")
	}
	return nil
}

// message reads an object into m. The input is at '{'.
func (d *decoder) message(m protoreflect.Message) error {
	if err := d.enter(); err != nil {
		return err
	}
	mi := infoFor(m.Descriptor())
	var seen fieldSet
	d.skipSpace()
	if d.peek() == '}' {
		d.pos++
		d.depth--
		return nil
	}
	for {
		d.skipSpace()
		if d.peek() != '"' {
			return d.syntaxError("expected a string as object key")
		}
		key, err := d.stringBytes()
		if err != nil {
			return err
		}
		f := mi.byName[string(key)]
		if err := d.colon(); err != nil {
			return err
		}
		if f == nil {
			if err := d.skipValue(); err != nil {
				return err
			}
		} else {
			// The JSON parser Mesos uses keeps only the last value of a
			// repeated key, so forget what an earlier one set.
			if seen.add(f.fd.Index()) {
				m.Clear(f.fd)
			}
			d.path.pushField(f.fd)
			if err := d.field(m, f.fd); err != nil {
				return err
			}
			d.path.pop()
		}
		d.skipSpace()
		switch d.peek() {
		case ',':
			d.pos++
		case '}':
			d.pos++
			d.depth--
			return nil
		default:
			return d.syntaxError("expected ',' or '}' after object value")
		}
	}
}

// field reads the value of key fd into m.
func (d *decoder) field(m protoreflect.Message, fd protoreflect.FieldDescriptor) error {
	if d.peek() == 'n' {
		return d.literal("null")
	}
	switch {
	case fd.IsMap():
		return d.mapValue(m, fd)
	case fd.IsList():
		l := m.Mutable(fd).List()
		if d.peek() == '[' {
			return d.listArray(l, fd)
		}
		// stout adds a lone value as one element.
		return d.listElement(l, fd)
	case fd.Message() != nil:
		if d.peek() != '{' {
			return d.mismatch(fd)
		}
		if oneofLoses(m, fd) {
			return d.message(m.NewField(fd).Message())
		}
		return d.message(m.Mutable(fd).Message())
	default:
		v, ok, err := d.scalar(fd)
		if err != nil || !ok {
			return err
		}
		if !oneofLoses(m, fd) {
			m.Set(fd, v)
		}
		return nil
	}
}

// oneofLoses reports whether a value for fd must be dropped because another
// member of its oneof is already set and sorts after it: Mesos applies the
// keys of an object in sorted order, each member replacing the previous one,
// so the member whose name sorts last wins whatever the order in the text.
func oneofLoses(m protoreflect.Message, fd protoreflect.FieldDescriptor) bool {
	od := fd.ContainingOneof()
	if od == nil || od.IsSynthetic() {
		return false
	}
	cur := m.WhichOneof(od)
	return cur != nil && cur != fd && cur.Name() > fd.Name()
}

// listArray reads an array into l. The input is at '['. Nested arrays are
// flattened and null elements skipped, as in stout.
func (d *decoder) listArray(l protoreflect.List, fd protoreflect.FieldDescriptor) error {
	if err := d.enter(); err != nil {
		return err
	}
	d.skipSpace()
	if d.peek() == ']' {
		d.pos++
		d.depth--
		return nil
	}
	for {
		d.skipSpace()
		var err error
		switch d.peek() {
		case '[':
			err = d.listArray(l, fd)
		case 'n':
			err = d.literal("null")
		default:
			err = d.listElement(l, fd)
		}
		if err != nil {
			return err
		}
		d.skipSpace()
		switch d.peek() {
		case ',':
			d.pos++
		case ']':
			d.pos++
			d.depth--
			return nil
		default:
			return d.syntaxError("expected ',' or ']' after array element")
		}
	}
}

func (d *decoder) listElement(l protoreflect.List, fd protoreflect.FieldDescriptor) error {
	d.path.pushIndex(l.Len())
	if fd.Message() != nil {
		if d.peek() != '{' {
			return d.mismatch(fd)
		}
		v := l.NewElement()
		if err := d.message(v.Message()); err != nil {
			return err
		}
		l.Append(v)
	} else {
		v, ok, err := d.scalar(fd)
		if err != nil {
			return err
		}
		if ok {
			l.Append(v)
		}
	}
	d.path.pop()
	return nil
}

// mapValue reads a map field: an object keyed by the map keys, or (as stout
// allows for any repeated field) an array of such objects.
func (d *decoder) mapValue(m protoreflect.Message, fd protoreflect.FieldDescriptor) error {
	switch d.peek() {
	case '{':
		return d.mapObject(m.Mutable(fd).Map(), fd)
	case '[':
		return d.mapArray(m.Mutable(fd).Map(), fd)
	default:
		return d.mismatch(fd)
	}
}

func (d *decoder) mapArray(mp protoreflect.Map, fd protoreflect.FieldDescriptor) error {
	if err := d.enter(); err != nil {
		return err
	}
	d.skipSpace()
	if d.peek() == ']' {
		d.pos++
		d.depth--
		return nil
	}
	for {
		d.skipSpace()
		var err error
		switch d.peek() {
		case '{':
			err = d.mapObject(mp, fd)
		case '[':
			err = d.mapArray(mp, fd)
		case 'n':
			err = d.literal("null")
		default:
			err = d.mismatch(fd)
		}
		if err != nil {
			return err
		}
		d.skipSpace()
		switch d.peek() {
		case ',':
			d.pos++
		case ']':
			d.pos++
			d.depth--
			return nil
		default:
			return d.syntaxError("expected ',' or ']' after array element")
		}
	}
}

// mapObject reads one object of map entries into mp. The input is at '{'.
func (d *decoder) mapObject(mp protoreflect.Map, fd protoreflect.FieldDescriptor) error {
	if err := d.enter(); err != nil {
		return err
	}
	keyFd, valueFd := fd.MapKey(), fd.MapValue()
	d.skipSpace()
	if d.peek() == '}' {
		d.pos++
		d.depth--
		return nil
	}
	for {
		d.skipSpace()
		if d.peek() != '"' {
			return d.syntaxError("expected a string as object key")
		}
		raw, err := d.stringBytes()
		if err != nil {
			return err
		}
		key, err := d.mapKey(keyFd, raw)
		if err != nil {
			return err
		}
		if err := d.colon(); err != nil {
			return err
		}
		d.path.pushKey(key)
		if err := d.mapEntry(mp, key, valueFd); err != nil {
			return err
		}
		d.path.pop()
		d.skipSpace()
		switch d.peek() {
		case ',':
			d.pos++
		case '}':
			d.pos++
			d.depth--
			return nil
		default:
			return d.syntaxError("expected ',' or '}' after object value")
		}
	}
}

// mapEntry reads the value of one map entry. A null value, or an enum name
// the value's enum does not know, still makes an entry with the default
// value: stout adds the entry before it parses the value.
func (d *decoder) mapEntry(mp protoreflect.Map, key protoreflect.MapKey, fd protoreflect.FieldDescriptor) error {
	if d.peek() == 'n' {
		if err := d.literal("null"); err != nil {
			return err
		}
		mp.Set(key, zeroMapValue(mp, fd))
		return nil
	}
	if fd.Message() != nil {
		if d.peek() != '{' {
			return d.mismatch(fd)
		}
		v := mp.NewValue()
		if err := d.message(v.Message()); err != nil {
			return err
		}
		mp.Set(key, v)
		return nil
	}
	v, ok, err := d.scalar(fd)
	if err != nil {
		return err
	}
	if !ok {
		v = zeroMapValue(mp, fd)
	}
	mp.Set(key, v)
	return nil
}

func zeroMapValue(mp protoreflect.Map, fd protoreflect.FieldDescriptor) protoreflect.Value {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return mp.NewValue()
	case protoreflect.BytesKind:
		return protoreflect.ValueOfBytes([]byte{})
	default:
		return fd.Default()
	}
}

// mapKey converts an object key to a map key of field fd's kind; non-string
// keys are read like the string forms of numbers and booleans.
func (d *decoder) mapKey(fd protoreflect.FieldDescriptor, raw []byte) (protoreflect.MapKey, error) {
	if fd.Kind() == protoreflect.StringKind {
		return protoreflect.ValueOfString(string(raw)).MapKey(), nil
	}
	v, ok, problem := scalarFromString(fd, raw)
	if problem != "" || !ok {
		return protoreflect.MapKey{}, d.path.fieldError(fmt.Sprintf("invalid map key %q: %s", raw, problem))
	}
	return v.MapKey(), nil
}

// scalar reads a value of a non-message field. ok is false when the value
// is dropped (an unknown enum name outside a required field).
func (d *decoder) scalar(fd protoreflect.FieldDescriptor) (v protoreflect.Value, ok bool, err error) {
	var problem string
	switch c := d.peek(); {
	case c == '"':
		s, err := d.stringBytes()
		if err != nil {
			return v, false, err
		}
		v, ok, problem = scalarFromString(fd, s)
	case c == '-' || isDigit(c):
		lit, err := d.number()
		if err != nil {
			return v, false, err
		}
		v, problem = scalarFromNumber(fd, lit)
		ok = problem == ""
	case c == 't' || c == 'f':
		b := c == 't'
		word := "false"
		if b {
			word = "true"
		}
		if err := d.literal(word); err != nil {
			return v, false, err
		}
		if fd.Kind() != protoreflect.BoolKind {
			return v, false, d.path.fieldError(fmt.Sprintf("expected %s, got a boolean", expected(fd)))
		}
		return protoreflect.ValueOfBool(b), true, nil
	default:
		return v, false, d.mismatch(fd)
	}
	if problem != "" {
		return v, false, d.path.fieldError(problem)
	}
	return v, ok, nil
}

// scalarFromString converts a JSON string to a value of field fd. It
// returns a problem description instead of an error so that callers can
// add where the value came from.
func scalarFromString(fd protoreflect.FieldDescriptor, s []byte) (v protoreflect.Value, ok bool, problem string) {
	switch k := fd.Kind(); k {
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(string(s)), true, ""
	case protoreflect.BytesKind:
		b, err := decodeBase64(s)
		if err != nil {
			return v, false, err.Error()
		}
		return protoreflect.ValueOfBytes(b), true, ""
	case protoreflect.EnumKind:
		ev := fd.Enum().Values().ByName(protoreflect.Name(s))
		if ev != nil {
			return protoreflect.ValueOfEnum(ev.Number()), true, ""
		}
		if fd.Cardinality() == protoreflect.Required {
			return v, false, fmt.Sprintf("unknown value %q for enum %s", s, fd.Enum().FullName())
		}
		return v, false, ""
	case protoreflect.BoolKind:
		switch string(trimSpace(s)) {
		case "true":
			return protoreflect.ValueOfBool(true), true, ""
		case "false":
			return protoreflect.ValueOfBool(false), true, ""
		}
		return v, false, fmt.Sprintf("expected %s, got the string %q", expected(fd), s)
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		// stout compares the whole string with these two spellings only.
		switch string(s) {
		case "Infinity":
			return floatValue(k, math.Inf(1)), true, ""
		case "-Infinity":
			return floatValue(k, math.Inf(-1)), true, ""
		}
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return v, false, fmt.Sprintf("expected %s, got a string", expected(fd))
	}
	// A number kind: the string must hold exactly one JSON number,
	// surrounded by nothing but JSON whitespace.
	lit := trimSpace(s)
	if !isJSONNumber(lit) {
		return v, false, fmt.Sprintf("expected %s, got the string %q", expected(fd), s)
	}
	v, problem = scalarFromNumber(fd, lit)
	return v, problem == "", problem
}

// scalarFromNumber converts a JSON number literal to a value of field fd.
func scalarFromNumber(fd protoreflect.FieldDescriptor, lit []byte) (protoreflect.Value, string) {
	switch k := fd.Kind(); k {
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		n, problem := parseInt(lit, k, math.MinInt32, math.MaxInt32)
		return protoreflect.ValueOfInt32(int32(n)), problem
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		n, problem := parseInt(lit, k, math.MinInt64, math.MaxInt64)
		return protoreflect.ValueOfInt64(n), problem
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		n, problem := parseUint(lit, k, math.MaxUint32)
		return protoreflect.ValueOfUint32(uint32(n)), problem
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		n, problem := parseUint(lit, k, math.MaxUint64)
		return protoreflect.ValueOfUint64(n), problem
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		f, err := strconv.ParseFloat(string(lit), 64)
		if err != nil || (k == protoreflect.FloatKind && math.IsInf(float64(float32(f)), 0)) {
			return protoreflect.Value{}, fmt.Sprintf("value %s is out of range for %v", lit, k)
		}
		return floatValue(k, f), ""
	default:
		return protoreflect.Value{}, fmt.Sprintf("expected %s, got a number", expected(fd))
	}
}

func floatValue(k protoreflect.Kind, f float64) protoreflect.Value {
	if k == protoreflect.FloatKind {
		return protoreflect.ValueOfFloat32(float32(f))
	}
	return protoreflect.ValueOfFloat64(f)
}

// Bounds of the integers a float64 can hold that fit in 64 bits:
// [-2^63, 2^63) and [0, 2^64).
const (
	twoTo63 = float64(1 << 63)
	twoTo64 = 2 * twoTo63
)

// parseInt reads a JSON number literal as a signed integer in [lo, hi]. A
// literal with a fraction or exponent is accepted when its value is whole.
func parseInt(lit []byte, k protoreflect.Kind, lo, hi int64) (int64, string) {
	if !hasFraction(lit) {
		n, err := strconv.ParseInt(string(lit), 10, 64)
		if err != nil || n < lo || n > hi {
			return 0, fmt.Sprintf("value %s is out of range for %v", lit, k)
		}
		return n, ""
	}
	f, problem := parseWhole(lit, k)
	if problem != "" {
		return 0, problem
	}
	if f < -twoTo63 || f >= twoTo63 || int64(f) < lo || int64(f) > hi {
		return 0, fmt.Sprintf("value %s is out of range for %v", lit, k)
	}
	return int64(f), ""
}

// parseUint is parseInt for unsigned fields: values in [0, hi].
func parseUint(lit []byte, k protoreflect.Kind, hi uint64) (uint64, string) {
	if !hasFraction(lit) {
		s := string(lit)
		if s == "-0" {
			return 0, ""
		}
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n > hi {
			return 0, fmt.Sprintf("value %s is out of range for %v", lit, k)
		}
		return n, ""
	}
	f, problem := parseWhole(lit, k)
	if problem != "" {
		return 0, problem
	}
	if f < 0 || f >= twoTo64 || uint64(f) > hi {
		return 0, fmt.Sprintf("value %s is out of range for %v", lit, k)
	}
	return uint64(f), ""
}

func parseWhole(lit []byte, k protoreflect.Kind) (float64, string) {
	f, err := strconv.ParseFloat(string(lit), 64)
	if err != nil {
		return 0, fmt.Sprintf("value %s is out of range for %v", lit, k)
	}
	if f != math.Trunc(f) {
		return 0, fmt.Sprintf("value %s is not a whole number, as %v needs", lit, k)
	}
	return f, ""
}

func hasFraction(lit []byte) bool {
	for _, c := range lit {
		if c == '.' || c == 'e' || c == 'E' {
			return true
		}
	}
	return false
}

// expected describes what JSON a field takes, for error messages.
func expected(fd protoreflect.FieldDescriptor) string {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return "a string"
	case protoreflect.BytesKind:
		return "a base64 string"
	case protoreflect.BoolKind:
		return "a boolean"
	case protoreflect.EnumKind:
		return "a value name of enum " + string(fd.Enum().FullName())
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return "a number"
	case protoreflect.MessageKind, protoreflect.GroupKind:
		if fd.IsMap() {
			return "an object (a map)"
		}
		return "an object (" + string(fd.Message().FullName()) + ")"
	default:
		return "an integer"
	}
}

// mismatch reports that the value at the input is of the wrong JSON type
// for fd (or is no JSON value at all).
func (d *decoder) mismatch(fd protoreflect.FieldDescriptor) error {
	c := d.peek()
	got := describeJSON(c)
	if got == "" {
		return d.syntaxError("expected a JSON value")
	}
	return d.path.fieldError(fmt.Sprintf("expected %s, got %s", expected(fd), got))
}

func describeJSON(c byte) string {
	switch {
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	case c == '-' || isDigit(c):
		return "a number"
	default:
		return ""
	}
}

// fieldSet remembers which fields (by index) an object has set.
type fieldSet struct {
	low  uint64
	high map[int]bool
}

// add records field i and reports whether it was already there.
func (s *fieldSet) add(i int) bool {
	if i < 64 {
		had := s.low&(1<<i) != 0
		s.low |= 1 << i
		return had
	}
	if s.high == nil {
		s.high = make(map[int]bool)
	}
	had := s.high[i]
	s.high[i] = true
	return had
}

// The JSON scanner. The grammar is RFC 8259's; strings must be valid UTF-8
// and may not hold lone surrogate escapes.

func (d *decoder) peek() byte {
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

func (d *decoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) syntaxError(msg string) error {
	if d.pos >= len(d.data) {
		msg = "unexpected end of input"
	}
	return fmt.Errorf("%w at offset %d: %s", ErrMalformedJSON, d.pos, msg)
}

// enter consumes the '{' or '[' at the input, one level deeper.
func (d *decoder) enter() error {
	if d.depth >= MaxDepth {
		return fmt.Errorf("%w (at offset %d)", ErrTooDeep, d.pos)
	}
	d.depth++
	d.pos++
	return nil
}

func (d *decoder) colon() error {
	d.skipSpace()
	if d.peek() != ':' {
		return d.syntaxError("expected ':' after object key")
	}
	d.pos++
	d.skipSpace()
	return nil
}

func (d *decoder) literal(word string) error {
	if len(d.data)-d.pos < len(word) || string(d.data[d.pos:d.pos+len(word)]) != word {
		return d.syntaxError("invalid literal, expected " + word)
	}
	d.pos += len(word)
	return nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// number consumes a JSON number and returns its text.
func (d *decoder) number() ([]byte, error) {
	n := jsonNumberLen(d.data[d.pos:])
	if n == 0 {
		return nil, d.syntaxError("invalid number")
	}
	lit := d.data[d.pos : d.pos+n]
	d.pos += n
	return lit, nil
}

func isJSONNumber(s []byte) bool {
	return len(s) > 0 && jsonNumberLen(s) == len(s)
}

// jsonNumberLen returns the length of the JSON number at the start of s, or
// 0 if there is none:  -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
func jsonNumberLen(s []byte) int {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	default:
		return 0
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || !isDigit(s[i]) {
			return 0
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || !isDigit(s[i]) {
			return 0
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	return i
}

func trimSpace(s []byte) []byte {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// stringBytes consumes a JSON string and returns its contents, unescaped.
// The result aliases the input or d.scratch: it is valid until the next
// call.
func (d *decoder) stringBytes() ([]byte, error) {
	d.pos++ // the opening quote
	start := d.pos
	ascii := true
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			s := d.data[start:d.pos]
			d.pos++
			if !ascii && !utf8.Valid(s) {
				d.pos = start
				return nil, d.syntaxError("invalid UTF-8 in string")
			}
			return s, nil
		case c == '\\':
			return d.unescape(start)
		case c < 0x20:
			return nil, d.syntaxError("control character in string")
		case c >= utf8.RuneSelf:
			ascii = false
		}
		d.pos++
	}
	return nil, d.syntaxError("unterminated string")
}

// unescape finishes a string that has escapes; d.pos is at the first
// backslash and the string began at start.
func (d *decoder) unescape(start int) ([]byte, error) {
	out := append(d.scratch[:0], d.data[start:d.pos]...)
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			d.scratch = out
			if !utf8.Valid(out) {
				return nil, d.syntaxError("invalid UTF-8 in string")
			}
			return out, nil
		case c < 0x20:
			return nil, d.syntaxError("control character in string")
		case c != '\\':
			out = append(out, c)
			d.pos++
			continue
		}
		d.pos++ // the backslash
		if d.pos >= len(d.data) {
			break
		}
		e := d.data[d.pos]
		d.pos++
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return nil, d.syntaxError("invalid \\u escape")
			}
			switch {
			case utf16.IsSurrogate(r) && r < 0xdc00:
				// A high surrogate must be followed by an escaped low one.
				if len(d.data)-d.pos < 2 || d.data[d.pos] != '\\' || d.data[d.pos+1] != 'u' {
					return nil, d.syntaxError("lone surrogate in \\u escape")
				}
				d.pos += 2
				r2, ok := d.hex4()
				if !ok || r2 < 0xdc00 || r2 > 0xdfff {
					return nil, d.syntaxError("lone surrogate in \\u escape")
				}
				r = utf16.DecodeRune(r, r2)
			case utf16.IsSurrogate(r):
				return nil, d.syntaxError("lone surrogate in \\u escape")
			}
			out = utf8.AppendRune(out, r)
		default:
			d.pos--
			return nil, d.syntaxError("invalid escape in string")
		}
	}
	return nil, d.syntaxError("unterminated string")
}

func (d *decoder) hex4() (rune, bool) {
	if len(d.data)-d.pos < 4 {
		return 0, false
	}
	var r rune
	for _, c := range d.data[d.pos : d.pos+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	d.pos += 4
	return r, true
}

// skipValue consumes any JSON value, checking its syntax; it is used for
// unknown keys, which Mesos ignores.
func (d *decoder) skipValue() error {
	d.skipSpace()
	switch c := d.peek(); {
	case c == '{':
		if err := d.enter(); err != nil {
			return err
		}
		d.skipSpace()
		if d.peek() == '}' {
			d.pos++
			d.depth--
			return nil
		}
		for {
			d.skipSpace()
			if d.peek() != '"' {
				return d.syntaxError("expected a string as object key")
			}
			if _, err := d.stringBytes(); err != nil {
				return err
			}
			if err := d.colon(); err != nil {
				return err
			}
			if err := d.skipValue(); err != nil {
				return err
			}
			d.skipSpace()
			switch d.peek() {
			case ',':
				d.pos++
			case '}':
				d.pos++
				d.depth--
				return nil
			default:
				return d.syntaxError("expected ',' or '}' after object value")
			}
		}
	case c == '[':
		if err := d.enter(); err != nil {
			return err
		}
		d.skipSpace()
		if d.peek() == ']' {
			d.pos++
			d.depth--
			return nil
		}
		for {
			if err := d.skipValue(); err != nil {
				return err
			}
			d.skipSpace()
			switch d.peek() {
			case ',':
				d.pos++
			case ']':
				d.pos++
				d.depth--
				return nil
			default:
				return d.syntaxError("expected ',' or ']' after array element")
			}
		}
	case c == '"':
		_, err := d.stringBytes()
		return err
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	case c == '-' || isDigit(c):
		_, err := d.number()
		return err
	default:
		return d.syntaxError("expected a JSON value")
	}
}

// decodeBase64 reads standard base64 as stout's base64::decode does, so
// that what Mesos accepts we accept: whitespace is skipped, the first '='
// ends the data (padding is optional and not checked), a final lone
// character adds nothing, and any other byte outside the standard alphabet
// is an error.
func decodeBase64(s []byte) ([]byte, error) {
	out := make([]byte, 0, len(s)*3/4+2)
	var group [4]byte
	n := 0
	for i, c := range s {
		if c == '=' {
			break
		}
		var v byte
		switch {
		case c >= 'A' && c <= 'Z':
			v = c - 'A'
		case c >= 'a' && c <= 'z':
			v = c - 'a' + 26
		case c >= '0' && c <= '9':
			v = c - '0' + 52
		case c == '+':
			v = 62
		case c == '/':
			v = 63
		case c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r':
			continue
		default:
			return nil, fmt.Errorf("invalid base64: unexpected %q at offset %d", c, i)
		}
		group[n] = v
		n++
		if n == 4 {
			out = append(out, group[0]<<2|group[1]>>4, group[1]<<4|group[2]>>2, group[2]<<6|group[3])
			n = 0
		}
	}
	switch n {
	case 2:
		out = append(out, group[0]<<2|group[1]>>4)
	case 3:
		out = append(out, group[0]<<2|group[1]>>4, group[1]<<4|group[2]>>2)
	}
	return out, nil
}
