package services_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"agora/internal/testcluster"
	"agora/master"
	"agora/services"
)

// A restart of services in the middle of a deployment loses nothing: the
// same framework id, the same running instances (none launched twice), the
// deployment still in progress and finishable.
func TestRestartMidDeploymentKeepsEverything(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 3})
	dir := t.TempDir()
	s := startServices(t, c, dir)

	// 4 instances, one per host, on 3 hosts: the deployment cannot finish.
	s.do("POST", "/v2/apps", `{"id":"/db","cmd":"sleep 1000","instances":4,"cpus":0.1,"mem":16,
		"constraints":[["hostname","UNIQUE"]]}`, nil)
	var before appView
	waitFor(t, "3 of 4 instances running", func() (bool, string) {
		before = s.app("/db")
		return before.TasksRunning == 3, fmt.Sprintf("%+v", before)
	})
	var info struct {
		FrameworkID string `json:"frameworkId"`
	}
	s.do("GET", "/v2/info", nil, &info)
	if info.FrameworkID == "" {
		t.Fatal("no framework id in /v2/info")
	}
	s.stop()

	s2 := startServices(t, c, dir)
	var info2 struct {
		FrameworkID string `json:"frameworkId"`
	}
	waitFor(t, "the restarted services to subscribe with the same framework id", func() (bool, string) {
		s2.do("GET", "/v2/info", nil, &info2)
		return info2.FrameworkID == info.FrameworkID, info2.FrameworkID
	})
	var deps []map[string]any
	s2.do("GET", "/v2/deployments", nil, &deps)
	if len(deps) != 1 {
		t.Fatalf("deployments after the restart: %v", deps)
	}
	var after appView
	waitFor(t, "the 3 instances to be reconciled as running", func() (bool, string) {
		after = s2.app("/db")
		return after.TasksRunning == 3, fmt.Sprintf("%+v", after)
	})
	if len(after.Tasks) != 3 {
		t.Fatalf("tasks after the restart: %+v", after.Tasks)
	}
	ids := map[string]bool{}
	for _, tk := range before.Tasks {
		ids[tk.ID] = true
	}
	for _, tk := range after.Tasks {
		if !ids[tk.ID] {
			t.Fatalf("a new task %s after the restart; before: %v", tk.ID, before.Tasks)
		}
	}
	if code, _ := s2.do("PUT", "/v2/apps/db?force=true", `{"instances":3}`, nil); code != 200 {
		t.Fatalf("scale down: %d", code)
	}
	s2.waitRunning("/db", 3)
	assertMasterTasks(t, c, 3)
}

// assertMasterTasks checks the master runs exactly n tasks: services never
// launched one twice nor left one behind.
func assertMasterTasks(t *testing.T, c *testcluster.Cluster, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("the master to run %d tasks", n), func() (bool, string) {
		st, err := c.State()
		if err != nil {
			return false, err.Error()
		}
		running := 0
		for _, fw := range st["frameworks"].([]any) {
			for _, tk := range fw.(map[string]any)["tasks"].([]any) {
				if tk.(map[string]any)["state"] == "TASK_RUNNING" {
					running++
				}
			}
		}
		return running == n, fmt.Sprint(running)
	})
}

