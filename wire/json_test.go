package wire_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"agora/wire"
	"agora/wire/internal/testpb"
)

// defaults is what every testpb.Sample prints for its unset fields with
// explicit, non-deprecated defaults (role is deprecated, so absent).
const defaults = `"timeout":5.0,"checkpoint":false,"default_kind":"SECOND","limit":-7,"magic":"aGk="`

func TestMarshalJSONWritesMesosStyle(t *testing.T) {
	tests := []struct {
		name string
		msg  proto.Message
		want string
	}{
		{
			name: "unset fields are left out except non-deprecated defaults",
			msg:  &testpb.Sample{},
			want: `{` + defaults + `}`,
		},
		{
			name: "a set deprecated field is written",
			msg:  &testpb.Sample{Role: proto.String("web")},
			want: `{"timeout":5.0,"role":"web","checkpoint":false,"default_kind":"SECOND","limit":-7,"magic":"aGk="}`,
		},
		{
			name: "set defaults are written with their set values",
			msg:  &testpb.Sample{Timeout: proto.Float64(0), Checkpoint: proto.Bool(true), Limit: proto.Int64(0), Magic: []byte{}},
			want: `{"timeout":0.0,"checkpoint":true,"default_kind":"SECOND","limit":0,"magic":""}`,
		},
		{
			name: "keys follow declaration order, not field numbers",
			msg:  &testpb.Inner{Note: proto.String("n"), Count: proto.Int32(3), Value: proto.String("v")},
			want: `{"value":"v","count":3,"note":"n"}`,
		},
		{
			name: "64-bit integers are JSON numbers",
			msg: &testpb.Sample{
				I64: proto.Int64(math.MinInt64), U64: proto.Uint64(math.MaxUint64),
				S64: proto.Int64(-1), F64: proto.Uint64(1 << 63), Sf64: proto.Int64(math.MaxInt64),
				I32: proto.Int32(math.MinInt32), U32: proto.Uint32(math.MaxUint32),
				S32: proto.Int32(-2), F32: proto.Uint32(7), Sf32: proto.Int32(-8),
			},
			want: `{"i32":-2147483648,"i64":-9223372036854775808,"u32":4294967295,"u64":18446744073709551615,` +
				`"s32":-2,"s64":-1,"f32":7,"f64":9223372036854775808,"sf32":-8,"sf64":9223372036854775807,` + defaults + `}`,
		},
		{
			name: "floating point has a decimal point and 15 significant digits",
			msg: &testpb.Sample{Ratios: []float64{
				1, 0.1, 2.5, 1048576, 0.30000000000000004, 1e20, 1e-5, 123456789012345678, 1e15, 1e14, math.Copysign(0, -1),
			}},
			want: `{"ratios":[1.0,0.1,2.5,1048576.0,0.3,1.0e+20,1.0e-05,1.23456789012346e+17,1.0e+15,100000000000000.0,-0.0],` + defaults + `}`,
		},
		{
			name: "float fields print their value as a double, like stout",
			msg:  &testpb.Sample{Fl: proto.Float32(0.1)},
			want: `{"fl":0.100000001490116,` + defaults + `}`,
		},
		{
			name: "infinities are the strings Mesos reads back",
			msg:  &testpb.Sample{Db: proto.Float64(math.Inf(1)), Ratios: []float64{math.Inf(-1)}},
			want: `{"db":"Infinity","ratios":["-Infinity"],` + defaults + `}`,
		},
		{
			name: "enums are their names",
			msg:  &testpb.Sample{Color: testpb.Color_BLUE.Enum(), Kind: testpb.Sample_FIRST.Enum(), Colors: []testpb.Color{testpb.Color_RED, testpb.Color_COLOR_UNKNOWN}},
			want: `{"color":"BLUE","kind":"FIRST","colors":["RED","COLOR_UNKNOWN"],` + defaults + `}`,
		},
		{
			name: "bytes are standard base64 with padding",
			msg:  &testpb.Sample{Data: []byte{0xfb, 0xff}, Blobs: [][]byte{[]byte("a"), {}, []byte("abc")}},
			want: `{"data":"+/8=","blobs":["YQ==","","YWJj"],` + defaults + `}`,
		},
		{
			name: "empty repeated fields are left out",
			msg:  &testpb.Sample{Tags: []string{}, Inners: []*testpb.Inner{}, Labels: map[string]string{}},
			want: `{` + defaults + `}`,
		},
		{
			name: "repeated and nested messages",
			msg: &testpb.Sample{
				Tags:     []string{"a", "b"},
				Switches: []bool{true, false},
				Inner:    &testpb.Inner{Value: proto.String("x")},
				Inners:   []*testpb.Inner{{Value: proto.String("y")}, {Value: proto.String("z"), Count: proto.Int32(-1)}},
			},
			want: `{"inner":{"value":"x"},"tags":["a","b"],"switches":[true,false],` +
				`"inners":[{"value":"y"},{"value":"z","count":-1}],` + defaults + `}`,
		},
		{
			name: "a set empty message is an empty object",
			msg:  &testpb.Strict{Kind: testpb.Sample_FIRST.Enum(), Inner: &testpb.Inner{Value: proto.String("")}},
			want: `{"kind":"FIRST","inner":{"value":""}}`,
		},
		{
			name: "strings are ASCII with stout's escapes",
			msg:  &testpb.Inner{Value: proto.String("a\"b\\c/d\b\f\n\r\t\x00\x1f\x7f")},
			want: `{"value":"a\"b\\c\/d\b\f\n\r\t\u0000\u001f\u007f"}`,
		},
		{
			name: "non-ASCII is escaped, with surrogate pairs above U+FFFF",
			msg:  &testpb.Inner{Value: proto.String("héllo wörld – 日本 😀\u2028")},
			want: `{"value":"h\u00e9llo w\u00f6rld \u2013 \u65e5\u672c \ud83d\ude00\u2028"}`,
		},
		{
			name: "invalid UTF-8 becomes U+FFFD",
			msg:  &testpb.Inner{Value: proto.String("a\xffb\xc3")},
			want: `{"value":"a\ufffdb\ufffd"}`,
		},
		{
			name: "a oneof member is written under its own name",
			msg:  &testpb.Sample{Choice: &testpb.Sample_Nested{Nested: &testpb.Inner{Value: proto.String("n")}}},
			want: `{` + defaults + `,"nested":{"value":"n"}}`,
		},
		{
			name: "maps are objects in key order, non-string keys quoted",
			msg: &testpb.Sample{
				InnerByName: map[string]*testpb.Inner{"b": {Value: proto.String("2")}, "a": {Value: proto.String("1")}},
				Labels:      map[string]string{"z": "last", "é": "non-ASCII key", "": "empty key"},
				Scores:      map[int32]float64{10: 1, -3: 0.5, 2: 2},
				ColorByFlag: map[bool]testpb.Color{true: testpb.Color_RED, false: testpb.Color_BLUE},
				BlobById:    map[uint64][]byte{math.MaxUint64: []byte("hi"), 1: nil},
			},
			want: `{` + defaults + `,"inner_by_name":{"a":{"value":"1"},"b":{"value":"2"}},` +
				`"labels":{"":"empty key","z":"last","\u00e9":"non-ASCII key"},` +
				`"scores":{"-3":0.5,"2":2.0,"10":1.0},"color_by_flag":{"false":"BLUE","true":"RED"},` +
				`"blob_by_id":{"1":"","18446744073709551615":"aGk="}}`,
		},
		{
			name: "recursive messages",
			msg:  &testpb.Sample{Child: &testpb.Sample{Child: &testpb.Sample{Name: proto.String("leaf")}}},
			want: `{` + defaults + `,"child":{` + defaults + `,"child":{"name":"leaf",` + defaults + `}}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := wire.MarshalJSON(tt.msg)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("MarshalJSON =\n%s\nwant\n%s", got, tt.want)
			}
			for i, c := range got {
				if c >= 0x80 {
					t.Fatalf("non-ASCII byte %#x at %d", c, i)
				}
			}
		})
	}
}

func TestMarshalJSONRefusesWhatJSONCannotCarry(t *testing.T) {
	tests := []struct {
		name string
		msg  proto.Message
		err  error
		text string
	}{
		{
			name: "missing required field",
			msg:  &testpb.Strict{},
			err:  wire.ErrMissingRequiredField,
			text: `wire: missing required field "kind"`,
		},
		{
			name: "missing required field deep inside",
			msg: &testpb.Sample{Child: &testpb.Sample{
				Inners: []*testpb.Inner{{Value: proto.String("ok")}, {}},
			}},
			err:  wire.ErrMissingRequiredField,
			text: `wire: missing required field "child.inners[1].value"`,
		},
		{
			name: "missing required field in a map value",
			msg:  &testpb.Sample{InnerByName: map[string]*testpb.Inner{"ok": {Value: proto.String("")}, "bad": {}}},
			err:  wire.ErrMissingRequiredField,
			text: `wire: missing required field "inner_by_name[\"bad\"].value"`,
		},
		{
			name: "NaN",
			msg:  &testpb.Sample{Inners: nil, Child: &testpb.Sample{Ratios: []float64{1, math.NaN()}}},
			err:  wire.ErrInvalidField,
			text: `wire: field "child.ratios[1]": NaN cannot be encoded in JSON`,
		},
		{
			name: "enum number without a name",
			msg:  &testpb.Sample{Color: testpb.Color(42).Enum()},
			err:  wire.ErrInvalidField,
			text: `wire: field "color": enum agora.wiretest.Color has no value numbered 42`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wire.MarshalJSON(tt.msg)
			if !errors.Is(err, tt.err) || err.Error() != tt.text {
				t.Fatalf("err = %v, want %q (%v)", err, tt.text, tt.err)
			}
		})
	}
}

func TestUnmarshalJSONAcceptsWhatMesosAccepts(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want proto.Message
	}{
		{
			name: "empty object",
			in:   `{}`,
			want: &testpb.Sample{},
		},
		{
			name: "whitespace around everything",
			in:   " \t\r\n{ \"name\" :\n\"x\" , \"tags\" : [ \"a\" , \"b\" ] }\n ",
			want: &testpb.Sample{Name: proto.String("x"), Tags: []string{"a", "b"}},
		},
		{
			name: "integers as numbers and numeric strings",
			in: `{"i32":" 42 ","i64":"-9223372036854775808","u32":4294967295,"u64":"18446744073709551615",` +
				`"s32":"-1","s64":9223372036854775807,"f32":"0","f64":18446744073709551615,"sf32":-0,"sf64":"1e3"}`,
			want: &testpb.Sample{
				I32: proto.Int32(42), I64: proto.Int64(math.MinInt64), U32: proto.Uint32(math.MaxUint32),
				U64: proto.Uint64(math.MaxUint64), S32: proto.Int32(-1), S64: proto.Int64(math.MaxInt64),
				F32: proto.Uint32(0), F64: proto.Uint64(math.MaxUint64), Sf32: proto.Int32(0), Sf64: proto.Int64(1000),
			},
		},
		{
			name: "whole numbers written with fractions or exponents",
			in:   `{"i32":2.0,"i64":-1e18,"u64":1.5e1,"u32":"-0"}`,
			want: &testpb.Sample{I32: proto.Int32(2), I64: proto.Int64(-1e18), U64: proto.Uint64(15), U32: proto.Uint32(0)},
		},
		{
			name: "floating point as numbers, numeric strings and infinities",
			in:   `{"db":"2.5e-3","fl":-1.5,"ratios":[1,"0.1","Infinity","-Infinity",1e308]}`,
			want: &testpb.Sample{Db: proto.Float64(0.0025), Fl: proto.Float32(-1.5), Ratios: []float64{1, 0.1, math.Inf(1), math.Inf(-1), 1e308}},
		},
		{
			name: "booleans and boolean strings",
			in:   `{"flag":"true","switches":[true,false,"false"," true "]}`,
			want: &testpb.Sample{Flag: proto.Bool(true), Switches: []bool{true, false, false, true}},
		},
		{
			name: "strings with escapes",
			in:   `{"name":"\u00e9\ud83d\ude00\/\"\\\b\f\n\r\t\u0000 raw é😀"}`,
			want: &testpb.Sample{Name: proto.String("é😀/\"\\\b\f\n\r\t\x00 raw é😀")},
		},
		{
			name: "null leaves any field unset",
			in:   `{"name":null,"i64":null,"inner":null,"tags":null,"inners":null,"labels":null,"text":null,"child":null}`,
			want: &testpb.Sample{},
		},
		{
			name: "unknown keys are ignored, whatever they hold",
			in:   `{"bogus":{"a":[1,2.5e3,{"b":null}],"c":"\u00e9"},"frameworkInfo":true,"name":"x","Name":"y"}`,
			want: &testpb.Sample{Name: proto.String("x")},
		},
		{
			name: "unknown enum names are dropped from optional and repeated fields",
			in:   `{"color":"PURPLE","kind":"FIRST","colors":["RED","PURPLE","BLUE"]}`,
			want: &testpb.Sample{Kind: testpb.Sample_FIRST.Enum(), Colors: []testpb.Color{testpb.Color_RED, testpb.Color_BLUE}},
		},
		{
			name: "unknown enum names are dropped from repeated fields of a message with a required enum",
			in:   `{"kind":"SECOND","kinds":["NOPE","FIRST"]}`,
			want: &testpb.Strict{Kind: testpb.Sample_SECOND.Enum(), Kinds: []testpb.Sample_Kind{testpb.Sample_FIRST}},
		},
		{
			name: "the last of repeated keys wins",
			in: `{"name":"a","name":"b","tags":["x"],"tags":["y"],` +
				`"inner":{"value":"1","count":1},"inner":{"value":"2"},"i32":1,"i32":null}`,
			want: &testpb.Sample{Name: proto.String("b"), Tags: []string{"y"}, Inner: &testpb.Inner{Value: proto.String("2")}},
		},
		{
			name: "a lone value for a repeated field is one element",
			in:   `{"tags":"a","inners":{"value":"x"},"colors":"GREEN"}`,
			want: &testpb.Sample{Tags: []string{"a"}, Inners: []*testpb.Inner{{Value: proto.String("x")}}, Colors: []testpb.Color{testpb.Color_GREEN}},
		},
		{
			name: "nested arrays are flattened and null elements skipped",
			in:   `{"tags":[["a","b"],null,[],"c",[["d"]]],"numbers":[1,[2,"3"]]}`,
			want: &testpb.Sample{Tags: []string{"a", "b", "c", "d"}, Numbers: []int64{1, 2, 3}},
		},
		{
			name: "base64 read as leniently as stout",
			in: `{"data":"aGk","blobs":["aGk=","aG k=\n","aGk=ignored after padding!","QQ","Q","",` +
				`"YWJj","+/8="]}`,
			want: &testpb.Sample{Data: []byte("hi"), Blobs: [][]byte{
				[]byte("hi"), []byte("hi"), []byte("hi"), []byte("A"), {}, {}, []byte("abc"), {0xfb, 0xff},
			}},
		},
		{
			name: "maps keyed by strings, numbers and booleans",
			in: `{"inner_by_name":{"x":{"value":"v"}},"labels":{"a":"1","":"empty"},"scores":{"3":1.5,"-1":"2"," 7 ":0},` +
				`"color_by_flag":{"true":"RED"},"blob_by_id":{"18446744073709551615":"aGk="}}`,
			want: &testpb.Sample{
				InnerByName: map[string]*testpb.Inner{"x": {Value: proto.String("v")}},
				Labels:      map[string]string{"a": "1", "": "empty"},
				Scores:      map[int32]float64{3: 1.5, -1: 2, 7: 0},
				ColorByFlag: map[bool]testpb.Color{true: testpb.Color_RED},
				BlobById:    map[uint64][]byte{math.MaxUint64: []byte("hi")},
			},
		},
		{
			name: "a map may also be an array of objects",
			in:   `{"labels":[{"a":"1"},null,{"b":"2","a":"3"}]}`,
			want: &testpb.Sample{Labels: map[string]string{"a": "3", "b": "2"}},
		},
		{
			name: "null and unknown enum map values make default entries",
			in:   `{"labels":{"a":null},"color_by_flag":{"false":"PURPLE"},"blob_by_id":{"1":null}}`,
			want: &testpb.Sample{
				Labels:      map[string]string{"a": ""},
				ColorByFlag: map[bool]testpb.Color{false: testpb.Color_COLOR_UNKNOWN},
				BlobById:    map[uint64][]byte{1: {}},
			},
		},
		{
			name: "of two oneof members the one whose name sorts last wins",
			in:   `{"text":"t","number":5}`,
			want: &testpb.Sample{Choice: &testpb.Sample_Text{Text: "t"}},
		},
		{
			name: "of two oneof members the one whose name sorts last wins, in any order",
			in:   `{"number":5,"text":"t"}`,
			want: &testpb.Sample{Choice: &testpb.Sample_Text{Text: "t"}},
		},
		{
			name: "a later oneof message member loses to a number member",
			in:   `{"number":1,"nested":{"value":"v"}}`,
			want: &testpb.Sample{Choice: &testpb.Sample_Number{Number: 1}},
		},
		{
			name: "a null oneof member does not unset another",
			in:   `{"text":"t","number":null}`,
			want: &testpb.Sample{Choice: &testpb.Sample_Text{Text: "t"}},
		},
		{
			name: "an empty object sets a message field",
			in:   `{"child":{}}`,
			want: &testpb.Sample{Child: &testpb.Sample{}},
		},
		{
			name: "deprecated fields are read",
			in:   `{"role":"web"}`,
			want: &testpb.Sample{Role: proto.String("web")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.want.ProtoReflect().New().Interface()
			if err := wire.UnmarshalJSON([]byte(tt.in), got); err != nil {
				t.Fatal(err)
			}
			if !proto.Equal(got, tt.want) {
				t.Errorf("UnmarshalJSON(%s) =\n%v\nwant\n%v", tt.in, got, tt.want)
			}
		})
	}
}

func TestUnmarshalJSONRefusesBadInput(t *testing.T) {
	tests := []struct {
		name string
		in   string
		msg  proto.Message // default: *testpb.Sample
		err  error
		text string // the whole error text, or a part of it when ending in "..."
	}{
		// Not JSON.
		{name: "empty input", in: ``, err: wire.ErrMalformedJSON, text: "wire: malformed JSON at offset 0: unexpected end of input"},
		{name: "only whitespace", in: " \n", err: wire.ErrMalformedJSON},
		{name: "unterminated object", in: `{"name":"x"`, err: wire.ErrMalformedJSON},
		{name: "missing value", in: `{"name":}`, err: wire.ErrMalformedJSON, text: "wire: malformed JSON at offset 8: expected a JSON value"},
		{name: "missing colon", in: `{"name" "x"}`, err: wire.ErrMalformedJSON, text: "wire: malformed JSON at offset 8: expected ':' after object key"},
		{name: "trailing comma in object", in: `{"name":"x",}`, err: wire.ErrMalformedJSON},
		{name: "trailing comma in array", in: `{"tags":["a",]}`, err: wire.ErrMalformedJSON},
		{name: "single quotes", in: `{'name':1}`, err: wire.ErrMalformedJSON},
		{name: "unquoted key", in: `{name:1}`, err: wire.ErrMalformedJSON},
		{name: "data after the object", in: `{"name":"x"} {}`, err: wire.ErrMalformedJSON, text: "wire: malformed JSON at offset 13: unexpected data after the top-level object"},
		{name: "raw control character in string", in: "{\"name\":\"a\x01\"}", err: wire.ErrMalformedJSON},
		{name: "invalid UTF-8 in string", in: "{\"name\":\"a\xff\"}", err: wire.ErrMalformedJSON},
		{name: "invalid UTF-8 in escaped string", in: "{\"name\":\"\\n\xc3\"}", err: wire.ErrMalformedJSON},
		{name: "invalid UTF-8 in unknown key", in: "{\"\xff\":1}", err: wire.ErrMalformedJSON},
		{name: "lone high surrogate", in: `{"name":"\ud83d"}`, err: wire.ErrMalformedJSON},
		{name: "high surrogate then non-surrogate", in: `{"name":"\ud83d\u0041"}`, err: wire.ErrMalformedJSON},
		{name: "lone low surrogate", in: `{"name":"\ude00"}`, err: wire.ErrMalformedJSON},
		{name: "bad escape", in: `{"name":"\q"}`, err: wire.ErrMalformedJSON},
		{name: "short unicode escape", in: `{"name":"\u00e"}`, err: wire.ErrMalformedJSON},
		{name: "leading zero", in: `{"i32":01}`, err: wire.ErrMalformedJSON},
		{name: "leading plus", in: `{"i32":+1}`, err: wire.ErrMalformedJSON},
		{name: "bare minus", in: `{"i32":-}`, err: wire.ErrMalformedJSON},
		{name: "dot without digits", in: `{"db":1.}`, err: wire.ErrMalformedJSON},
		{name: "exponent without digits", in: `{"db":1e}`, err: wire.ErrMalformedJSON},
		{name: "NaN literal", in: `{"db":NaN}`, err: wire.ErrMalformedJSON},
		{name: "misspelt literal", in: `{"flag":tru}`, err: wire.ErrMalformedJSON},
		{name: "misspelt null", in: `{"name":nul}`, err: wire.ErrMalformedJSON},
		{name: "bad JSON in an unknown key", in: `{"x":[1,}`, err: wire.ErrMalformedJSON},

		// JSON, but not an object.
		{name: "array", in: `[]`, err: wire.ErrInvalidField, text: "wire: expected a JSON object for agora.wiretest.Sample, got an array"},
		{name: "null document", in: `null`, err: wire.ErrInvalidField, text: "wire: expected a JSON object for agora.wiretest.Sample, got null"},
		{name: "string document", in: `"x"`, err: wire.ErrInvalidField},

		// Values that do not fit their fields.
		{name: "number for a string", in: `{"name":1}`, err: wire.ErrInvalidField, text: `wire: field "name": expected a string, got a number`},
		{name: "object for a string", in: `{"name":{}}`, err: wire.ErrInvalidField, text: `wire: field "name": expected a string, got an object`},
		{name: "array for a singular field", in: `{"name":["x"]}`, err: wire.ErrInvalidField, text: `wire: field "name": expected a string, got an array`},
		{name: "non-numeric string for an integer", in: `{"i32":"abc"}`, err: wire.ErrInvalidField, text: `wire: field "i32": expected an integer, got the string "abc"`},
		{name: "hexadecimal string for an integer", in: `{"i64":"0x10"}`, err: wire.ErrInvalidField},
		{name: "empty string for an integer", in: `{"u64":""}`, err: wire.ErrInvalidField},
		{name: "fraction for an integer", in: `{"i32":1.5}`, err: wire.ErrInvalidField, text: `wire: field "i32": value 1.5 is not a whole number, as int32 needs`},
		{name: "int32 overflow", in: `{"i32":2147483648}`, err: wire.ErrInvalidField, text: `wire: field "i32": value 2147483648 is out of range for int32`},
		{name: "sfixed32 underflow", in: `{"sf32":"-2147483649"}`, err: wire.ErrInvalidField},
		{name: "negative uint32", in: `{"u32":-1}`, err: wire.ErrInvalidField, text: `wire: field "u32": value -1 is out of range for uint32`},
		{name: "uint32 overflow", in: `{"f32":4294967296}`, err: wire.ErrInvalidField},
		{name: "uint64 overflow", in: `{"u64":"18446744073709551616"}`, err: wire.ErrInvalidField},
		{name: "uint64 overflow with exponent", in: `{"u64":1.8446744073709552e19}`, err: wire.ErrInvalidField},
		{name: "int64 overflow", in: `{"i64":9223372036854775808}`, err: wire.ErrInvalidField},
		{name: "int64 overflow with exponent", in: `{"s64":1e19}`, err: wire.ErrInvalidField},
		{name: "huge exponent for an integer", in: `{"i64":1e400}`, err: wire.ErrInvalidField},
		{name: "Infinity for an integer", in: `{"i32":"Infinity"}`, err: wire.ErrInvalidField},
		{name: "float overflow", in: `{"fl":1e39}`, err: wire.ErrInvalidField, text: `wire: field "fl": value 1e39 is out of range for float`},
		{name: "double overflow", in: `{"db":1e400}`, err: wire.ErrInvalidField, text: `wire: field "db": value 1e400 is out of range for double`},
		{name: "NaN string", in: `{"db":"NaN"}`, err: wire.ErrInvalidField, text: `wire: field "db": expected a number, got the string "NaN"`},
		{name: "Infinity with spaces", in: `{"db":" Infinity"}`, err: wire.ErrInvalidField},
		{name: "lowercase infinity", in: `{"db":"infinity"}`, err: wire.ErrInvalidField},
		{name: "number for a boolean", in: `{"flag":1}`, err: wire.ErrInvalidField, text: `wire: field "flag": expected a boolean, got a number`},
		{name: "other string for a boolean", in: `{"flag":"yes"}`, err: wire.ErrInvalidField},
		{name: "boolean for a number", in: `{"db":true}`, err: wire.ErrInvalidField, text: `wire: field "db": expected a number, got a boolean`},
		{name: "number for an enum", in: `{"color":1}`, err: wire.ErrInvalidField, text: `wire: field "color": expected a value name of enum agora.wiretest.Color, got a number`},
		{name: "string for a message", in: `{"inner":"x"}`, err: wire.ErrInvalidField, text: `wire: field "inner": expected an object (agora.wiretest.Inner), got a string`},
		{name: "array for a message", in: `{"inner":[{"value":"x"}]}`, err: wire.ErrInvalidField},
		{name: "object for a repeated string", in: `{"tags":{}}`, err: wire.ErrInvalidField, text: `wire: field "tags[0]": expected a string, got an object`},
		{name: "number in a repeated message", in: `{"inners":[{"value":"a"},7]}`, err: wire.ErrInvalidField, text: `wire: field "inners[1]": expected an object (agora.wiretest.Inner), got a number`},
		{name: "bad element deep inside", in: `{"child":{"inners":[{"value":"a"},{"value":1}]}}`, err: wire.ErrInvalidField, text: `wire: field "child.inners[1].value": expected a string, got a number`},
		{name: "bad base64", in: `{"data":"aGk!"}`, err: wire.ErrInvalidField, text: `wire: field "data": invalid base64: unexpected '!' at offset 3`},
		{name: "URL-safe base64", in: `{"blobs":["-_8"]}`, err: wire.ErrInvalidField},
		{name: "non-ASCII in base64", in: `{"data":"aé"}`, err: wire.ErrInvalidField},
		{name: "string for a map", in: `{"labels":"a"}`, err: wire.ErrInvalidField, text: `wire: field "labels": expected an object (a map), got a string`},
		{name: "bad map key", in: `{"scores":{"x":1}}`, err: wire.ErrInvalidField, text: `wire: field "scores": invalid map key "x": expected an integer, got the string "x"`},
		{name: "bad boolean map key", in: `{"color_by_flag":{"yes":"RED"}}`, err: wire.ErrInvalidField},
		{name: "bad map value", in: `{"inner_by_name":{"k":{"value":true}}}`, err: wire.ErrInvalidField, text: `wire: field "inner_by_name[\"k\"].value": expected a string, got a boolean`},
		{name: "unknown name in a required enum", in: `{"kind":"NOPE"}`, msg: &testpb.Strict{}, err: wire.ErrInvalidField, text: `wire: field "kind": unknown value "NOPE" for enum agora.wiretest.Sample.Kind`},

		// Required fields.
		{name: "missing required field", in: `{}`, msg: &testpb.Strict{}, err: wire.ErrMissingRequiredField, text: `wire: missing required field "kind"`},
		{name: "null required field", in: `{"kind":null}`, msg: &testpb.Strict{}, err: wire.ErrMissingRequiredField},
		{name: "missing required field of an empty message", in: `{"kind":"FIRST","inner":{}}`, msg: &testpb.Strict{}, err: wire.ErrMissingRequiredField, text: `wire: missing required field "inner.value"`},
		{name: "missing required field in a list", in: `{"inners":[{"value":"a"},{}]}`, err: wire.ErrMissingRequiredField, text: `wire: missing required field "inners[1].value"`},
		{name: "missing required field in a null map value", in: `{"inner_by_name":{"k":null}}`, err: wire.ErrMissingRequiredField, text: `wire: missing required field "inner_by_name[\"k\"].value"`},
		{name: "missing required field deep inside", in: `{"child":{"child":{"inner":{"count":1}}}}`, err: wire.ErrMissingRequiredField, text: `wire: missing required field "child.child.inner.value"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := tt.msg
			if msg == nil {
				msg = &testpb.Sample{}
			}
			err := wire.UnmarshalJSON([]byte(tt.in), msg)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if tt.text != "" && err.Error() != tt.text {
				t.Fatalf("err = %q, want %q", err, tt.text)
			}
			if code := wire.StatusCode(err); code != 400 {
				t.Fatalf("StatusCode = %d, want 400", code)
			}
		})
	}
}

func TestUnmarshalJSONNamesTheFieldInFieldErrors(t *testing.T) {
	err := wire.UnmarshalJSON([]byte(`{"labels":{"k":1}}`), &testpb.Sample{})
	var fe *wire.FieldError
	if !errors.As(err, &fe) || fe.Path != `labels["k"]` || fe.Problem != "expected a string, got a number" {
		t.Fatalf("err = %#v, want a FieldError at labels[\"k\"]", err)
	}
}

func TestUnmarshalJSONBoundsNesting(t *testing.T) {
	nest := func(n int, open, leaf, close string) string {
		return strings.Repeat(open, n) + leaf + strings.Repeat(close, n)
	}
	tests := []struct {
		name string
		in   string
		err  error
	}{
		{name: "messages at the limit", in: nest(wire.MaxDepth-1, `{"child":`, `{}`, `}`)},
		{name: "messages over the limit", in: nest(wire.MaxDepth, `{"child":`, `{}`, `}`), err: wire.ErrTooDeep},
		{name: "arrays in a repeated field", in: `{"tags":` + nest(100000, `[`, ``, `]`) + `}`, err: wire.ErrTooDeep},
		{name: "arrays in a map", in: `{"labels":` + nest(100000, `[`, ``, `]`) + `}`, err: wire.ErrTooDeep},
		{name: "arrays in an unknown key", in: `{"x":` + nest(100000, `[`, `1`, `]`) + `}`, err: wire.ErrTooDeep},
		{name: "objects in an unknown key", in: `{"x":` + nest(100000, `{"a":`, `1`, `}`) + `}`, err: wire.ErrTooDeep},
		{name: "unterminated deep arrays", in: `{"x":` + strings.Repeat(`[`, 100000), err: wire.ErrTooDeep},
		{name: "deep arrays as the document", in: nest(100000, `[`, ``, `]`), err: wire.ErrTooDeep},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := wire.UnmarshalJSON([]byte(tt.in), &testpb.Sample{})
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
		})
	}
}

