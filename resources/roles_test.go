package resources

import (
	"errors"
	"slices"
	"testing"
)

func TestValidateRole(t *testing.T) {
	valid := []string{"*", "web", "eng/web", "a/b/c", "a.b", "a-b", "_x", "a/..b", "ünï"}
	for _, role := range valid {
		if err := ValidateRole(role); err != nil {
			t.Errorf("ValidateRole(%q) = %v, want nil", role, err)
		}
	}
	invalid := []struct{ role, want string }{
		{"", `resources: role "" is empty; a role needs a name`},
		{"/a", `resources: role "/a" cannot start with a slash`},
		{"a/", `resources: role "a/" cannot end with a slash`},
		{"a//b", `resources: role "a//b" cannot contain two adjacent slashes`},
		{".", `resources: role "." cannot include '.' as a component`},
		{"a/./b", `resources: role "a/./b" cannot include '.' as a component`},
		{"..", `resources: role ".." cannot include '..' as a component`},
		{"a/*", `resources: role "a/*" cannot include '*' as a component`},
		{"**", ""}, // fine: only a whole "*" component is special
		{"-a", `resources: role "-a" has component "-a" starting with a dash`},
		{"a/-b", `resources: role "a/-b" has component "-b" starting with a dash`},
		{"a b", `resources: role "a b" has component "a b" containing whitespace or backspace`},
		{"a\tb", `resources: role "a\tb" has component "a\tb" containing whitespace or backspace`},
		{"a\x7f", `resources: role "a\x7f" has component "a\x7f" containing whitespace or backspace`},
	}
	for _, tt := range invalid {
		err := ValidateRole(tt.role)
		if tt.want == "" {
			if err != nil {
				t.Errorf("ValidateRole(%q) = %v, want nil", tt.role, err)
			}
			continue
		}
		if err == nil || err.Error() != tt.want {
			t.Errorf("ValidateRole(%q) = %v, want %s", tt.role, err, tt.want)
		}
		if !errors.Is(err, ErrInvalidRole) {
			t.Errorf("ValidateRole(%q) error does not wrap ErrInvalidRole", tt.role)
		}
	}
}

func TestIsStrictSubroleOf(t *testing.T) {
	tests := []struct {
		child, parent string
		want          bool
	}{
		{"a/b", "a", true},
		{"a/b/c", "a", true},
		{"a/b/c", "a/b", true},
		{"a", "a", false},
		{"ab", "a", false},
		{"a", "a/b", false},
		{"b/a", "a", false},
		{"a/b", "*", false},
	}
	for _, tt := range tests {
		if got := IsStrictSubroleOf(tt.child, tt.parent); got != tt.want {
			t.Errorf("IsStrictSubroleOf(%q, %q) = %v, want %v", tt.child, tt.parent, got, tt.want)
		}
	}
}

func TestRoleAncestors(t *testing.T) {
	if got := RoleAncestors("a/b/c"); !slices.Equal(got, []string{"a/b", "a"}) {
		t.Errorf("RoleAncestors(a/b/c) = %v", got)
	}
	if got := RoleAncestors("a"); len(got) != 0 {
		t.Errorf("RoleAncestors(a) = %v", got)
	}
}

func TestReservationHelpers(t *testing.T) {
	unreserved := NewScalar("cpus", 1)
	refined := dynamic(static(NewScalar("cpus", 1), "eng"), "eng/web", "ops")
	if unreserved.ReservationRole() != "*" || !unreserved.IsUnreserved() || unreserved.IsReservedTo("*") {
		t.Error("unreserved resource: role *, unreserved, not reserved to *")
	}
	if refined.ReservationRole() != "eng/web" || !refined.IsDynamicallyReserved() || !refined.HasRefinedReservations() {
		t.Error("refined resource: role is the top of the stack, dynamic, refined")
	}
	if !refined.IsReservedTo("eng/web") || refined.IsReservedTo("eng") {
		t.Error("IsReservedTo looks at the top of the stack only")
	}
	if !refined.IsReservedToRoleSubtree("eng") || refined.IsReservedToRoleSubtree("eng/web/x") {
		t.Error("IsReservedToRoleSubtree")
	}
	for role, want := range map[string]bool{"eng/web": true, "eng/web/x": true, "eng": false, "other": false} {
		if got := refined.IsAllocatableTo(role); got != want {
			t.Errorf("IsAllocatableTo(%q) = %v, want %v", role, got, want)
		}
	}
	if !unreserved.IsAllocatableTo("anything") {
		t.Error("unreserved resources are allocatable to every role")
	}
	if static(NewScalar("cpus", 1), "eng").IsDynamicallyReserved() {
		t.Error("a static reservation is not dynamic")
	}
}
