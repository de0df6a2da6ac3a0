package services_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"agora/internal/testcluster"
)

// A group's apps deploy in dependency order: /shop/web waits until
// /shop/db runs, in a later deployment step.
func TestGroupDeploysDependenciesFirst(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 2})
	s := startServices(t, c, t.TempDir())
	events := s.subscribe(t, "deployment_info")
	group := `{"id":"/shop","apps":[
		{"id":"web","cmd":"sleep 1000","cpus":0.1,"mem":16,"dependencies":["/shop/db"]},
		{"id":"db","cmd":"sleep 1000","cpus":0.1,"mem":16}]}`
	if code, _ := s.do("POST", "/v2/groups", group, nil); code != 201 {
		t.Fatalf("POST /v2/groups: %d", code)
	}
	first := events.next(t)
	if !strings.Contains(first, `"currentStep":{"actions":[{"action":"StartApplication","app":"/shop/db"}]}`) {
		t.Fatalf("first step is not /shop/db alone: %s", first)
	}
	second := events.next(t)
	if !strings.Contains(second, `"currentStep":{"actions":[{"action":"StartApplication","app":"/shop/web"}]}`) {
		t.Fatalf("second step is not /shop/web: %s", second)
	}
	// When web's step began, db was already running.
	db := s.waitRunning("/shop/db", 1)
	web := s.waitRunning("/shop/web", 1)
	var dbStarted, webStaged string
	var tasks struct {
		Tasks []struct {
			AppID     string `json:"appId"`
			StagedAt  string `json:"stagedAt"`
			StartedAt string `json:"startedAt"`
		} `json:"tasks"`
	}
	s.do("GET", "/v2/tasks", nil, &tasks)
	for _, tk := range tasks.Tasks {
		switch tk.AppID {
		case "/shop/db":
			dbStarted = tk.StartedAt
		case "/shop/web":
			webStaged = tk.StagedAt
		}
	}
	if dbStarted == "" || webStaged == "" || webStaged < dbStarted {
		t.Fatalf("web staged at %q, db started at %q (db %v, web %v)", webStaged, dbStarted, db.Tasks, web.Tasks)
	}
	var root struct {
		Groups []struct {
			ID   string `json:"id"`
			Apps []struct {
				ID string `json:"id"`
			} `json:"apps"`
		} `json:"groups"`
	}
	s.do("GET", "/v2/groups", nil, &root)
	if len(root.Groups) != 1 || root.Groups[0].ID != "/shop" || len(root.Groups[0].Apps) != 2 {
		t.Fatalf("GET /v2/groups: %+v", root)
	}
}

// A crashing app is relaunched with a growing delay that /v2/queue shows,
// its last failure is reported, and DELETE /v2/queue/{app}/delay resets it.
func TestCrashingAppBacksOff(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1})
	s := startServices(t, c, t.TempDir())
	s.do("POST", "/v2/apps", `{"id":"/crash","cmd":"exit 3","cpus":0.1,"mem":16,
		"backoffSeconds":5,"backoffFactor":2,"maxLaunchDelaySeconds":60}`, nil)
	type queue struct {
		Queue []struct {
			Count int `json:"count"`
			Delay struct {
				TimeLeftSeconds int  `json:"timeLeftSeconds"`
				Overdue         bool `json:"overdue"`
			} `json:"delay"`
		} `json:"queue"`
	}
	waitFor(t, "a launch delay in the queue", func() (bool, string) {
		var q queue
		s.do("GET", "/v2/queue", nil, &q)
		return len(q.Queue) == 1 && q.Queue[0].Delay.TimeLeftSeconds > 0 && !q.Queue[0].Delay.Overdue, fmt.Sprintf("%+v", q)
	})
	var out struct {
		App struct {
			LastTaskFailure struct {
				State   string `json:"state"`
				Message string `json:"message"`
			} `json:"lastTaskFailure"`
		} `json:"app"`
	}
	s.do("GET", "/v2/apps/crash?embed=apps.lastTaskFailure", nil, &out)
	if out.App.LastTaskFailure.State != "TASK_FAILED" {
		t.Fatalf("lastTaskFailure: %+v", out.App.LastTaskFailure)
	}
	if code, _ := s.do("DELETE", "/v2/queue/crash/delay", nil, nil); code != 204 {
		t.Fatalf("DELETE delay: %d", code)
	}
	var q queue
	s.do("GET", "/v2/queue", nil, &q)
	if len(q.Queue) == 1 && q.Queue[0].Delay.TimeLeftSeconds > 0 {
		t.Fatalf("delay not reset: %+v", q)
	}
}

// requirePorts gets the task exactly the ports its definitions name, and
// args run without a shell.
func TestRequirePortsAndArgs(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1})
	s := startServices(t, c, t.TempDir())
	s.do("POST", "/v2/apps", `{"id":"/fixed","args":["sleep","1000"],"cpus":0.1,"mem":16,
		"requirePorts":true,"portDefinitions":[{"port":31555,"name":"admin"}]}`, nil)
	a := s.waitRunning("/fixed", 1)
	if got := a.Tasks[0].Ports; len(got) != 1 || got[0] != 31555 {
		t.Fatalf("host ports %v, want [31555]", got)
	}
	// args run without a shell: "$HOME" reaches printf as is.
	s.do("POST", "/v2/apps", `{"id":"/literal","args":["printf","%s","$HOME"],"cpus":0.1,"mem":16,"portDefinitions":[]}`, nil)
	var taskID string
	waitFor(t, "a task of /literal", func() (bool, string) {
		var out struct {
			Tasks []taskView `json:"tasks"`
		}
		s.do("GET", "/v2/apps/literal/tasks", nil, &out)
		if len(out.Tasks) > 0 {
			taskID = out.Tasks[0].ID
		}
		return taskID != "", fmt.Sprint(out)
	})
	if out := sandboxFile(t, c.WorkDir, taskID, "stdout"); out != "$HOME" {
		t.Fatalf("stdout %q, want the literal $HOME", out)
	}
}

