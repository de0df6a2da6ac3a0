package resources

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name        string
		text        string
		defaultRole string
		want        string
	}{
		{"empty flag", "", "", "{}"},
		{"only separators", " ; ;\n", "", "{}"},
		{"agent flag", "cpus:24;gpus:2;mem:24576;disk:409600;ports:[21000-24000,30000-34000];bugs(debug_role):{a,b,c}", "",
			"cpus(*):24; gpus(*):2; mem(*):24576; disk(*):409600; ports(*):[21000-24000, 30000-34000]; bugs(debug_role):{a, b, c}"},
		{"spaces removed", " cpus : 2 ; mem ( web ) : 1 024 ", "", "cpus(*):2; mem(web):1024"},
		{"newline separates", "cpus:2\nmem:64", "", "cpus(*):2; mem(*):64"},
		{"default role", "cpus:2;mem(*):64", "web", "cpus(web):2; mem(*):64"},
		{"default role star", "cpus:2", "*", "cpus(*):2"},
		{"hierarchical role", "cpus(eng/web):2", "", "cpus(eng/web):2"},
		{"same name summed", "cpus:1;cpus:0.5", "", "cpus(*):1.5"},
		{"same name, other role kept apart", "cpus:1;cpus(a):2", "", "cpus(*):1; cpus(a):2"},
		{"scalar rounded to three decimals", "cpus:1.23456", "", "cpus(*):1.235"},
		{"half rounds away from zero", "cpus:0.0005", "", "cpus(*):0.001"},
		{"exponent", "mem:1e3", "", "mem(*):1000"},
		{"leading dot", "cpus:.5", "", "cpus(*):0.5"},
		{"trailing dot", "cpus:2.", "", "cpus(*):2"},
		{"zero dropped", "cpus:0;mem:1", "", "mem(*):1"},
		{"empty ranges dropped", "ports:[];mem:1", "", "mem(*):1"},
		{"empty set dropped", "bugs:{};mem:1", "", "mem(*):1"},
		{"ranges sorted and merged", "ports:[10-20,1-5,6-8,15-30]", "", "ports(*):[1-8, 10-30]"},
		{"single-port range", "ports:[80-80]", "", "ports(*):[80-80]"},
		{"set sorted", "bugs:{c,a,b}", "", "bugs(*):{a, b, c}"},
		{"largest port", "ports:[18446744073709551615-18446744073709551615]", "", "ports(*):[18446744073709551615-18446744073709551615]"},
		{"ranges of one name merge across tokens", "ports:[1-2];ports:[3-4]", "", "ports(*):[1-4]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.text, tt.defaultRole)
			if err != nil {
				t.Fatalf("Parse(%q) error: %v", tt.text, err)
			}
			if got.String() != tt.want {
				t.Errorf("Parse(%q) = %s, want %s", tt.text, got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		text        string
		defaultRole string
		want        string
	}{
		{"cpus:abc", "", `resources: "cpus:abc": not a number, range or set`},
		{"cpus:inf", "", `resources: "cpus:inf": not a number, range or set`},
		{"cpus:NaN", "", `resources: "cpus:NaN": not a number, range or set`},
		{"cpus:0x10", "", `resources: "cpus:0x10": not a number, range or set`},
		{"cpus:1_000", "", `resources: "cpus:1_000": not a number, range or set`},
		{"cpus:1e", "", `resources: "cpus:1e": not a number, range or set`},
		{"cpus:-1", "", `resources: "cpus:-1": value must not be negative`},
		{"cpus:-0.5", "", `resources: "cpus:-0.5": value must not be negative`},
		{"cpus:1e400", "", `resources: "cpus:1e400": value 1e400 is too large`},
		{"cpus:1e16", "", `resources: "cpus:1e16": value 1e16 is too large`},
		{"cpus:0.0001", "", `resources: "cpus:0.0001": value 0.0001 is below the resolution of 0.001`},
		{"cpus:4.9e-324", "", `resources: "cpus:4.9e-324": value 4.9e-324 is below the resolution of 0.001`},
		{"cpus", "", `resources: "cpus": missing ':' between name and value, as in cpus:4`},
		{"cpus:1:2", "", `resources: "cpus:1:2": more than one ':'; write name:value`},
		{"cpus::1", "", `resources: "cpus::1": more than one ':'; write name:value`},
		{"cpus:", "", `resources: "cpus:": empty value`},
		{":1", "", `resources: ":1": empty resource name`},
		{"(web):1", "", `resources: "(web):1": empty resource name`},
		{"cpus(web:1", "", `resources: "cpus(web:1": mismatched parentheses; write name(role):value`},
		{"cpusweb):1", "", `resources: "cpusweb):1": mismatched parentheses; write name(role):value`},
		{"cpus(a)x:1", "", `resources: "cpus(a)x:1": mismatched parentheses; write name(role):value`},
		{"cpus((a)):1", "", `resources: "cpus((a)):1": mismatched parentheses; write name(role):value`},
		{"cpus():1", "", `resources: "cpus():1": role "" is empty; a role needs a name`},
		{"cpus(a//b):1", "", `resources: "cpus(a//b):1": role "a//b" cannot contain two adjacent slashes`},
		{"cpus(/a):1", "", `resources: "cpus(/a):1": role "/a" cannot start with a slash`},
		{"cpus(a/):1", "", `resources: "cpus(a/):1": role "a/" cannot end with a slash`},
		{"cpus(..):1", "", `resources: "cpus(..):1": role ".." cannot include '..' as a component`},
		{"cpus(a/*):1", "", `resources: "cpus(a/*):1": role "a/*" cannot include '*' as a component`},
		{"cpus(-a):1", "", `resources: "cpus(-a):1": role "-a" has component "-a" starting with a dash`},
		{"ports:[1-2", "", `resources: "ports:[1-2": mismatched brackets; write ranges as [begin-end,...]`},
		{"ports:[5-3]", "", `resources: "ports:[5-3]": range "5-3" has begin greater than end`},
		{"ports:[a-3]", "", `resources: "ports:[a-3]": range "a-3" needs non-negative integer bounds`},
		{"ports:[-1-3]", "", `resources: "ports:[-1-3]": range "-1-3" must be written begin-end`},
		{"ports:[5]", "", `resources: "ports:[5]": range "5" must be written begin-end`},
		{"ports:[1-2,]", "", `resources: "ports:[1-2,]": empty range; write ranges as [begin-end,...]`},
		{"ports:[1-2][3-4]", "", `resources: "ports:[1-2][3-4]": mismatched brackets; write ranges as [begin-end,...]`},
		{"ports:[1-18446744073709551616]", "", `resources: "ports:[1-18446744073709551616]": range "1-18446744073709551616" needs non-negative integer bounds`},
		{"bugs:{a,b", "", `resources: "bugs:{a,b": mismatched braces; write sets as {a,b,...}`},
		{"bugs:{a,a}", "", `resources: "bugs:{a,a}": duplicate set item "a"`},
		{"bugs:{a,,b}", "", `resources: "bugs:{a,,b}": empty set item; write sets as {a,b,...}`},
		{"bugs:{a,[b]}", "", `resources: "bugs:{a,[b]}": set item "[b]" contains a bracket`},
		{"bugs:{a}{b}", "", `resources: "bugs:{a}{b}": mismatched braces; write sets as {a,b,...}`},
		{"ports:[", "", `resources: "ports:[": mismatched brackets; write ranges as [begin-end,...]`},
		{"cpus:1;cpus:[1-2]", "", `resources: "cpus" is declared as both SCALAR and RANGES; one name needs one type`},
		{"cpus:1", "a b", `resources: default role "ab" has component "ab" containing whitespace or backspace`},
		{"cpus:1;m\xffem:2", "", `resources: --resources "cpus:1;m\xffem:2" is not valid UTF-8`},
		{"cpus:1", "a/../b", `resources: default role "a/../b" cannot include '..' as a component`},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			role := tt.defaultRole
			if role == "a b" {
				role = "ab\t"
				tt.want = `resources: default role "ab\t" has component "ab\t" containing whitespace or backspace`
			}
			got, err := Parse(tt.text, role)
			if err == nil {
				t.Fatalf("Parse(%q) = %s, want error %s", tt.text, got, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("Parse(%q) error\n got: %s\nwant: %s", tt.text, err, tt.want)
			}
			if !errors.Is(err, ErrInvalidResource) {
				t.Errorf("error %v does not wrap ErrInvalidResource", err)
			}
		})
	}
}

func TestParseRoleErrorsWrapErrInvalidRole(t *testing.T) {
	_, err := Parse("cpus(a//b):1", "")
	if !errors.Is(err, ErrInvalidRole) || !errors.Is(err, ErrInvalidResource) {
		t.Fatalf("error %v should wrap both ErrInvalidRole and ErrInvalidResource", err)
	}
}

func TestParseStaticReservation(t *testing.T) {
	rs, err := Parse("cpus(web):2;mem:64", "")
	if err != nil {
		t.Fatal(err)
	}
	got := rs.Slice()
	if len(got[0].Reservations) != 1 || !got[0].Reservations[0].Equal(StaticReservation("web")) {
		t.Errorf("cpus(web) reservations = %+v, want one STATIC reservation to web", got[0].Reservations)
	}
	if !got[1].IsUnreserved() {
		t.Errorf("mem should be unreserved, got %+v", got[1].Reservations)
	}
}

func TestParseStringRoundTrip(t *testing.T) {
	for _, text := range []string{
		"cpus:2;mem:1024;ports:[31000-32000,40000-40010];bugs(a/b):{x,y}",
		"cpus(web):0.125;disk(*):100",
	} {
		rs, err := Parse(text, "")
		if err != nil {
			t.Fatal(err)
		}
		again, err := Parse(rs.String(), "")
		if err != nil {
			t.Fatalf("Parse(%q) of String output: %v", rs.String(), err)
		}
		if !again.Equal(rs) {
			t.Errorf("round trip of %q: %s != %s", text, again, rs)
		}
	}
}

func TestParseJSON(t *testing.T) {
	tests := []struct {
		name        string
		text        string
		defaultRole string
		want        string
	}{
		{"mesos docs example",
			`[{"name":"cpus","type":"SCALAR","scalar":{"value":24}},{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":21000,"end":24000},{"begin":30000,"end":34000}]}},{"name":"bugs","type":"SET","set":{"item":["a","b","c"]},"role":"debug_role"}]`,
			"", "cpus(*):24; ports(*):[21000-24000, 30000-34000]; bugs(debug_role):{a, b, c}"},
		{"default role fills a missing role", `[{"name":"cpus","type":"SCALAR","scalar":{"value":1}}]`, "web", "cpus(web):1"},
		{"explicit star stays unreserved", `[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"*"}]`, "web", "cpus(*):1"},
		{"static reservation in new format", `[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"reservations":[{"type":"STATIC","role":"a"}]}]`, "web", "cpus(a):1"},
		{"leading white space", "\n  [ ]", "", "{}"},
		{"numbers as strings", `[{"name":"mem","type":"SCALAR","scalar":{"value":"64"}}]`, "", "mem(*):64"},
		{"path disk", `[{"name":"disk","type":"SCALAR","scalar":{"value":100},"disk":{"source":{"type":"PATH","path":{"root":"/mnt/a"}}}}]`, "", "disk(*)[PATH:/mnt/a]:100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.text, tt.defaultRole)
			if err != nil {
				t.Fatalf("Parse error: %v", err)
			}
			if got.String() != tt.want {
				t.Errorf("Parse = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestParseJSONErrors(t *testing.T) {
	tests := []struct {
		name string
		text string
		want string
	}{
		{"not JSON", `[`, `resources: JSON resources are not a JSON array of objects: unexpected end of JSON input`},
		{"not objects", `[1]`, `resources: JSON resource 0: wire: expected a JSON object for mesos.v1.Resource, got a number`},
		{"missing name", `[{"type":"SCALAR","scalar":{"value":1}}]`, `resources: JSON resource 0: wire: missing required field "name"`},
		{"no scalar", `[{"name":"cpus","type":"SCALAR"}]`, `resources: JSON resource 0 ("cpus"): a SCALAR resource needs a scalar and nothing else`},
		{"negative", `[{"name":"cpus","type":"SCALAR","scalar":{"value":-1}}]`, `resources: JSON resource 0 ("cpus"): scalar value -1 is negative`},
		{"text", `[{"name":"os","type":"TEXT","text":{"value":"x"}}]`, `resources: JSON resource 0 ("os"): resources cannot be TEXT; use a scalar, ranges or a set`},
		{"dynamic", `[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"reservations":[{"type":"DYNAMIC","role":"a"}]}]`,
			`resources: JSON resource 0 ("cpus"): dynamic reservations cannot be declared on the command line; use a STATIC reservation or a RESERVE operation`},
		{"old-style dynamic", `[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"a","reservation":{"principal":"p"}}]`,
			`resources: JSON resource 0 ("cpus"): dynamic reservations cannot be declared on the command line; use a STATIC reservation or a RESERVE operation`},
		{"revocable", `[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"revocable":{}}]`,
			`resources: JSON resource 0 ("cpus"): revocable resources cannot be declared on the command line; remove the "revocable" key`},
		{"persistent volume", `[{"name":"disk","type":"SCALAR","scalar":{"value":1},"disk":{"persistence":{"id":"v"}}}]`,
			`resources: JSON resource 0 ("disk"): persistent volumes cannot be declared on the command line; create them with a CREATE operation`},
		{"two types", `[{"name":"x","type":"SCALAR","scalar":{"value":1}},{"name":"x","type":"SET","set":{"item":["a"]}}]`,
			`resources: "x" is declared as both SCALAR and SET; one name needs one type`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.text, "")
			if err == nil {
				t.Fatalf("Parse = %s, want error", got)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tt.want)
			}
			if !errors.Is(err, ErrInvalidResource) {
				t.Errorf("error %v does not wrap ErrInvalidResource", err)
			}
		})
	}
}

func TestParseAttributes(t *testing.T) {
	tests := []struct {
		text string
		want []struct{ name, kind, value string }
	}{
		{"", nil},
		{"rack:abc;zone:west;os:centos5;level:10;keys:[1000-1500]", []struct{ name, kind, value string }{
			{"rack", "TEXT", "abc"}, {"zone", "TEXT", "west"}, {"os", "TEXT", "centos5"},
			{"level", "SCALAR", "10"}, {"keys", "RANGES", "[1000-1500]"},
		}},
		{"a:0.80\nb:2;c:1.50", []struct{ name, kind, value string }{
			{"a", "SCALAR", "0.8"}, {"b", "SCALAR", "2"}, {"c", "SCALAR", "1.5"},
		}},
		{" rack : r 1 ", []struct{ name, kind, value string }{{"rack", "TEXT", "r1"}}},
		{"url:http://x:80", []struct{ name, kind, value string }{{"url", "TEXT", "http://x:80"}}},
		{"t:-5;u:inf;v:1e400", []struct{ name, kind, value string }{
			{"t", "TEXT", "-5"}, {"u", "TEXT", "inf"}, {"v", "TEXT", "1e400"},
		}},
		{"keys:[30-40,1-2,3-5]", []struct{ name, kind, value string }{{"keys", "RANGES", "[1-5,30-40]"}}},
		{"f:fn(x)", []struct{ name, kind, value string }{{"f", "TEXT", "fn(x)"}}},
		{"dup:a;dup:b", []struct{ name, kind, value string }{{"dup", "TEXT", "a"}, {"dup", "TEXT", "b"}}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got, err := ParseAttributes(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d attributes (%s), want %d", len(got), got, len(tt.want))
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Name != w.name || g.Kind.String() != w.kind || g.ValueString() != w.value {
					t.Errorf("attribute %d = %s %s %q, want %s %s %q", i, g.Name, g.Kind, g.ValueString(), w.name, w.kind, w.value)
				}
			}
		})
	}
}

func TestParseAttributesErrors(t *testing.T) {
	tests := []struct{ text, want string }{
		{"rack", `resources: attribute "rack": missing ':' between name and value, as in rack:r1`},
		{":r1", `resources: attribute ":r1": empty attribute name`},
		{"rack:", `resources: attribute "rack:": empty value`},
		{"rack: ", `resources: attribute "rack:": empty value`},
		{"keys:{a,b}", `resources: attribute "keys:{a,b}": sets are not valid attribute values; use a scalar, ranges or text`},
		{"keys:[1-2", `resources: attribute "keys:[1-2": mismatched brackets; write ranges as [begin-end,...]`},
		{"keys:[2-1]", `resources: attribute "keys:[2-1]": range "2-1" has begin greater than end`},
		{"rack:a[1]", `resources: attribute "rack:a[1]": text cannot contain '[', ']', '{' or '}'`},
		{"rack:a}", `resources: attribute "rack:a}": text cannot contain '[', ']', '{' or '}'`},
		{"rack:a(b", `resources: attribute "rack:a(b": mismatched parentheses`},
		{"rack:a)b(", `resources: attribute "rack:a)b(": mismatched parentheses`},
		{"rack:\xff", `resources: --attributes "rack:\xff" is not valid UTF-8`},
		{"ok:1;bad", `resources: attribute "bad": missing ':' between name and value, as in rack:r1`},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			_, err := ParseAttributes(tt.text)
			if err == nil {
				t.Fatalf("want error %s", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tt.want)
			}
			if !errors.Is(err, ErrInvalidAttribute) {
				t.Errorf("error %v does not wrap ErrInvalidAttribute", err)
			}
		})
	}
}

