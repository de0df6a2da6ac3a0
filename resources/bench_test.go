package resources

import (
	"fmt"
	"testing"
)

// benchAgent is a large agent: 10 roles, each with statically reserved
// cpus, mem and disk and a share of 1,000 disjoint port ranges, plus
// unreserved cpus, mem, disk and the rest of the ports (44 entries).
func benchAgent(tb testing.TB) Resources {
	const roles, portRanges = 10, 1000
	var rs []Resource
	ports := make([][]Range, roles+1) // index roles = unreserved
	for i := range portRanges {
		begin := uint64(10000 + 10*i)
		ports[i%(roles+1)] = append(ports[i%(roles+1)], Range{begin, begin + 4})
	}
	for g := 0; g <= roles; g++ {
		group := []Resource{NewScalar("cpus", 4), NewScalar("mem", 16384), NewScalar("disk", 100000), NewRanges("ports", ports[g]...)}
		for _, r := range group {
			if g < roles {
				r.Reservations = []Reservation{StaticReservation(fmt.Sprintf("role%d", g))}
			}
			rs = append(rs, r)
		}
	}
	agent, err := New(rs...)
	if err != nil {
		tb.Fatal(err)
	}
	if n := len(agent.Ports()); n != portRanges {
		tb.Fatalf("agent has %d port ranges, want %d", n, portRanges)
	}
	return agent
}

// benchTask is a typical task: 0.1 cpus, 32 MB and three ports, reserved
// to role ("" = unreserved), using ports the agent holds for that role.
func benchTask(tb testing.TB, role string, group int) Resources {
	base := uint64(10000 + 10*group) // first range of the group
	step := uint64(10 * 11)          // next range of the same group
	rs := []Resource{
		NewScalar("cpus", 0.1),
		NewScalar("mem", 32),
		NewRanges("ports", Range{base, base}, Range{base + step + 2, base + step + 2}, Range{base + 5*step + 4, base + 5*step + 4}),
	}
	for i := range rs {
		if role != "" {
			rs[i].Reservations = []Reservation{StaticReservation(role)}
		}
	}
	task, err := New(rs...)
	if err != nil {
		tb.Fatal(err)
	}
	return task
}

func benchCases(b *testing.B) (Resources, []struct {
	name string
	task Resources
}) {
	agent := benchAgent(b)
	cases := []struct {
		name string
		task Resources
	}{
		{"reserved", benchTask(b, "role7", 7)},
		{"unreserved", benchTask(b, "", 10)},
	}
	for _, c := range cases {
		if !agent.Contains(c.task) {
			b.Fatalf("agent does not contain task %s", c.task)
		}
	}
	return agent, cases
}

// BenchmarkSubtract: taking a typical task's resources out of a large
// agent, as the master and allocator do on every launch.
func BenchmarkSubtract(b *testing.B) {
	agent, cases := benchCases(b)
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var left Resources
			for b.Loop() {
				left = agent.Subtract(c.task)
			}
			if left.Len() != agent.Len() || left.Cpus() != agent.Cpus()-100 {
				b.Fatalf("unexpected result %s", left)
			}
		})
	}
}

// BenchmarkContains: checking that a large agent can hold a typical task.
func BenchmarkContains(b *testing.B) {
	agent, cases := benchCases(b)
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			ok := false
			for b.Loop() {
				ok = agent.Contains(c.task)
			}
			if !ok {
				b.Fatal("Contains returned false")
			}
		})
	}
}

// BenchmarkAdd: returning a task's resources to a large agent.
func BenchmarkAdd(b *testing.B) {
	agent, cases := benchCases(b)
	for _, c := range cases {
		left := agent.Subtract(c.task)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var back Resources
			for b.Loop() {
				back = left.Add(c.task)
			}
			if !back.Equal(agent) {
				b.Fatal("Add did not restore the agent")
			}
		})
	}
}

// BenchmarkFind: finding a typical task in an offer of the whole agent.
func BenchmarkFind(b *testing.B) {
	agent, cases := benchCases(b)
	offer := agent.AllocateTo("role7")
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			ok := false
			for b.Loop() {
				_, ok = offer.Find(c.task)
			}
			if !ok {
				b.Fatal("Find failed")
			}
		})
	}
}