// fetch puts the app's URIs into each task's sandbox before it starts.
func TestFetchIntoSandbox(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1})
	s := startServices(t, c, t.TempDir())
	src := filepath.Join(t.TempDir(), "config.txt")
	if err := os.WriteFile(src, []byte("fetched"), 0o644); err != nil {
		t.Fatal(err)
	}
	s.do("POST", "/v2/apps", fmt.Sprintf(`{"id":"/fetcher","cmd":"cp config.txt copy.txt; sleep 1000","cpus":0.1,"mem":16,
		"fetch":[{"uri":%q}]}`, src), nil)
	a := s.waitRunning("/fetcher", 1)
	if got := sandboxFile(t, c.WorkDir, a.Tasks[0].ID, "copy.txt"); got != "fetched" {
		t.Fatalf("copy.txt = %q", got)
	}
}

// Apps deployed together get distinct service ports.
func TestServicePortsDistinctWithinOneChange(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1})
	s := startServices(t, c, t.TempDir())
	code, _ := s.do("POST", "/v2/groups", `{"id":"/pair","apps":[
		{"id":"a","cmd":"sleep 1000","cpus":0.1,"mem":16,"instances":0},
		{"id":"b","cmd":"sleep 1000","cpus":0.1,"mem":16,"instances":0}]}`, nil)
	if code != 201 {
		t.Fatalf("POST /v2/groups: %d", code)
	}
	a, b := s.app("/pair/a"), s.app("/pair/b")
	if len(a.PortDefs) != 1 || len(b.PortDefs) != 1 || a.PortDefs[0].Port == b.PortDefs[0].Port || a.PortDefs[0].Port == 0 {
		t.Fatalf("service ports %v and %v", a.PortDefs, b.PortDefs)
	}
}

// PUT /v2/groups with ?dryRun=true shows the steps of a change without
// making it, leaving out apps it would not change; {"scaleBy": f} gives
// every app of the group ceil(instances × f) instances in one deployment.
func TestGroupDryRunAndScaleBy(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 2})
	s := startServices(t, c, t.TempDir())
	group := `{"id":"/g","apps":[
		{"id":"a","cmd":"sleep 1000","cpus":0.1,"mem":16,"instances":1},
		{"id":"b","cmd":"sleep 1000","cpus":0.1,"mem":16,"instances":2,"dependencies":["/g/a"]}]}`
	if code, _ := s.do("POST", "/v2/groups", group, nil); code != 201 {
		t.Fatalf("POST /v2/groups: %d", code)
	}
	s.waitRunning("/g/a", 1)
	before := s.waitRunning("/g/b", 2)

	changed := strings.Replace(group, `"id":"b","cmd":"sleep 1000"`, `"id":"b","cmd":"sleep 2000"`, 1)
	var plan struct {
		Steps []struct {
			Actions []struct{ Action, App string } `json:"actions"`
		} `json:"steps"`
	}
	code, header := s.do("PUT", "/v2/groups/g?dryRun=true", changed, &plan)
	if code != 200 || header.Get("Marathon-Deployment-Id") != "" {
		t.Fatalf("dry run: %d %v", code, header)
	}
	if len(plan.Steps) != 1 || len(plan.Steps[0].Actions) != 1 || plan.Steps[0].Actions[0].Action != "RestartApplication" || plan.Steps[0].Actions[0].App != "/g/b" {
		t.Fatalf("dry run steps: %+v", plan)
	}
	var deps []map[string]any
	s.do("GET", "/v2/deployments", nil, &deps)
	if b := s.app("/g/b"); len(deps) != 0 || b.Version != before.Version {
		t.Fatalf("the dry run changed something: deployments %v, /g/b version %s → %s", deps, before.Version, b.Version)
	}

	if code, header := s.do("PUT", "/v2/groups/g", `{"scaleBy":1.5}`, nil); code != 200 || header.Get("Marathon-Deployment-Id") == "" {
		t.Fatalf("scaleBy: %d %v", code, header)
	}
	s.waitRunning("/g/a", 2) // ceil(1 × 1.5)
	s.waitRunning("/g/b", 3) // ceil(2 × 1.5)
	if code, _ := s.do("PUT", "/v2/groups/nope", `{"scaleBy":2}`, nil); code != 404 {
		t.Fatalf("scaleBy of a missing group: %d", code)
	}
}

// A scaleBy that would overflow an app's instance count is refused and
// changes nothing.
func TestGroupScaleByTooLargeIsRefused(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1})
	s := startServices(t, c, t.TempDir())
	if code, _ := s.do("POST", "/v2/groups", `{"id":"/h","apps":[{"id":"a","cmd":"sleep 1000","cpus":0.1,"mem":16}]}`, nil); code != 201 {
		t.Fatalf("POST /v2/groups: %d", code)
	}
	before := s.waitRunning("/h/a", 1)
	for _, by := range []string{"1e300", "2000000"} {
		if code, _ := s.do("PUT", "/v2/groups/h", `{"scaleBy":`+by+`}`, nil); code != 422 {
			t.Fatalf("scaleBy %s: %d, want 422", by, code)
		}
	}
	if a := s.waitRunning("/h/a", 1); a.Version != before.Version {
		t.Fatalf("a refused scaleBy changed the app: version %s → %s", before.Version, a.Version)
	}
}