func TestAttributesStrings(t *testing.T) {
	as, err := ParseAttributes("rack:r1;level:0.800;ports:[5-6,1-2];rack:r2")
	if err != nil {
		t.Fatal(err)
	}
	got := as.Strings()
	want := map[string]string{"rack": "r1", "level": "0.8", "ports": "[1-2,5-6]"}
	if len(got) != len(want) {
		t.Fatalf("Strings() = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Strings()[%q] = %q, want %q", k, got[k], v)
		}
	}
	if s := as.String(); s != "rack:r1;level:0.8;ports:[1-2,5-6];rack:r2" {
		t.Errorf("String() = %q", s)
	}
	again, err := ParseAttributes(as.String())
	if err != nil || !again.Equal(as) {
		t.Errorf("ParseAttributes(String()) = %v, %v; want %v", again, err, as)
	}
	if a, ok := as.Get("rack"); !ok || a.ValueString() != "r1" {
		t.Errorf("Get(rack) = %v, %v; want the first, r1", a, ok)
	}
	if _, ok := as.Get("zone"); ok {
		t.Error("Get(zone) found an attribute that is not there")
	}
}

func TestValueString(t *testing.T) {
	tests := []struct {
		v    Value
		want string
	}{
		{Value{Kind: KindScalar, Scalar: 800}, "0.8"},
		{Value{Kind: KindScalar, Scalar: 2000}, "2"},
		{Value{Kind: KindScalar, Scalar: 1025}, "1.025"},
		{Value{Kind: KindScalar, Scalar: 10}, "0.01"},
		{Value{Kind: KindScalar, Scalar: 0}, "0"},
		{Value{Kind: KindScalar, Scalar: -1500}, "-1.5"},
		{Value{Kind: KindRanges, Ranges: []Range{{1, 2}, {5, 9}}}, "[1-2,5-9]"},
		{Value{Kind: KindRanges}, "[]"},
		{Value{Kind: KindSet, Set: []string{"a", "b"}}, "{a,b}"},
		{Value{Kind: KindText, Text: "us-east"}, "us-east"},
	}
	for _, tt := range tests {
		if got := tt.v.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.v, got, tt.want)
		}
	}
}
