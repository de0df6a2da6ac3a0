package resources

import (
	"errors"
	"testing"
)

// FuzzParse feeds arbitrary --resources text to Parse. Whatever the input,
// Parse must not panic; an error must be one of the package's; a result must
// be in normal form, survive a wire round trip and, when it only holds what
// the text form can express, print back to text that parses to the same
// collection. The seed corpus is in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add("cpus:2;mem:1024;ports:[31000-32000]")
	f.Fuzz(func(t *testing.T, text string) {
		for _, role := range []string{"", "web"} {
			rs, err := Parse(text, role)
			if err != nil {
				if !errors.Is(err, ErrInvalidResource) {
					t.Fatalf("Parse(%q) error %v does not wrap ErrInvalidResource", text, err)
				}
				continue
			}
			checkNormal(t, "parsed", rs)

			list, err := rs.ToProto(Format{})
			if err != nil {
				t.Fatalf("ToProto(%s): %v", rs, err)
			}
			back, err := FromProto(list)
			if err != nil || !back.Equal(rs) {
				t.Fatalf("wire round trip of %s: %s, %v", rs, back, err)
			}

			if rs.IsEmpty() || !textExpressible(rs) { // an empty collection prints "{}", as in Mesos
				continue
			}
			again, err := Parse(rs.String(), role)
			if err != nil || !again.Equal(rs) {
				t.Fatalf("Parse(%q) = %s, %v; want %s (from %q)", rs.String(), again, err, rs, text)
			}
		}
	})
}

// textExpressible reports whether String's output is in the text flag form:
// only unreserved or statically reserved resources with names and set items
// that the grammar can carry back.
func textExpressible(rs Resources) bool {
	for r := range rs.All() {
		if r.Disk != nil || len(r.Reservations) > 1 || r.IsDynamicallyReserved() {
			return false
		}
		if !plainToken(r.Name) {
			return false
		}
		for _, item := range r.Set {
			if !plainToken(item) {
				return false
			}
		}
	}
	return true
}

// plainToken reports whether s survives the text grammar unchanged: no
// white space (removed by Parse) and none of its separators.
func plainToken(s string) bool {
	for _, c := range s {
		switch c {
		case ';', ':', ',', '(', ')', '[', ']', '{', '}', '\n':
			return false
		}
	}
	return removeSpace(s) == s
}