func TestUnmarshalJSONReplacesTheMessage(t *testing.T) {
	msg := &testpb.Sample{Name: proto.String("old"), Tags: []string{"old"}}
	if err := wire.UnmarshalJSON([]byte(`{"tags":["new"]}`), msg); err != nil {
		t.Fatal(err)
	}
	if want := (&testpb.Sample{Tags: []string{"new"}}); !proto.Equal(msg, want) {
		t.Fatalf("got %v, want %v", msg, want)
	}
}

func TestNilMessagesAreRefusedNotPanicked(t *testing.T) {
	for name, err := range map[string]error{
		"UnmarshalJSON into nil *Sample":  wire.UnmarshalJSON([]byte(`{}`), (*testpb.Sample)(nil)),
		"UnmarshalJSON into nil":          wire.UnmarshalJSON([]byte(`{}`), nil),
		"UnmarshalProto into nil *Sample": wire.UnmarshalProto(nil, (*testpb.Sample)(nil)),
		"UnmarshalProto into nil":         wire.UnmarshalProto(nil, nil),
	} {
		if err == nil || wire.StatusCode(err) != 500 {
			t.Errorf("%s: err = %v, want a programming error (500)", name, err)
		}
	}
	if _, err := wire.MarshalJSON(nil); err == nil {
		t.Error("MarshalJSON(nil) succeeded")
	}
	if _, err := wire.MarshalProto(nil); err == nil {
		t.Error("MarshalProto(nil) succeeded")
	}
	// A typed nil is an empty message, as in the protobuf library.
	if data, err := wire.MarshalJSON((*testpb.Sample)(nil)); err != nil || string(data) != `{`+defaults+`}` {
		t.Errorf("MarshalJSON((*Sample)(nil)) = %s, %v; want the defaults", data, err)
	}
}

