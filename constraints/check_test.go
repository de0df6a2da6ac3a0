package constraints

import (
	"reflect"
	"testing"
)

// agent builds an agent fixture: a hostname, then name/value pairs, where the
// names "@region" and "@zone" set the fault domain and others are attributes.
func agent(hostname string, kv ...string) Agent {
	a := Agent{ID: "id-" + hostname, Hostname: hostname, Attributes: map[string]string{}}
	for i := 0; i+1 < len(kv); i += 2 {
		switch kv[i] {
		case "@region":
			a.Region = kv[i+1]
		case "@zone":
			a.Zone = kv[i+1]
		default:
			a.Attributes[kv[i]] = kv[i+1]
		}
	}
	return a
}

// mustMarathon parses one constraint in Marathon's form or fails the test.
func mustMarathon(t testing.TB, parts ...string) Constraint {
	t.Helper()
	c, err := FromMarathon(parts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCheck(t *testing.T) {
	r1, r2, r3 := agent("a1", "rack", "r1"), agent("a2", "rack", "r2"), agent("a3", "rack", "r3")
	bare := agent("bare")
	tests := []struct {
		name       string
		constraint []string
		placed     []Agent
		candidate  Agent
		ok         bool
		reason     string
	}{
		// An agent without the field: only UNLIKE accepts.
		{"LIKE, attribute missing", []string{"rack", "LIKE", "r.*"}, nil, bare, false, "agent has no attribute rack"},
		{"UNLIKE, attribute missing", []string{"rack", "UNLIKE", "r.*"}, nil, bare, true, ""},
		{"UNIQUE, attribute missing", []string{"rack", "UNIQUE"}, nil, bare, false, "agent has no attribute rack"},
		{"CLUSTER, attribute missing", []string{"rack", "CLUSTER"}, nil, bare, false, "agent has no attribute rack"},
		{"GROUP_BY, attribute missing", []string{"rack", "GROUP_BY"}, nil, bare, false, "agent has no attribute rack"},
		{"MAX_PER, attribute missing", []string{"rack", "MAX_PER", "1"}, nil, bare, false, "agent has no attribute rack"},
		{"IS, attribute missing", []string{"rack", "IS", "r1"}, nil, bare, false, "agent has no attribute rack"},
		{"zone missing", []string{"@zone", "GROUP_BY"}, nil, bare, false, "agent has no fault domain zone"},
		{"region missing", []string{"@region", "CLUSTER", "eu"}, nil, bare, false, "agent has no fault domain region"},
		{"region missing, UNLIKE", []string{"@region", "UNLIKE", "eu"}, nil, bare, true, ""},
		{"attribute present but empty", []string{"rack", "LIKE", "r.*"}, nil, agent("x", "rack", ""), false, `rack="" does not match r.*`},

		// LIKE and UNLIKE match the whole value.
		{"LIKE matches", []string{"rack", "LIKE", "^1.*$"}, nil, agent("a", "rack", "1b"), true, ""},
		{"LIKE does not match", []string{"rack", "LIKE", "^1.*$"}, nil, r2, false, "rack=r2 does not match ^1.*$"},
		{"LIKE needs the whole value", []string{"rack", "LIKE", "r[0-9]"}, nil, agent("a", "rack", "r10"), false, "rack=r10 does not match r[0-9]"},
		{"LIKE on hostname", []string{"hostname", "LIKE", "a[0-9]"}, nil, r1, true, ""},
		{"LIKE on a range attribute", []string{"ports", "LIKE", `\[31000-.*`}, nil, agent("a", "ports", "[31000-32000]"), true, ""},
		{"LIKE quoting to the end", []string{"path", "LIKE", `\Q/a.b`}, nil, agent("a", "path", "/a.b"), true, ""},
		{"LIKE quoting to the end, literally", []string{"path", "LIKE", `\Q/a.b`}, nil, agent("a", "path", "/axb"), false, `path=/axb does not match \Q/a.b`},
		{"LIKE alternation needs the whole value", []string{"rack", "LIKE", "a|ab"}, nil, agent("a", "rack", "ab"), true, ""},
		{"UNLIKE excludes", []string{"rack", "UNLIKE", "r1"}, nil, r1, false, "rack=r1 matches r1, which UNLIKE excludes"},
		{"UNLIKE needs the whole value", []string{"rack", "UNLIKE", "r1"}, nil, agent("a", "rack", "r10"), true, ""},

		// UNIQUE counts placed instances with the agent's value.
		{"UNIQUE, nothing placed", []string{"hostname", "UNIQUE"}, nil, agent("a3"), true, ""},
		{"UNIQUE, host taken", []string{"hostname", "UNIQUE"}, []Agent{agent("a3")}, agent("a3"), false, "hostname a3 already runs an instance (UNIQUE)"},
		{"UNIQUE, @hostname is hostname", []string{"@hostname", "UNIQUE"}, []Agent{agent("a3")}, agent("a3"), false, "hostname a3 already runs an instance (UNIQUE)"},
		{"UNIQUE, other host", []string{"hostname", "UNIQUE"}, []Agent{agent("a3")}, agent("a4"), true, ""},
		{"UNIQUE on an attribute", []string{"rack", "UNIQUE"}, []Agent{r1, agent("b1", "rack", "r1")}, r1, false, "rack r1 already runs 2 instances (UNIQUE)"},
		{"UNIQUE ignores instances without the field", []string{"rack", "UNIQUE"}, []Agent{bare}, r1, true, ""},
		{"UNIQUE on a zone", []string{"@zone", "UNIQUE"}, []Agent{agent("a", "@zone", "b")}, agent("c", "@zone", "b"), false, "zone b already runs an instance (UNIQUE)"},
		{"an attribute named @zone is not the zone", []string{"@zone", "UNIQUE"}, []Agent{agent("a", "rack", "r1")}, agent("c", "@zone", "b"), true, ""},

		// CLUSTER with a value is equality; without, the first value placed.
		{"CLUSTER value matches", []string{"rack", "CLUSTER", "r1"}, nil, r1, true, ""},
		{"CLUSTER value differs", []string{"rack", "CLUSTER", "r1"}, nil, r2, false, "rack=r2, not r1 (CLUSTER)"},
		{"CLUSTER, nothing placed", []string{"rack", "CLUSTER"}, nil, r2, true, ""},
		{"CLUSTER, same as placed", []string{"rack", "CLUSTER"}, []Agent{r1, r1}, r1, true, ""},
		{"CLUSTER, other than placed", []string{"rack", "CLUSTER"}, []Agent{r1}, r2, false, "rack=r2, but the app's instances are on rack r1 (CLUSTER)"},
		{"CLUSTER, hostname", []string{"hostname", "CLUSTER"}, []Agent{r1}, r2, false, "hostname=a2, but the app's instances are on hostname a1 (CLUSTER)"},
		{"CLUSTER, already split, first value wins", []string{"rack", "CLUSTER"}, []Agent{r1, r2, r2}, r2, false, "rack=r2, but the app's instances are on rack r1 (CLUSTER)"},
		{"CLUSTER, instance without the field holds no value", []string{"rack", "CLUSTER"}, []Agent{bare}, r2, true, ""},

		// GROUP_BY: new values always; used ones when least used and enough groups.
		{"GROUP_BY, nothing placed", []string{"rack", "GROUP_BY"}, nil, r1, true, ""},
		{"GROUP_BY, even", []string{"rack", "GROUP_BY"}, []Agent{r1, r2}, r1, true, ""},
		{"GROUP_BY, value among the least used", []string{"rack", "GROUP_BY"}, []Agent{r1, r1, r2, r3}, r2, true, ""},
		{"GROUP_BY, value used more than the least", []string{"rack", "GROUP_BY"}, []Agent{r1, r1, r2}, r1, false, "rack r1 runs 2 instances, more than the 1 on the least used rack (GROUP_BY)"},
		{"GROUP_BY, new value", []string{"rack", "GROUP_BY"}, []Agent{r1, r1, r2}, r3, true, ""},
		{"GROUP_BY n, too few groups", []string{"rack", "GROUP_BY", "3"}, []Agent{r1, r2}, r1, false, "rack r1 already runs an instance and only 2 of at least 3 rack values are in use (GROUP_BY 3)"},
		{"GROUP_BY n, new value while too few", []string{"rack", "GROUP_BY", "3"}, []Agent{r1, r2}, r3, true, ""},
		{"GROUP_BY n, enough groups", []string{"rack", "GROUP_BY", "3"}, []Agent{r1, r2, r3}, r1, true, ""},
		{"GROUP_BY n, more values than n are welcome", []string{"rack", "GROUP_BY", "2"}, []Agent{r1, r2}, r3, true, ""},
		{"GROUP_BY ignores instances without the field", []string{"rack", "GROUP_BY"}, []Agent{r1, bare}, r1, true, ""},

		// MAX_PER n: fewer than n instances already have the value.
		{"MAX_PER below", []string{"@zone", "MAX_PER", "3"}, []Agent{agent("x", "@zone", "b"), agent("y", "@zone", "b")}, agent("z", "@zone", "b"), true, ""},
		{"MAX_PER at the limit", []string{"@zone", "MAX_PER", "3"},
			[]Agent{agent("x", "@zone", "b"), agent("y", "@zone", "b"), agent("w", "@zone", "b")}, agent("z", "@zone", "b"), false, "zone b has 3 instances, max 3 (MAX_PER)"},
		{"MAX_PER 1, empty value", []string{"rack", "MAX_PER", "1"}, []Agent{agent("x", "rack", "")}, agent("y", "rack", ""), false, `rack "" has an instance, max 1 (MAX_PER)`},

		// IS: exact equality, scalars formatted first.
		{"IS equal", []string{"rack", "IS", "r1"}, nil, r1, true, ""},
		{"IS different", []string{"rack", "IS", "r1"}, nil, r2, false, "rack=r2, not r1 (IS)"},
		{"IS is not a regex", []string{"rack", "IS", "r."}, nil, r1, false, "rack=r1, not r. (IS)"},
		{"IS scalar with trailing zero", []string{"level", "IS", "0.80"}, nil, agent("a", "level", "0.8"), true, ""},
		{"IS scalar rounded to thousandths", []string{"level", "IS", "0.8001"}, nil, agent("a", "level", "0.8"), true, ""},
		{"IS scalar integer", []string{"cores", "IS", "8.000"}, nil, agent("a", "cores", "8"), true, ""},
		{"IS scalar different", []string{"level", "IS", "0.81"}, nil, agent("a", "level", "0.8"), false, "level=0.8, not 0.81 (IS)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustMarathon(t, tt.constraint...)
			placed := NewIndex(tt.placed...)
			ok, reason := c.Check(tt.candidate, placed)
			if ok != tt.ok || reason != tt.reason {
				t.Errorf("%s on %+v with %d placed = %v %q, want %v %q", c, tt.candidate, len(tt.placed), ok, reason, tt.ok, tt.reason)
			}
			if ok && reason != "" {
				t.Errorf("accepted with a reason %q", reason)
			}
		})
	}
}

func TestIndexCheckCollectsEveryRejection(t *testing.T) {
	cs, err := ParseCompact(`hostname=unique,rack=like:^1.*$,rack=groupBy,@zone=atMost:1`)
	if err != nil {
		t.Fatal(err)
	}
	placed := NewIndex(agent("a1", "rack", "10", "@zone", "z1"))

	if rs := placed.Check(cs, agent("a2", "rack", "11", "@zone", "z2")); rs != nil {
		t.Errorf("Check on a fitting agent = %v, want nil", rs)
	}
	if !placed.Allows(cs, agent("a2", "rack", "11", "@zone", "z2")) {
		t.Errorf("Allows on a fitting agent = false")
	}

	rs := placed.Check(cs, agent("a1", "rack", "r2", "@zone", "z1"))
	var got []string
	for _, r := range rs {
		got = append(got, r.String())
	}
	want := []string{
		`["hostname","UNIQUE"]: hostname a1 already runs an instance (UNIQUE)`,
		`["rack","LIKE","^1.*$"]: rack=r2 does not match ^1.*$`,
		`["@zone","MAX_PER","1"]: zone z1 has an instance, max 1 (MAX_PER)`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Check =\n%q\nwant\n%q", got, want)
	}
	if placed.Allows(cs, agent("a1", "rack", "r2", "@zone", "z1")) {
		t.Errorf("Allows on a refused agent = true")
	}
}

func TestNilIndexIsEmpty(t *testing.T) {
	var placed *Index
	cs := []Constraint{mustMarathon(t, "hostname", "UNIQUE"), mustMarathon(t, "rack", "CLUSTER"), mustMarathon(t, "rack", "GROUP_BY", "2")}
	if rs := placed.Check(cs, agent("a", "rack", "r1")); rs != nil {
		t.Errorf("nil index Check = %v, want nil", rs)
	}
	if placed.Len() != 0 || placed.Count("rack", "r1") != 0 {
		t.Errorf("nil index Len %d Count %d, want 0 0", placed.Len(), placed.Count("rack", "r1"))
	}
	var zero Index
	zero.Add(agent("a", "rack", "r1"))
	if zero.Len() != 1 || zero.Count("rack", "r1") != 1 {
		t.Errorf("zero index after Add: Len %d Count %d, want 1 1", zero.Len(), zero.Count("rack", "r1"))
	}
}

func TestUncompiledConstraint(t *testing.T) {
	like := Constraint{Field: "rack", Operator: Like, Value: "r[12]", HasValue: true}
	if ok, reason := like.Check(agent("a", "rack", "r2"), nil); !ok {
		t.Errorf("literal LIKE refused r2: %s", reason)
	}
	if ok, reason := like.Check(agent("a", "rack", "r3"), nil); ok || reason != "rack=r3 does not match r[12]" {
		t.Errorf("literal LIKE on r3 = %v %q", ok, reason)
	}
	bad := Constraint{Field: "rack", Operator: MaxPer}
	want := `invalid constraint: MAX_PER needs the most instances allowed per value, e.g. "2"`
	if ok, reason := bad.Check(agent("a", "rack", "r2"), nil); ok || reason != want {
		t.Errorf("invalid literal = %v %q, want false %q", ok, reason, want)
	}
}

func TestIndexAddRemove(t *testing.T) {
	a1 := agent("a1", "rack", "r1", "@zone", "z1")
	a2 := agent("a2", "rack", "r1")
	x := NewIndex(a1, a2, a2)
	if x.Len() != 3 || x.Count("rack", "r1") != 3 || x.Count("hostname", "a2") != 2 || x.Count("@hostname", "a2") != 2 || x.Count("@zone", "z1") != 1 {
		t.Fatalf("counts after adds: len %d rack %d host %d zone %d", x.Len(), x.Count("rack", "r1"), x.Count("hostname", "a2"), x.Count("@zone", "z1"))
	}
	if x.Remove(agent("a3", "rack", "r1")) {
		t.Errorf("Remove of an agent never added = true")
	}
	if x.Remove(agent("a1", "rack", "r1", "@zone", "z9")) {
		t.Errorf("Remove with a zone never added = true")
	}
	if x.Len() != 3 || x.Count("rack", "r1") != 3 {
		t.Errorf("a refused Remove changed the index: len %d rack %d", x.Len(), x.Count("rack", "r1"))
	}
	if !x.Remove(a1) || x.Len() != 2 || x.Count("@zone", "z1") != 0 || x.Count("rack", "r1") != 2 {
		t.Errorf("after Remove(a1): len %d zone %d rack %d", x.Len(), x.Count("@zone", "z1"), x.Count("rack", "r1"))
	}
	if !x.Remove(a2) || !x.Remove(a2) || x.Len() != 0 || len(x.fields) != 0 {
		t.Errorf("after removing everything: len %d, %d fields left", x.Len(), len(x.fields))
	}
	if x.Remove(a2) {
		t.Errorf("Remove from an empty index = true")
	}
}

// TestGroupByDocumentedScenario replays the example of Marathon's
// constraints.md: GROUP_BY 3 with offers from two racks places one instance on
// each and waits for a third rack; after that, instances spread evenly.
func TestGroupByDocumentedScenario(t *testing.T) {
	c := mustMarathon(t, "rack_id", "GROUP_BY", "3")
	rack := func(n string) Agent { return agent("host-"+n, "rack_id", "rack_"+n) }
	placed := NewIndex()
	offer := func(a Agent) bool {
		if ok, _ := c.Check(a, placed); ok {
			placed.Add(a)
			return true
		}
		return false
	}
	for range 8 {
		offer(rack("1"))
		offer(rack("2"))
	}
	if placed.Len() != 2 {
		t.Fatalf("with two racks offered, placed %d instances, want 2", placed.Len())
	}
	for i := 0; placed.Len() < 9; i++ {
		offer(rack([]string{"3", "1", "2"}[i%3]))
	}
	for _, r := range []string{"rack_1", "rack_2", "rack_3"} {
		if n := placed.Count("rack_id", r); n != 3 {
			t.Errorf("%s has %d instances, want 3", r, n)
		}
	}
}
