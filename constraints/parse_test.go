package constraints

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// marathonForms renders constraints in Marathon's form, the easiest way to
// compare parsed constraints (compiled state aside).
func marathonForms(cs []Constraint) [][]string {
	out := make([][]string, len(cs))
	for i, c := range cs {
		out[i] = c.Marathon()
	}
	return out
}

func TestParseMarathon(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want [][]string
	}{
		{"null is no constraints", `null`, [][]string{}},
		{"empty list", `[]`, [][]string{}},
		{"unique on hostname", `[["hostname","UNIQUE"]]`, [][]string{{"hostname", "UNIQUE"}}},
		{"operator case is ignored", `[["@hostname","unique"],["rack","Group_By","3"]]`,
			[][]string{{"@hostname", "UNIQUE"}, {"rack", "GROUP_BY", "3"}}},
		{"cluster with and without value", `[["rack","CLUSTER","rack-1"],["@zone","CLUSTER"]]`,
			[][]string{{"rack", "CLUSTER", "rack-1"}, {"@zone", "CLUSTER"}}},
		{"cluster with empty value means no value", `[["rack","CLUSTER",""]]`, [][]string{{"rack", "CLUSTER"}}},
		{"group by without value", `[["@region","GROUP_BY"]]`, [][]string{{"@region", "GROUP_BY"}}},
		{"like and unlike", `[["rack","LIKE","rack-[1-3]"],["rack","UNLIKE","rack-[7-9]"]]`,
			[][]string{{"rack", "LIKE", "rack-[1-3]"}, {"rack", "UNLIKE", "rack-[7-9]"}}},
		{"max per", `[["rack","MAX_PER","2"]]`, [][]string{{"rack", "MAX_PER", "2"}}},
		{"is text and scalar", `[["rack","IS","rack-1"],["level","IS","0.80"]]`,
			[][]string{{"rack", "IS", "rack-1"}, {"level", "IS", "0.80"}}},
		{"a field may repeat", `[["rack","LIKE","r.*"],["rack","GROUP_BY"]]`,
			[][]string{{"rack", "LIKE", "r.*"}, {"rack", "GROUP_BY"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs, err := ParseMarathon([]byte(tt.in))
			if err != nil {
				t.Fatalf("ParseMarathon(%s): %v", tt.in, err)
			}
			if got := marathonForms(cs); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseMarathon(%s) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseMarathonErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		is   error
		msg  string
	}{
		{"not JSON", `[["hostname","UNIQUE"]`, ErrMalformed,
			`constraints: malformed constraint: want a JSON array of constraints such as [["hostname","UNIQUE"]]: unexpected end of JSON input`},
		{"not an array of arrays", `["hostname","UNIQUE"]`, ErrMalformed,
			`constraints: malformed constraint: constraint 1 "hostname": want [field, OPERATOR] or [field, OPERATOR, value], all strings, e.g. ["rack", "GROUP_BY", "3"]`},
		{"a number value", `[["hostname","UNIQUE"],["rack","GROUP_BY",3]]`, ErrMalformed,
			`constraints: malformed constraint: constraint 2 ["rack","GROUP_BY",3]: want [field, OPERATOR] or [field, OPERATOR, value], all strings, e.g. ["rack", "GROUP_BY", "3"]`},
		{"null constraint", `[null]`, ErrMalformed,
			`constraints: malformed constraint: constraint 1 null: want [field, OPERATOR] or [field, OPERATOR, value], all strings, e.g. ["rack", "GROUP_BY", "3"]`},
		{"one part", `[["hostname"]]`, ErrMalformed,
			`constraints: malformed constraint: constraint 1 ["hostname"]: has 1 part; want [field, OPERATOR] or [field, OPERATOR, value], all strings, e.g. ["rack", "GROUP_BY", "3"]`},
		{"four parts", `[["rack","GROUP_BY","3","4"]]`, ErrMalformed,
			`constraints: malformed constraint: constraint 1 ["rack","GROUP_BY","3","4"]: has 4 parts; want [field, OPERATOR] or [field, OPERATOR, value], all strings, e.g. ["rack", "GROUP_BY", "3"]`},
		{"empty field", `[["","UNIQUE"]]`, ErrEmptyField,
			`constraints: empty field: constraint 1 ["","UNIQUE"]: name the agent field to compare: "hostname", "@region", "@zone" or an attribute such as "rack"`},
		{"unknown operator", `[["hostname","UNIQUE"],["hostname","DISTINCT"]]`, ErrUnknownOperator,
			`constraints: unknown operator: constraint 2 ["hostname","DISTINCT"]: "DISTINCT" is not an operator; use one of UNIQUE, CLUSTER, GROUP_BY, LIKE, UNLIKE, MAX_PER, IS`},
		{"unique with a value", `[["hostname","UNIQUE","true"]]`, ErrUnexpectedValue,
			`constraints: unexpected value: constraint 1 ["hostname","UNIQUE","true"]: UNIQUE takes no value, got "true"; write ["hostname", "UNIQUE"]`},
		{"unique with an empty value", `[["hostname","UNIQUE",""]]`, ErrUnexpectedValue,
			`constraints: unexpected value: constraint 1 ["hostname","UNIQUE",""]: UNIQUE takes no value, got ""; write ["hostname", "UNIQUE"]`},
		{"group by not a number", `[["rack","GROUP_BY","three"]]`, ErrInvalidValue,
			`constraints: invalid value: constraint 1 ["rack","GROUP_BY","three"]: GROUP_BY takes a whole number of groups greater than 0, got "three"; write e.g. "3", or leave the value out`},
		{"group by zero", `[["rack","GROUP_BY","0"]]`, ErrInvalidValue,
			`constraints: invalid value: constraint 1 ["rack","GROUP_BY","0"]: GROUP_BY takes a whole number of groups greater than 0, got "0"; write e.g. "3", or leave the value out`},
		{"group by fraction", `[["rack","GROUP_BY","1.5"]]`, ErrInvalidValue,
			`constraints: invalid value: constraint 1 ["rack","GROUP_BY","1.5"]: GROUP_BY takes a whole number of groups greater than 0, got "1.5"; write e.g. "3", or leave the value out`},
		{"max per without value", `[["rack","MAX_PER"]]`, ErrMissingValue,
			`constraints: missing value: constraint 1 ["rack","MAX_PER"]: MAX_PER needs the most instances allowed per value, e.g. "2"`},
		{"max per negative", `[["rack","MAX_PER","-1"]]`, ErrInvalidValue,
			`constraints: invalid value: constraint 1 ["rack","MAX_PER","-1"]: MAX_PER takes a whole number of instances greater than 0, got "-1"; write e.g. "2"`},
		{"max per not a number", `[["rack","MAX_PER","two"]]`, ErrInvalidValue,
			`constraints: invalid value: constraint 1 ["rack","MAX_PER","two"]: MAX_PER takes a whole number of instances greater than 0, got "two"; write e.g. "2"`},
		{"like without value", `[["rack","LIKE"]]`, ErrMissingValue,
			`constraints: missing value: constraint 1 ["rack","LIKE"]: LIKE needs a regular expression; to match any value write ".*"`},
		{"unlike with empty regex", `[["rack","UNLIKE",""]]`, ErrMissingValue,
			`constraints: missing value: constraint 1 ["rack","UNLIKE",""]: UNLIKE needs a regular expression; to match any value write ".*"`},
		{"like with a bad regex", `[["rack","LIKE","rack-[1-3"]]`, ErrInvalidRegex,
			`constraints: invalid regular expression: constraint 1 ["rack","LIKE","rack-[1-3"]: LIKE value "rack-[1-3": missing closing ]: ` + "`[1-3`" + `; write an RE2 expression such as "^rack-[1-3]$"`},
		{"a regex that would escape its anchors", `[["rack","LIKE","a)|(b"]]`, ErrInvalidRegex,
			`constraints: invalid regular expression: constraint 1 ["rack","LIKE","a)|(b"]: LIKE value "a)|(b": unexpected ): ` + "`a)|(b`" + `; write an RE2 expression such as "^rack-[1-3]$"`},
		{"is without value", `[["rack","IS"]]`, ErrMissingValue,
			`constraints: missing value: constraint 1 ["rack","IS"]: IS needs the value to compare with, e.g. "rack-1" or "0.8"`},
		{"is outside the text alphabet", `[["rack","IS","rack 1"]]`, ErrInvalidValue,
			`constraints: invalid value: constraint 1 ["rack","IS","rack 1"]: IS value "rack 1" may use only letters, digits and _ / . -; compare other values with LIKE`},
		{"is with a set", `[["disks","IS","{a,b}"]]`, ErrInvalidValue,
			`constraints: invalid value: constraint 1 ["disks","IS","{a,b}"]: IS value "{a,b}" may use only letters, digits and _ / . -; compare other values with LIKE`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs, err := ParseMarathon([]byte(tt.in))
			if err == nil {
				t.Fatalf("ParseMarathon(%s) = %q, want an error", tt.in, marathonForms(cs))
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("ParseMarathon(%s) error %v, want one wrapping %v", tt.in, err, tt.is)
			}
			if err.Error() != tt.msg {
				t.Errorf("ParseMarathon(%s) error\n got %s\nwant %s", tt.in, err, tt.msg)
			}
		})
	}
}

func TestErrorNamesPosition(t *testing.T) {
	_, err := ParseMarathon([]byte(`[["hostname","UNIQUE"],["rack","GROUP_BY","x"]]`))
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not an *Error", err)
	}
	if e.Index != 1 || e.Constraint != `["rack","GROUP_BY","x"]` || e.Err != ErrInvalidValue {
		t.Errorf("got Index %d, Constraint %s, Err %v; want 1, [\"rack\",\"GROUP_BY\",\"x\"], %v", e.Index, e.Constraint, e.Err, ErrInvalidValue)
	}
	_, err = FromMarathon([]string{"rack", "MAX_PER"})
	if want := `constraints: missing value: constraint ["rack","MAX_PER"]: MAX_PER needs the most instances allowed per value, e.g. "2"`; err == nil || err.Error() != want {
		t.Errorf("FromMarathon error %v, want %s", err, want)
	}
}

