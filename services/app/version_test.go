package app

import (
	"testing"
	"time"
)

func TestVersionAt(t *testing.T) {
	at := time.Date(2026, 11, 24, 23, 37, 44, 123456789, time.FixedZone("CET", 3600))
	if got := VersionAt(at); got != "2026-11-24T22:37:44.123Z" {
		t.Errorf("VersionAt = %q", got)
	}
	if got := VersionAt(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)); got != "2026-01-02T03:04:05.000Z" {
		t.Errorf("VersionAt = %q", got)
	}
	back, err := ParseVersion("2026-11-24T22:37:44.123Z")
	if err != nil || !back.Equal(at.Truncate(time.Millisecond)) {
		t.Errorf("ParseVersion: %v %v", back, err)
	}
	if _, err := ParseVersion("yesterday"); err == nil {
		t.Error("ParseVersion accepted garbage")
	}
}

func TestNeedsRestart(t *testing.T) {
	base := mustDecode(t, `{"id":"/a","cmd":"x","instances":2,"env":{"A":"1"}}`)
	tests := []struct {
		name, patch string
		restart     bool
	}{
		{"nothing", `{}`, false},
		{"scale", `{"instances":5}`, false},
		{"deployment timeout", `{"deploymentTimeoutSeconds":60,"rollbackOnTimeout":true}`, false},
		{"same env", `{"env":{"A":"1"}}`, false},
		{"cmd", `{"cmd":"y"}`, true},
		{"scale and cpus", `{"instances":5,"cpus":2}`, true},
		{"env", `{"env":{"A":"2"}}`, true},
		{"labels", `{"labels":{"k":"v"}}`, true},
		{"upgrade strategy", `{"upgradeStrategy":{"minimumHealthCapacity":0.5}}`, true},
		{"health checks", `{"healthChecks":[{"protocol":"TCP"}]}`, true},
	}
	for _, tt := range tests {
		next, err := Patch(base, []byte(tt.patch))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := NeedsRestart(base, next); got != tt.restart {
			t.Errorf("%s: NeedsRestart = %v, want %v", tt.name, got, tt.restart)
		}
	}
	// nil and empty lists are the same definition.
	empty := base.Clone()
	empty.Args = []string{}
	empty.AcceptedResourceRoles = []string{}
	base.AcceptedResourceRoles = nil
	if NeedsRestart(base, empty) {
		t.Error("nil and empty lists differ")
	}
	if NeedsRestart(nil, base) {
		t.Error("a new app needs no restart")
	}
}

func TestStampAndRestarted(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	v0, v1, v2, v3 := VersionAt(t0), VersionAt(t0.Add(time.Second)), VersionAt(t0.Add(2*time.Second)), VersionAt(t0.Add(3*time.Second))

	a := Stamp(mustDecode(t, `{"id":"/a","cmd":"x"}`), nil, t0)
	if a.Version != v0 || *a.VersionInfo != (VersionInfo{v0, v0}) {
		t.Fatalf("new: %s %+v", a.Version, a.VersionInfo)
	}
	scaled, _ := Patch(a, []byte(`{"instances":3}`))
	scaled = Stamp(scaled, a, t0.Add(time.Second))
	if scaled.Version != v1 || *scaled.VersionInfo != (VersionInfo{LastScalingAt: v1, LastConfigChangeAt: v0}) {
		t.Errorf("scaled: %s %+v", scaled.Version, scaled.VersionInfo)
	}
	if NeedsRestart(a, scaled) {
		t.Error("scaling needs no restart")
	}
	changed, _ := Patch(scaled, []byte(`{"cmd":"y"}`))
	changed = Stamp(changed, scaled, t0.Add(2*time.Second))
	if changed.Version != v2 || *changed.VersionInfo != (VersionInfo{v2, v2}) {
		t.Errorf("changed: %s %+v", changed.Version, changed.VersionInfo)
	}
	same := Stamp(changed.Clone(), changed, t0.Add(3*time.Second))
	if same.Version != v2 {
		t.Errorf("an unchanged app keeps its version: %s", same.Version)
	}
	restarted := Restarted(changed, t0.Add(3*time.Second))
	if restarted.Version != v3 || !NeedsRestart(changed, restarted) {
		t.Errorf("restart: %s %+v", restarted.Version, restarted.VersionInfo)
	}
}

// Re-sending a definition whose ports are 0 does not restart an app whose service ports
// were assigned.
func TestNeedsRestartKeepsServicePorts(t *testing.T) {
	prev := mustDecode(t, `{"id":"/a","cmd":"x"}`)
	if err := AssignServicePorts(prev, nil, ServicePortMin, ServicePortMax); err != nil {
		t.Fatal(err)
	}
	again := mustDecode(t, `{"id":"/a","cmd":"x","instances":4}`)
	if NeedsRestart(prev, again) {
		t.Error("an unchanged definition with port 0 needs no restart")
	}
	ReuseServicePorts(again, prev)
	if again.PortDefinitions[0].Port != prev.PortDefinitions[0].Port {
		t.Errorf("ports: %v %v", again.ServicePorts(), prev.ServicePorts())
	}
	other := mustDecode(t, `{"id":"/a","cmd":"x","ports":[0,0]}`)
	if !NeedsRestart(prev, other) {
		t.Error("a second port is a change")
	}
}
