package app

import (
	"errors"
	"reflect"
	"testing"
)

func TestAssignServicePorts(t *testing.T) {
	a := mustDecode(t, `{"id":"/a","cmd":"x","portDefinitions":[{"port":0},{"port":10001},{"port":0},{"port":0}]}`)
	used := map[int]bool{10000: true, 10003: true}
	if err := AssignServicePorts(a, func(p int) bool { return used[p] }, ServicePortMin, ServicePortMax); err != nil {
		t.Fatal(err)
	}
	if got, want := a.ServicePorts(), []int{10002, 10001, 10004, 10005}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}

	b := mustDecode(t, `{"id":"/b","cmd":"x","ports":[0,0,0]}`)
	err := AssignServicePorts(b, func(p int) bool { return p != 10001 }, 10000, 10002)
	if !errors.Is(err, ErrNoServicePorts) {
		t.Fatalf("want ErrNoServicePorts, got %v", err)
	}
	if got := b.ServicePorts(); !reflect.DeepEqual(got, []int{0, 0, 0}) {
		t.Errorf("a failed assignment changed the app: %v", got)
	}
	if err := AssignServicePorts(b, nil, 5, 1); !errors.Is(err, ErrNoServicePorts) {
		t.Errorf("bad range: %v", err)
	}
}

func TestReuseServicePorts(t *testing.T) {
	prev := mustDecode(t, `{"id":"/a","cmd":"x","ports":[10005,10006]}`)
	next := mustDecode(t, `{"id":"/a","cmd":"x","ports":[0,10005,0]}`)
	ReuseServicePorts(next, prev)
	if got, want := next.ServicePorts(), []int{0, 10005, 0}; !reflect.DeepEqual(got, want) {
		// position 0 would take 10005, which the new definition already uses
		t.Errorf("got %v, want %v", got, want)
	}
	same := mustDecode(t, `{"id":"/a","cmd":"x","ports":[0,0]}`)
	ReuseServicePorts(same, prev)
	if got, want := same.ServicePorts(), []int{10005, 10006}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