func TestConstraintJSON(t *testing.T) {
	var app struct {
		Constraints []Constraint `json:"constraints"`
	}
	in := `{"constraints":[["hostname","unique"],["rack","GROUP_BY","3"]]}`
	if err := json.Unmarshal([]byte(in), &app); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(app)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"constraints":[["hostname","UNIQUE"],["rack","GROUP_BY","3"]]}`; string(out) != want {
		t.Errorf("round trip = %s, want %s", out, want)
	}
	err = json.Unmarshal([]byte(`{"constraints":[["rack","MAX_PER","x"]]}`), &app)
	if !errors.Is(err, ErrInvalidValue) {
		t.Errorf("unmarshal of a bad constraint: %v, want %v", err, ErrInvalidValue)
	}
	err = json.Unmarshal([]byte(`{"constraints":[{"field":"rack"}]}`), &app)
	if !errors.Is(err, ErrMalformed) {
		t.Errorf("unmarshal of an object: %v, want %v", err, ErrMalformed)
	}
}

func TestCompile(t *testing.T) {
	c, err := Compile(Constraint{Field: "rack", Operator: GroupBy, Value: "3", HasValue: true})
	if err != nil || c.n != 3 || !c.compiled {
		t.Errorf("Compile GROUP_BY 3 = %+v, %v", c, err)
	}
	_, err = Compile(Constraint{Field: "rack"})
	if !errors.Is(err, ErrUnknownOperator) || !strings.Contains(err.Error(), "operator Operator(0); use one of UNIQUE") {
		t.Errorf("Compile without operator: %v", err)
	}
}

func TestParseOperator(t *testing.T) {
	for op := Unique; op <= Is; op++ {
		for _, name := range []string{op.String(), strings.ToLower(op.String())} {
			if got, err := ParseOperator(name); err != nil || got != op {
				t.Errorf("ParseOperator(%q) = %v, %v; want %v", name, got, err, op)
			}
		}
	}
	if _, err := ParseOperator("GROUPBY"); !errors.Is(err, ErrUnknownOperator) {
		t.Errorf("ParseOperator(GROUPBY) error %v, want %v", err, ErrUnknownOperator)
	}
}

func TestParseCompact(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want [][]string
	}{
		{"empty", "", [][]string{}},
		{"blank", "   ", [][]string{}},
		{"Elodina's example", `hostname=like:^master$,rack=like:^1.*$`,
			[][]string{{"hostname", "LIKE", "^master$"}, {"rack", "LIKE", "^1.*$"}}},
		{"every operation", `a=like:x,b=unlike:y,c=unique,d=cluster,e=cluster:v,f=groupBy,g=groupBy:3,h=atMost:2,i=is:0.8`,
			[][]string{{"a", "LIKE", "x"}, {"b", "UNLIKE", "y"}, {"c", "UNIQUE"}, {"d", "CLUSTER"}, {"e", "CLUSTER", "v"},
				{"f", "GROUP_BY"}, {"g", "GROUP_BY", "3"}, {"h", "MAX_PER", "2"}, {"i", "IS", "0.8"}}},
		{"operation case is ignored", `rack=GROUPBY:2,host=Unique,zone=atmost:1`,
			[][]string{{"rack", "GROUP_BY", "2"}, {"host", "UNIQUE"}, {"zone", "MAX_PER", "1"}}},
		{"an attribute may repeat", `rack=like:r.*,rack=groupBy,rack=atMost:3`,
			[][]string{{"rack", "LIKE", "r.*"}, {"rack", "GROUP_BY"}, {"rack", "MAX_PER", "3"}}},
		{"fault domain fields", `@zone=groupBy:3,@region=cluster:eu`,
			[][]string{{"@zone", "GROUP_BY", "3"}, {"@region", "CLUSTER", "eu"}}},
		{"spaces around parts are ignored", ` rack = like : ^r1$ , hostname = unique `,
			[][]string{{"rack", "LIKE", "^r1$"}, {"hostname", "UNIQUE"}}},
		{"cluster with an empty value", `rack=cluster:`, [][]string{{"rack", "CLUSTER"}}},
		{"later colons and equals signs belong to the value", `url=like:http://a=b`, [][]string{{"url", "LIKE", "http://a=b"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs, err := ParseCompact(tt.in)
			if err != nil {
				t.Fatalf("ParseCompact(%q): %v", tt.in, err)
			}
			if got := marathonForms(cs); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseCompact(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCompactEscapes(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"escaped comma stays in the value", `rack=like:r\,s`, []string{"rack", "LIKE", "r,s"}},
		{"escaped comma in a repetition", `rack=like:r{1\,3}`, []string{"rack", "LIKE", "r{1,3}"}},
		{"escaped equals sign in the field", `a\=b=unique`, []string{"a=b", "UNIQUE"}},
		{"escaped backslash", `path=cluster:c:\\tmp`, []string{"path", "CLUSTER", `c:\tmp`}},
		{"escaped space is kept at the ends", `rack=cluster:\ r1\ `, []string{"rack", "CLUSTER", " r1 "}},
		{"other escapes reach the regex", `ip=like:^10\.0\.\d+$`, []string{"ip", "LIKE", `^10\.0\.\d+$`}},
		{"escaped colon is not a separator but keeps its backslash", `rack=like:a\:b`, []string{"rack", "LIKE", `a\:b`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs, err := ParseCompact(tt.in)
			if err != nil {
				t.Fatalf("ParseCompact(%q): %v", tt.in, err)
			}
			if len(cs) != 1 || !reflect.DeepEqual(cs[0].Marathon(), tt.want) {
				t.Fatalf("ParseCompact(%q) = %q, want [%q]", tt.in, marathonForms(cs), tt.want)
			}
			if back := FormatCompact(cs); back != tt.in && !sameCompact(t, back, cs) {
				t.Errorf("FormatCompact = %q does not read back as %q", back, tt.want)
			}
		})
	}
}

