package services_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"agora/internal/testcluster"
)

// masterRoles is the roles the master has for the services framework.
func masterRoles(t *testing.T, c *testcluster.Cluster) []string {
	t.Helper()
	resp, err := http.Get(c.MasterURL + "/master/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var state struct {
		Frameworks []struct {
			Name  string   `json:"name"`
			Roles []string `json:"roles"`
		} `json:"frameworks"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&state); err != nil {
		t.Fatal(err)
	}
	for _, fw := range state.Frameworks {
		if fw.Name == "marathon" {
			return fw.Roles
		}
	}
	return nil
}

// Apps run as their role (Marathon 1.9): the framework takes the role on
// when an app needs it, the app's instances use that role's reservation,
// and roles an app may not use are refused with Marathon's 422.
func TestAppsRunAsTheirRole(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 2, AgentResourcesFor: func(i int) string {
		if i == 1 {
			return "cpus:4;mem:4096;disk:1000;ports:[31000-31010];cpus(dev):1;mem(dev):512"
		}
		return "cpus:4;mem:4096;disk:1000;ports:[31000-31010]"
	}})
	dir := t.TempDir()
	s := startServices(t, c, dir)

	// Refused: a role the app may not use, and acceptedResourceRoles beyond "*" and its role.
	for _, tc := range []struct{ body, path, msg string }{
		{`{"id":"/api","cmd":"sleep 100","role":"dev"}`, "/role", `got "dev", expected one of: "*"`},
		{`{"id":"/dev/api","cmd":"sleep 100","role":"ops"}`, "/role", `got "ops", expected one of: "*", "dev"`},
		{`{"id":"/dev/api","cmd":"sleep 100","role":"dev","acceptedResourceRoles":["ops"]}`, "/acceptedResourceRoles", "acceptedResourceRoles can only contain * and dev"},
	} {
		var body struct {
			Message string `json:"message"`
			Details []struct {
				Path   string   `json:"path"`
				Errors []string `json:"errors"`
			} `json:"details"`
		}
		code, _ := s.do("POST", "/v2/apps", tc.body, &body)
		if code != 422 || len(body.Details) != 1 || body.Details[0].Path != tc.path || !strings.Contains(strings.Join(body.Details[0].Errors, ""), tc.msg) {
			t.Errorf("POST %s: %d %+v; want 422 at %s saying %q", tc.body, code, body, tc.path, tc.msg)
		}
	}
	if code, _ := s.do("GET", "/v2/apps/dev/api", nil, nil); code != 404 {
		t.Errorf("a refused app was stored: GET %d", code)
	}

	// Accepted: dev's app on dev's reservation, the default role's app anywhere.
	s.do("POST", "/v2/apps", `{"id":"/dev/api","cmd":"sleep 1000","instances":2,"cpus":0.5,"mem":256,
		"role":"dev","acceptedResourceRoles":["dev"],"portDefinitions":[]}`, nil)
	s.do("POST", "/v2/apps", `{"id":"/web","cmd":"sleep 1000","cpus":0.1,"mem":16}`, nil)
	api := s.waitRunning("/dev/api", 2)
	if h := hosts(api); h["agent2"] != 2 {
		t.Errorf("dev's instances run on %v, want both on agent2 (dev's reservation)", h)
	}
	s.waitRunning("/web", 1)
	if roles := masterRoles(t, c); !slices.Equal(roles, []string{"*", "dev"}) {
		t.Errorf("the framework's roles at the master: %v, want [* dev]", roles)
	}
	var got struct {
		App struct {
			Role string `json:"role"`
		} `json:"app"`
	}
	if s.do("GET", "/v2/apps/web", nil, &got); got.App.Role != "*" {
		t.Errorf("/web role %q, want the scheduler's role *", got.App.Role)
	}
	// A restarted services scheduler subscribes with the roles its apps use
	// and keeps their instances.
	s.stop()
	s = startServices(t, c, dir)
	waitFor(t, "the restarted scheduler to hold the dev role", func() (bool, string) {
		roles := masterRoles(t, c)
		return slices.Equal(roles, []string{"*", "dev"}), strings.Join(roles, ",")
	})
	if again := s.waitRunning("/dev/api", 2); !sameTasks(api, again) {
		t.Errorf("tasks before the restart %+v, after %+v", api.Tasks, again.Tasks)
	}
	// An update without a role keeps the app's.
	s.do("PUT", "/v2/apps/dev/api", `{"instances":1}`, nil)
	s.waitRunning("/dev/api", 1)
	if s.do("GET", "/v2/apps/dev/api", nil, &got); got.App.Role != "dev" {
		t.Errorf("/dev/api role %q after an update without one, want dev", got.App.Role)
	}

	// With the app gone, the framework lets the role go.
	s.do("DELETE", "/v2/apps/dev/api", nil, nil)
	waitFor(t, "the framework to drop the dev role", func() (bool, string) {
		roles := masterRoles(t, c)
		return slices.Equal(roles, []string{"*"}), strings.Join(roles, ",")
	})
}

// sameTasks reports whether a and b list the same task ids.
func sameTasks(a, b appView) bool {
	var x, y []string
	for _, t := range a.Tasks {
		x = append(x, t.ID)
	}
	for _, t := range b.Tasks {
		y = append(y, t.ID)
	}
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// A top-level group with enforceRole makes its role its apps' default and
// the only new one they may take; GET prints the flag.
func TestGroupEnforceRole(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 2})
	s := startServices(t, c, t.TempDir())
	if code, _ := s.do("PUT", "/v2/groups", `{"id":"/team","enforceRole":true,
		"apps":[{"id":"api","cmd":"sleep 1000","cpus":0.1,"mem":16}]}`, nil); code != 200 && code != 201 {
		t.Fatalf("PUT group: %d", code)
	}
	s.waitRunning("/team/api", 1)
	var got struct {
		App struct {
			Role string `json:"role"`
		} `json:"app"`
	}
	if s.do("GET", "/v2/apps/team/api", nil, &got); got.App.Role != "team" {
		t.Errorf("/team/api role %q, want the enforced team", got.App.Role)
	}
	var group struct {
		EnforceRole bool `json:"enforceRole"`
	}
	if s.do("GET", "/v2/groups/team", nil, &group); !group.EnforceRole {
		t.Errorf("GET /v2/groups/team: enforceRole false")
	}
	// A later app under the group gets the role too, and may not take another.
	s.do("POST", "/v2/apps", `{"id":"/team/web","cmd":"sleep 1000","cpus":0.1,"mem":16}`, nil)
	s.waitRunning("/team/web", 1)
	if s.do("GET", "/v2/apps/team/web", nil, &got); got.App.Role != "team" {
		t.Errorf("/team/web role %q, want team", got.App.Role)
	}
	var body struct {
		Details []struct {
			Path   string   `json:"path"`
			Errors []string `json:"errors"`
		} `json:"details"`
	}
	code, _ := s.do("POST", "/v2/apps", `{"id":"/team/db","cmd":"sleep 1000","role":"*"}`, &body)
	if code != 422 || len(body.Details) != 1 || body.Details[0].Path != "/role" ||
		!strings.Contains(body.Details[0].Errors[0], `got "*", expected one of: "team" (group /team enforces its role`) {
		t.Errorf("POST /team/db with role *: %d %+v", code, body)
	}
	if roles := masterRoles(t, c); !slices.Equal(roles, []string{"*", "team"}) {
		t.Errorf("the framework's roles at the master: %v, want [* team]", roles)
	}
}
