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
	root := &app.Group{ID: "/", Groups: []*app.Group{{ID: "/team"}, {ID: "/ops", EnforceRole: true}}}
	cases := []struct {
		id   string
		body *app.Group
		want string
	}{
		{"/web", nil, ""},
		{"/team/api", nil, "team"},
		{"/team/sub/api", nil, "team"},
		{"/ops/api", nil, ""},
		{"/team/api", &app.Group{ID: "/team"}, ""},                     // the body turns it off
		{"/ops/api", &app.Group{ID: "/ops", EnforceRole: true}, "ops"}, // and on
		{"/team/sub/api", &app.Group{ID: "/team/sub"}, "team"},         // a nested body: the recorded top-level group
		{"/team/api", root, ""},
		{"/ops/api", root, "ops"},
	}
	for _, tc := range cases {
		if got := e.enforcedRole(tc.id, tc.body); got != tc.want {
			t.Errorf("enforcedRole(%s, %+v) = %q, want %q", tc.id, tc.body, got, tc.want)
		}
	}
	if got := e.validRoles("/team/api", &app.App{Role: "*"}, "team"); !slices.Equal(got, []string{"*", "team"}) {
		t.Errorf("valid roles with an enforced group and a current role *: %v", got)
	}
	if got := e.validRoles("/dev/api", nil, ""); !slices.Equal(got, []string{"*", "dev"}) {
		t.Errorf("valid roles under /dev: %v", got)
	}
}