// sameCompact reports whether s parses to the same constraints as cs.
func sameCompact(t *testing.T, s string, cs []Constraint) bool {
	t.Helper()
	again, err := ParseCompact(s)
	return err == nil && reflect.DeepEqual(marathonForms(again), marathonForms(cs))
}

func TestParseCompactErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		is   error
		msg  string
	}{
		{"no equals sign", `hostname=unique,rack`, ErrMalformed,
			`constraints: malformed constraint: constraint 2 rack: no '='; write attr=op[:value], e.g. rack=like:^r1$`},
		{"empty entry", `hostname=unique,,rack=groupBy`, ErrMalformed,
			`constraints: malformed constraint: constraint 2 "": empty entry; remove the extra comma`},
		{"trailing comma", `hostname=unique,`, ErrMalformed,
			`constraints: malformed constraint: constraint 2 "": empty entry; remove the extra comma`},
		{"lone backslash at the end", `rack=like:r1\`, ErrMalformed,
			`constraints: malformed constraint: constraint 1 rack=like:r1\: ends in a lone backslash; write \\ for a backslash, \, \= or \  for a literal comma, equals sign or space`},
		{"empty field", `=unique`, ErrEmptyField,
			`constraints: empty field: constraint 1 =unique: nothing before '='; name an attribute or hostname, e.g. hostname=unique`},
		{"unknown operation", `rack=groupby:2,hostname=distinct`, ErrUnknownOperator,
			`constraints: unknown operator: constraint 2 hostname=distinct: "distinct" is not an operation; use one of like:<regex>, unlike:<regex>, unique, cluster[:<value>], groupBy[:<n>], atMost:<n>, is:<value>`},
		{"Marathon's name is not a compact operation", `rack=GROUP_BY`, ErrUnknownOperator,
			`constraints: unknown operator: constraint 1 rack=GROUP_BY: "GROUP_BY" is not an operation; use one of like:<regex>, unlike:<regex>, unique, cluster[:<value>], groupBy[:<n>], atMost:<n>, is:<value>`},
		{"unique with a value", `hostname=unique:1`, ErrUnexpectedValue,
			`constraints: unexpected value: constraint 1 hostname=unique:1: unique takes no value, got "1"; write hostname=unique`},
		{"like without value", `rack=like`, ErrMissingValue,
			`constraints: missing value: constraint 1 rack=like: like needs a regular expression, e.g. rack=like:^r1$; to match any value write .*`},
		{"unlike with empty value", `rack=unlike:`, ErrMissingValue,
			`constraints: missing value: constraint 1 rack=unlike:: unlike needs a regular expression, e.g. rack=unlike:^r1$; to match any value write .*`},
		{"atMost without value", `rack=atMost`, ErrMissingValue,
			`constraints: missing value: constraint 1 rack=atMost: atMost needs a value, e.g. rack=atMost:2`},
		{"atMost zero", `rack=atMost:0`, ErrInvalidValue,
			`constraints: invalid value: constraint 1 rack=atMost:0: atMost takes a whole number of instances greater than 0, got "0"; write e.g. rack=atMost:2`},
		{"groupBy not a number", `rack=groupBy:many`, ErrInvalidValue,
			`constraints: invalid value: constraint 1 rack=groupBy:many: groupBy takes a whole number of groups greater than 0, got "many"; write e.g. rack=groupBy:3, or rack=groupBy`},
		{"groupBy with an empty value", `rack=groupBy:`, ErrInvalidValue,
			`constraints: invalid value: constraint 1 rack=groupBy:: groupBy takes a whole number of groups greater than 0, got ""; write e.g. rack=groupBy:3, or rack=groupBy`},
		{"bad regex", `rack=like:(r1`, ErrInvalidRegex,
			`constraints: invalid regular expression: constraint 1 rack=like:(r1: LIKE value "(r1": missing closing ): ` + "`(r1`" + `; write an RE2 expression such as "^rack-[1-3]$"`},
		{"is outside the text alphabet", `rack=is:r*`, ErrInvalidValue,
			`constraints: invalid value: constraint 1 rack=is:r*: IS value "r*" may use only letters, digits and _ / . -; compare other values with LIKE`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs, err := ParseCompact(tt.in)
			if err == nil {
				t.Fatalf("ParseCompact(%q) = %q, want an error", tt.in, marathonForms(cs))
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("ParseCompact(%q) error %v, want one wrapping %v", tt.in, err, tt.is)
			}
			if err.Error() != tt.msg {
				t.Errorf("ParseCompact(%q) error\n got %s\nwant %s", tt.in, err, tt.msg)
			}
		})
	}
}

func TestFormatCompact(t *testing.T) {
	cs, err := ParseMarathon([]byte(`[["hostname","UNIQUE"],["rack","LIKE","r{1,3}"],["a=b","CLUSTER","x\\y"],["@zone","MAX_PER","2"],["rack","GROUP_BY"],["lvl","IS","0.8"]]`))
	if err != nil {
		t.Fatal(err)
	}
	got := FormatCompact(cs)
	want := `hostname=unique,rack=like:r{1\,3},a\=b=cluster:x\\y,@zone=atMost:2,rack=groupBy,lvl=is:0.8`
	if got != want {
		t.Errorf("FormatCompact = %s, want %s", got, want)
	}
	if !sameCompact(t, got, cs) {
		t.Errorf("FormatCompact output %s does not read back as %q", got, marathonForms(cs))
	}
}

// An expression at RE2's nesting limit compiles alone but not inside the
// anchoring group; that must be an error, not a panic.
func TestRegexAtNestingLimit(t *testing.T) {
	re := strings.Repeat("(", 999) + "a" + strings.Repeat(")", 999)
	_, err := FromMarathon([]string{"rack", "LIKE", re})
	if !errors.Is(err, ErrInvalidRegex) || !strings.Contains(err.Error(), "nests too deeply") {
		t.Errorf("LIKE at the nesting limit: %.200v, want %v", err, ErrInvalidRegex)
	}
}
