package services

import (
	"slices"
	"testing"

	"agora/services/app"
)

// The enforced role of an app's top-level group comes from the group body
// being deployed when it defines that group, else from the recorded group.
func TestEnforcedRole(t *testing.T) {
	e := &Engine{cfg: Config{Role: "*"}, groups: map[string]*app.Group{
		"/team": {ID: "/team", EnforceRole: true},
		"/ops":  {ID: "/ops"},
	}}
	root := &app.Group{ID: "/", Groups: []*app.Group{{ID: "/team"}, {ID: "/ops", EnforceRole: true, EnforceRoleGiven: true}}}
	cases := []struct {
		id   string
		body *app.Group
		want string
	}{
		{"/web", nil, ""},
		{"/team/api", nil, "team"},
		{"/team/sub/api", nil, "team"},
		{"/ops/api", nil, ""},
		{"/team/api", &app.Group{ID: "/team"}, ""}, // the body turns it off
		{"/ops/api", &app.Group{ID: "/ops", EnforceRole: true, EnforceRoleGiven: true}, "ops"}, // and on
		{"/team/sub/api", &app.Group{ID: "/team/sub"}, "team"},                                 // a nested body: the recorded top-level group
		{"/team/api", root, ""},
		{"/ops/api", root, "ops"},
	}
	for _, tc := range cases {
		if got := e.enforcedRole(tc.id, tc.body); got != tc.want {
			t.Errorf("enforcedRole(%s, %+v) = %q, want %q", tc.id, tc.body, got, tc.want)
		}
	}
	// --new_group_enforce_role=top: a top-level group that does not say
	// enforces, whether new (no record) or in the body; a nested one never.
	top := &Engine{cfg: Config{Role: "*", NewGroupEnforceRole: true}, groups: e.groups}
	for _, tc := range []struct {
		id   string
		body *app.Group
		want string
	}{
		{"/new/api", nil, "new"},
		{"/ops/api", nil, ""}, // recorded without
		{"/ops/api", &app.Group{ID: "/ops"}, "ops"},
		{"/ops/api", &app.Group{ID: "/ops", EnforceRoleGiven: true}, ""},
		{"/team/sub/api", &app.Group{ID: "/team/sub"}, "team"},
	} {
		if got := top.enforcedRole(tc.id, tc.body); got != tc.want {
			t.Errorf("with new_group_enforce_role=top: enforcedRole(%s, %+v) = %q, want %q", tc.id, tc.body, got, tc.want)
		}
	}
	if top.groupEnforcesRole(&app.Group{ID: "/team/sub"}) {
		t.Error("a nested group enforces its role")
	}
	if got := e.validRoles("/team/api", &app.App{Role: "*"}, "team"); !slices.Equal(got, []string{"*", "team"}) {
		t.Errorf("valid roles with an enforced group and a current role *: %v", got)
	}
	if got := e.validRoles("/dev/api", nil, ""); !slices.Equal(got, []string{"*", "dev"}) {
		t.Errorf("valid roles under /dev: %v", got)
	}
}