// An unreachable instance is replaced only after the app's
// unreachableStrategy delay; when its agent comes back, the surplus is
// killed and exactly the target count keeps running.
func TestUnreachableInstanceReplacedAfterDelayAndSurplusKilled(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{
		Agents: 3,
		Master: master.Config{AgentPingTimeout: 200 * time.Millisecond, MaxAgentPingTimeouts: 3},
	})
	s := startServices(t, c, t.TempDir())
	s.do("POST", "/v2/apps", `{"id":"/cache","cmd":"sleep 1000","instances":2,"cpus":0.1,"mem":16,
		"constraints":[["hostname","UNIQUE"]],
		"unreachableStrategy":{"inactiveAfterSeconds":2,"expungeAfterSeconds":600}}`, nil)
	a := s.waitRunning("/cache", 2)
	victim := a.Tasks[0]
	agent := -1
	for i := range c.Agents {
		if c.Agents[i].Config.Hostname == victim.Host {
			agent = i
		}
	}
	if agent < 0 {
		t.Fatalf("no agent named %s", victim.Host)
	}
	c.PartitionAgent(agent)
	waitFor(t, "the instance to be unreachable", func() (bool, string) {
		a = s.app("/cache")
		for _, tk := range a.Tasks {
			if tk.ID == victim.ID && tk.State == "TASK_UNREACHABLE" {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%+v", a.Tasks)
	})
	unreachableAt := time.Now()
	// Not replaced at once.
	if a = s.app("/cache"); len(a.Tasks) != 2 {
		t.Fatalf("replaced before the inactive delay: %+v", a.Tasks)
	}
	waitFor(t, "a replacement", func() (bool, string) {
		a = s.app("/cache")
		return len(a.Tasks) == 3 && a.TasksRunning == 2, fmt.Sprintf("%+v", a.Tasks)
	})
	if waited := time.Since(unreachableAt); waited < time.Second {
		t.Fatalf("replacement came %v after the instance went unreachable; inactiveAfterSeconds is 2", waited)
	}
	c.HealAgent(agent)
	waitFor(t, "exactly two instances after the agent returned", func() (bool, string) {
		a = s.app("/cache")
		return len(a.Tasks) == 2 && a.TasksRunning == 2, fmt.Sprintf("%+v", a.Tasks)
	})
	assertMasterTasks(t, c, 2)
}

// A deployment that cannot finish fails after its timeout with the reason,
// and with rollbackOnTimeout the app gets its previous definition back.
func TestDeploymentTimeoutRollsBack(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 2})
	s := startServices(t, c, t.TempDir())
	events := s.subscribe(t, "deployment_failed")
	s.do("POST", "/v2/apps", `{"id":"/api","cmd":"sleep 1000","instances":2,"cpus":0.1,"mem":16}`, nil)
	s.waitRunning("/api", 2)
	// Needs more memory than any agent has: never placed.
	code, _ := s.do("PUT", "/v2/apps/api", `{"mem":100000,"deploymentTimeoutSeconds":1,"rollbackOnTimeout":true}`, nil)
	if code != 200 {
		t.Fatalf("update: %d", code)
	}
	ev := events.next(t)
	if !strings.Contains(ev, "did not finish within") || !strings.Contains(ev, "mem") {
		t.Fatalf("deployment_failed without the reason: %s", ev)
	}
	waitFor(t, "the rollback", func() (bool, string) {
		var out struct {
			App struct {
				Mem          float64 `json:"mem"`
				TasksRunning int     `json:"tasksRunning"`
			} `json:"app"`
		}
		s.do("GET", "/v2/apps/api", nil, &out)
		var deps []map[string]any
		s.do("GET", "/v2/deployments", nil, &deps)
		return out.App.Mem == 16 && out.App.TasksRunning == 2 && len(deps) == 0, fmt.Sprintf("%+v %v", out, deps)
	})
}

// When services stays away longer than its failover timeout, the master
// removes the framework and kills its tasks; the restarted services
// registers a new framework and brings every app back, instead of stopping
// as Marathon did.
func TestFrameworkRemovedWhileAwayIsRegisteredAnew(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 2})
	dir := t.TempDir()
	short := func(cfg *services.Config) { cfg.FailoverTimeout = time.Second }
	s := startServices(t, c, dir, short)
	s.do("POST", "/v2/apps", `{"id":"/phoenix","cmd":"sleep 1000","instances":2,"cpus":0.1,"mem":16}`, nil)
	before := s.waitRunning("/phoenix", 2)
	var info struct {
		FrameworkID string `json:"frameworkId"`
	}
	s.do("GET", "/v2/info", nil, &info)
	s.stop()
	// The master kills the framework's tasks once the timeout passes.
	assertMasterTasks(t, c, 0)

	s2 := startServices(t, c, dir, short)
	after := s2.waitRunning("/phoenix", 2)
	var info2 struct {
		FrameworkID string `json:"frameworkId"`
	}
	s2.do("GET", "/v2/info", nil, &info2)
	if info2.FrameworkID == "" || info2.FrameworkID == info.FrameworkID {
		t.Fatalf("framework id %q after removal of %q", info2.FrameworkID, info.FrameworkID)
	}
	for _, tk := range after.Tasks {
		for _, old := range before.Tasks {
			if tk.ID == old.ID {
				t.Fatalf("task %s of the removed framework still listed", tk.ID)
			}
		}
	}
	assertMasterTasks(t, c, 2)
}

// Implicit reconciliation runs on its interval and, when nothing changed,
// puts nothing on the event stream.
func TestImplicitReconciliationIsQuiet(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1})
	s := startServices(t, c, t.TempDir(), func(cfg *services.Config) {
		cfg.ReconciliationInitialDelay, cfg.ReconciliationInterval = 100*time.Millisecond, 200*time.Millisecond
	})
	s.do("POST", "/v2/apps", `{"id":"/quiet","cmd":"sleep 1000","cpus":0.1,"mem":16,"portDefinitions":[]}`, nil)
	s.waitRunning("/quiet", 1)
	events := s.subscribe(t, "status_update_event")
	reconciles := func() float64 {
		resp, err := http.Get(c.MasterURL + "/metrics/snapshot")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]float64
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			t.Fatal(err)
		}
		return m["master/messages_reconcile_tasks"]
	}
	before := reconciles()
	waitFor(t, "three more reconciliations", func() (bool, string) {
		n := reconciles()
		return n >= before+3, fmt.Sprintf("%v reconciliations, %v before", n, before)
	})
	select {
	case ev := <-events.events:
		t.Errorf("a reconciliation that changed nothing put an event on the stream: %s", ev)
	default:
	}
}
