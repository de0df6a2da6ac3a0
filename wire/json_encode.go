package wire

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// MarshalJSON encodes m the way Mesos does (stout's JSON::Protobuf writer):
//
//   - keys are the proto field names, in declaration order;
//   - unset fields are left out, except a singular field with an explicit
//     default that is not deprecated, which is written with its default;
//     empty repeated and map fields are left out;
//   - enums are their value names, bytes are standard base64 with padding;
//   - every integer, 64-bit ones included, is a JSON number;
//   - floating-point numbers have 15 significant digits and always a decimal
//     point ("1.0", "0.1", "1.0e+20"), as stout prints them; infinities are
//     the strings "Infinity" and "-Infinity", which Mesos reads back; NaN
//     cannot be encoded and is an error;
//   - maps are objects, their entries ordered by key;
//   - the output is compact and pure ASCII: beyond the usual escapes, '/'
//     becomes "\/" (as stout writes it) and every non-ASCII character a
//     \uXXXX escape (a surrogate pair above U+FFFF), because the npm client
//     measures RecordIO lengths in characters. Invalid UTF-8 in a string
//     field becomes U+FFFD.
//
// A message with an unset required field is not encoded: the error matches
// ErrMissingRequiredField and names the field's path.
func MarshalJSON(m proto.Message) ([]byte, error) {
	if m == nil {
		return nil, errNilMessage
	}
	if err := checkRequired(m); err != nil {
		return nil, err
	}
	e := encoder{buf: make([]byte, 0, 256)}
	if err := e.message(m.ProtoReflect()); err != nil {
		return nil, err
	}
	return e.buf, nil
}

type encoder struct {
	buf  []byte
	path fieldPath
}

func (e *encoder) message(m protoreflect.Message) error {
	mi := infoFor(m.Descriptor())
	e.buf = append(e.buf, '{')
	n := 0
	for i := range mi.fields {
		f := &mi.fields[i]
		fd := f.fd
		var v protoreflect.Value
		switch {
		case fd.IsMap():
			if v = m.Get(fd); v.Map().Len() == 0 {
				continue
			}
		case fd.IsList():
			if v = m.Get(fd); v.List().Len() == 0 {
				continue
			}
		case m.Has(fd) || f.printDefault:
			v = m.Get(fd)
		default:
			continue
		}
		if n > 0 {
			e.buf = append(e.buf, ',')
		}
		n++
		e.buf = append(e.buf, f.key...)
		e.path.pushField(fd)
		if err := e.field(fd, v); err != nil {
			return err
		}
		e.path.pop()
	}
	e.buf = append(e.buf, '}')
	return nil
}

func (e *encoder) field(fd protoreflect.FieldDescriptor, v protoreflect.Value) error {
	switch {
	case fd.IsMap():
		return e.mapEntries(fd, v.Map())
	case fd.IsList():
		l := v.List()
		e.buf = append(e.buf, '[')
		for i := range l.Len() {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.path.pushIndex(i)
			if err := e.value(fd, l.Get(i)); err != nil {
				return err
			}
			e.path.pop()
		}
		e.buf = append(e.buf, ']')
		return nil
	default:
		return e.value(fd, v)
	}
}

// mapEntries writes a map as an object whose keys are the map keys as
// strings (numbers and booleans in their JSON spelling), in key order.
func (e *encoder) mapEntries(fd protoreflect.FieldDescriptor, mp protoreflect.Map) error {
	keys := make([]protoreflect.MapKey, 0, mp.Len())
	mp.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
		keys = append(keys, k)
		return true
	})
	slices.SortFunc(keys, compareMapKeys)

	valueFd := fd.MapValue()
	e.buf = append(e.buf, '{')
	for i, k := range keys {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = appendMapKey(e.buf, fd.MapKey().Kind(), k)
		e.buf = append(e.buf, ':')
		e.path.pushKey(k)
		if err := e.value(valueFd, mp.Get(k)); err != nil {
			return err
		}
		e.path.pop()
	}
	e.buf = append(e.buf, '}')
	return nil
}

