package constraints

import (
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// Seed corpora live in testdata/fuzz/<FuzzName>/.

var sentinels = []error{ErrMalformed, ErrEmptyField, ErrUnknownOperator, ErrMissingValue, ErrUnexpectedValue, ErrInvalidValue, ErrInvalidRegex}

// checkParseError demands that a parse failure is one of the sentinels, with
// the package's prefix.
func checkParseError(t *testing.T, in string, err error) {
	t.Helper()
	if !strings.HasPrefix(err.Error(), "constraints: ") {
		t.Fatalf("parse of %q: error %q lacks the constraints: prefix", in, err)
	}
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("parse of %q: error %q wraps no sentinel", in, err)
}

// exercise runs parsed constraints against agents with and without the field,
// with instances placed, so a constraint that parses but cannot be checked
// shows up here.
func exercise(t *testing.T, cs []Constraint) {
	t.Helper()
	for _, c := range cs {
		if !c.compiled {
			t.Fatalf("%s parsed but is not compiled", c)
		}
		if c.Operator == Like || c.Operator == Unlike {
			checkWholeMatch(t, c)
		}
	}
	var fields []string
	for _, c := range cs {
		fields = append(fields, c.Field)
	}
	withField := agent("h1", "rack", "r1")
	for _, f := range fields {
		withField.Attributes[f] = "v"
	}
	x := NewIndex(withField, withField, agent("h2"))
	for _, a := range []Agent{withField, agent("h3")} {
		for _, r := range x.Check(cs, a) {
			if r.Reason == "" {
				t.Fatalf("%s refused without a reason", r.Constraint)
			}
		}
	}
}

func FuzzParseCompact(f *testing.F) {
	f.Fuzz(func(t *testing.T, in string) {
		cs, err := ParseCompact(in)
		if err != nil {
			checkParseError(t, in, err)
			return
		}
		exercise(t, cs)
		out := FormatCompact(cs)
		again, err := ParseCompact(out)
		if err != nil {
			t.Fatalf("%q parsed, was written as %q, which does not parse: %v", in, out, err)
		}
		if got, want := marathonForms(again), marathonForms(cs); !reflect.DeepEqual(got, want) {
			t.Fatalf("%q parsed as %q, was written as %q, which reads back as %q", in, want, out, got)
		}
	})
}

func FuzzParseMarathon(f *testing.F) {
	f.Fuzz(func(t *testing.T, in []byte) {
		cs, err := ParseMarathon(in)
		if err != nil {
			checkParseError(t, string(in), err)
			return
		}
		exercise(t, cs)
		out, err := json.Marshal(cs)
		if err != nil {
			t.Fatalf("%q parsed but does not marshal: %v", in, err)
		}
		again, err := ParseMarathon(out)
		if err != nil {
			t.Fatalf("%q parsed, marshalled as %s, which does not parse: %v", in, out, err)
		}
		if got, want := marathonForms(again), marathonForms(cs); !reflect.DeepEqual(got, want) {
			t.Fatalf("%q parsed as %q, marshalled as %s, which reads back as %q", in, want, out, got)
		}
		// Every valid constraint has a compact form that reads back the same.
		compact := FormatCompact(cs)
		back, err := ParseCompact(compact)
		if err != nil {
			t.Fatalf("%q parsed, was written compact as %q, which does not parse: %v", in, compact, err)
		}
		if got, want := marathonForms(back), marathonForms(cs); len(cs) > 0 && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q parsed as %q, was written compact as %q, which reads back as %q", in, want, compact, got)
		}
	})
}

// checkWholeMatch compares the anchored expression of a LIKE or UNLIKE with an
// independent notion of matching the whole value: the leftmost-longest match
// of the bare expression spans the value. It probes the value itself, its
// halves and a few plain strings.
func checkWholeMatch(t *testing.T, c Constraint) {
	t.Helper()
	bare := regexp.MustCompile(c.Value)
	bare.Longest()
	half := len(c.Value) / 2
	for _, s := range []string{"", "v", "r1", "a.b", c.Value, c.Value[:half], c.Value[half:], strings.Trim(c.Value, "^$")} {
		loc := bare.FindStringIndex(s)
		want := loc != nil && loc[0] == 0 && loc[1] == len(s)
		if got := c.re.MatchString(s); got != want {
			t.Fatalf("%s: anchored %s matches %q: %v, but whole-value match is %v", c, c.re, s, got, want)
		}
	}
}