// full sets every field of Sample, defaults included, so that it survives a
// JSON round trip unchanged.
func full() *testpb.Sample {
	return &testpb.Sample{
		Name: proto.String("héllo 😀 \"/\\"), Data: []byte{0, 1, 2, 0xff}, Flag: proto.Bool(true),
		I32: proto.Int32(-5), I64: proto.Int64(math.MinInt64), U32: proto.Uint32(math.MaxUint32), U64: proto.Uint64(math.MaxUint64),
		S32: proto.Int32(math.MinInt32), S64: proto.Int64(math.MaxInt64), F32: proto.Uint32(1), F64: proto.Uint64(1 << 63),
		Sf32: proto.Int32(-1), Sf64: proto.Int64(-1), Fl: proto.Float32(1.25), Db: proto.Float64(-0.001),
		Color: testpb.Color_GREEN.Enum(), Kind: testpb.Sample_SECOND.Enum(),
		Inner: &testpb.Inner{Value: proto.String("v"), Count: proto.Int32(3), Note: proto.String("n")},
		Tags:  []string{"a", ""}, Numbers: []int64{math.MaxInt64, -1}, Colors: []testpb.Color{testpb.Color_BLUE},
		Blobs: [][]byte{{}, []byte("x")}, Ratios: []float64{0.5, math.Inf(1)}, Switches: []bool{false},
		Inners:  []*testpb.Inner{{Value: proto.String("")}},
		Timeout: proto.Float64(1.5), Role: proto.String("r"), Checkpoint: proto.Bool(true),
		DefaultKind: testpb.Sample_FIRST.Enum(), Limit: proto.Int64(3), Magic: []byte("m"),
		Choice:      &testpb.Sample_Nested{Nested: &testpb.Inner{Value: proto.String("n")}},
		InnerByName: map[string]*testpb.Inner{"k": {Value: proto.String("v")}},
		Labels:      map[string]string{"a": "b"}, Scores: map[int32]float64{-1: 1}, ColorByFlag: map[bool]testpb.Color{true: testpb.Color_RED},
		BlobById: map[uint64][]byte{math.MaxUint64: []byte("z")},
		Child: &testpb.Sample{
			Timeout: proto.Float64(5), Checkpoint: proto.Bool(false), DefaultKind: testpb.Sample_SECOND.Enum(),
			Limit: proto.Int64(-7), Magic: []byte("hi"), Choice: &testpb.Sample_Number{Number: 0},
		},
	}
}

func TestJSONRoundTripKeepsEveryField(t *testing.T) {
	want := full()
	data, err := wire.MarshalJSON(want)
	if err != nil {
		t.Fatal(err)
	}
	got := &testpb.Sample{}
	if err := wire.UnmarshalJSON(data, got); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(got, want) {
		t.Fatalf("round trip through %s\ngave %v\nwant %v", data, got, want)
	}
}

func TestJSONRoundTripSetsPrintedDefaults(t *testing.T) {
	// Mesos prints unset fields with defaults, so after a round trip they
	// are set: the JSON, not the presence bits, is what stays the same.
	data, err := wire.MarshalJSON(&testpb.Sample{})
	if err != nil {
		t.Fatal(err)
	}
	got := &testpb.Sample{}
	if err := wire.UnmarshalJSON(data, got); err != nil {
		t.Fatal(err)
	}
	if !(got.Timeout != nil) || (got.Role != nil) {
		t.Fatalf("after a round trip: timeout set = %v (want true), role set = %v (want false)", (got.Timeout != nil), (got.Role != nil))
	}
	again, _ := wire.MarshalJSON(got)
	if string(again) != string(data) {
		t.Fatalf("second encoding %s differs from first %s", again, data)
	}
}