// appendMapKey writes a map key as a JSON object key: strings as they are,
// numbers and booleans in their JSON spelling inside quotes.
func appendMapKey(buf []byte, kind protoreflect.Kind, k protoreflect.MapKey) []byte {
	switch kind {
	case protoreflect.StringKind:
		return appendString(buf, k.String())
	case protoreflect.BoolKind:
		buf = append(buf, '"')
		buf = strconv.AppendBool(buf, k.Bool())
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
		protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		buf = append(buf, '"')
		buf = strconv.AppendInt(buf, k.Int(), 10)
	default: // the unsigned kinds; protobuf allows no other key kinds
		buf = append(buf, '"')
		buf = strconv.AppendUint(buf, k.Uint(), 10)
	}
	return append(buf, '"')
}

func compareMapKeys(a, b protoreflect.MapKey) int {
	switch av := a.Interface().(type) {
	case string:
		return strings.Compare(av, b.String())
	case bool:
		switch {
		case av == b.Bool():
			return 0
		case av:
			return 1
		default:
			return -1
		}
	case int32, int64:
		return cmpInt(a.Int(), b.Int())
	default:
		return cmpInt(a.Uint(), b.Uint())
	}
}

func cmpInt[T int64 | uint64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	default:
		return 0
	}
}

// value writes one singular value (a list element, a map value or a
// singular field) of field fd.
func (e *encoder) value(fd protoreflect.FieldDescriptor, v protoreflect.Value) error {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		e.buf = strconv.AppendBool(e.buf, v.Bool())
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
		protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		e.buf = strconv.AppendInt(e.buf, v.Int(), 10)
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind,
		protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		e.buf = strconv.AppendUint(e.buf, v.Uint(), 10)
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		f := v.Float()
		if math.IsNaN(f) {
			return e.path.fieldError("NaN cannot be encoded in JSON")
		}
		e.buf = appendFloat(e.buf, f)
	case protoreflect.StringKind:
		e.buf = appendString(e.buf, v.String())
	case protoreflect.BytesKind:
		e.buf = append(e.buf, '"')
		e.buf = base64.StdEncoding.AppendEncode(e.buf, v.Bytes())
		e.buf = append(e.buf, '"')
	case protoreflect.EnumKind:
		ev := fd.Enum().Values().ByNumber(v.Enum())
		if ev == nil {
			return e.path.fieldError(fmt.Sprintf("enum %s has no value numbered %d", fd.Enum().FullName(), v.Enum()))
		}
		e.buf = appendString(e.buf, string(ev.Name()))
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return e.message(v.Message())
	default:
		return e.path.fieldError(fmt.Sprintf("unsupported field kind %v", fd.Kind()))
	}
	return nil
}

// appendFloat writes f as stout does (printf "%#.15g" without trailing
// zeros, keeping at least one digit after the point): 1 -> "1.0",
// 0.1 -> "0.1", 1048576 -> "1048576.0", 1e-05 -> "1.0e-05". stout's trimming
// also eats trailing zeros of the exponent (1e20 comes out as
// "1.00000000000000e+2"); we do not reproduce that bug.
func appendFloat(buf []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(buf, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(buf, `"-Infinity"`...)
	}
	start := len(buf)
	buf = strconv.AppendFloat(buf, f, 'g', 15, 64)
	num := buf[start:]
	exp := bytes.IndexByte(num, 'e')
	switch {
	case exp >= 0 && bytes.IndexByte(num[:exp], '.') < 0:
		// 1e+20 -> 1.0e+20
		buf = slices.Insert(buf, start+exp, '.', '0')
	case exp < 0 && bytes.IndexByte(num, '.') < 0:
		buf = append(buf, '.', '0')
	}
	return buf
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string of ASCII characters only.
func appendString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0 // s[start:i] is pending, needing no escape
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '/' {
			i++
			continue
		}
		buf = append(buf, s[start:i]...)
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\', '/':
				buf = append(buf, '\\', c)
			case '\b':
				buf = append(buf, '\\', 'b')
			case '\f':
				buf = append(buf, '\\', 'f')
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default: // other control characters and DEL
				buf = appendUnicodeEscape(buf, rune(c))
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		// An invalid byte decodes as utf8.RuneError, written as U+FFFD.
		if r > 0xffff {
			r1, r2 := utf16.EncodeRune(r)
			buf = appendUnicodeEscape(buf, r1)
			buf = appendUnicodeEscape(buf, r2)
		} else {
			buf = appendUnicodeEscape(buf, r)
		}
		i += size
		start = i
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

func appendUnicodeEscape(buf []byte, r rune) []byte {
	return append(buf, '\\', 'u',
		hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}
