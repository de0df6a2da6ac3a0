package services_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"agora/internal/testcluster"
	"agora/services"
)

// GROUP_BY rack spreads 6 instances 2 per rack over the 3 racks of the
// cluster.
func TestGroupBySpreadsEvenly(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 3})
	s := startServices(t, c, t.TempDir())
	s.do("POST", "/v2/apps", `{"id":"/spread","cmd":"sleep 1000","instances":6,"cpus":0.1,"mem":16,
		"constraints":[["rack","GROUP_BY"]]}`, nil)
	a := s.waitRunning("/spread", 6)
	for host, n := range hosts(a) { // one agent per rack in the test cluster
		if n != 2 {
			t.Fatalf("%s runs %d instances: %v", host, n, hosts(a))
		}
	}
}

// A rolling restart never puts two live instances of a hostname:UNIQUE app
// on one host, even for a moment.
func TestUniqueHoldsDuringRollingRestart(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 3})
	s := startServices(t, c, t.TempDir())
	s.do("POST", "/v2/apps", `{"id":"/uniq","cmd":"sleep 1000","instances":2,"cpus":0.1,"mem":16,
		"constraints":[["hostname","UNIQUE"]],
		"upgradeStrategy":{"minimumHealthCapacity":0.5,"maximumOverCapacity":0.5}}`, nil)
	s.waitRunning("/uniq", 2)
	for round := 0; round < 3; round++ {
		var res struct {
			DeploymentID string `json:"deploymentId"`
		}
		if code, _ := s.do("POST", "/v2/apps/uniq/restart", nil, &res); code != 200 {
			t.Fatalf("restart: %d", code)
		}
		deadline := time.Now().Add(60 * time.Second)
		for {
			a := s.app("/uniq")
			live := map[string]int{}
			for _, tk := range a.Tasks {
				if tk.State != "TASK_KILLED" && tk.State != "TASK_FINISHED" {
					live[tk.Host]++
					if live[tk.Host] > 1 {
						t.Fatalf("two live instances on %s: %+v", tk.Host, a.Tasks)
					}
				}
			}
			var deps []map[string]any
			s.do("GET", "/v2/deployments", nil, &deps)
			if len(deps) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("restart %d did not finish: %v", round, deps)
			}
		}
		s.waitRunning("/uniq", 2)
	}
}

// A restart of a hostname:UNIQUE app on every agent with
// minimumHealthCapacity 1 cannot go on (Marathon's classic stuck
// deployment): /v2/queue says so and what would let it, and the app's
// deployment finishes once the strategy allows old instances to stop first.
func TestBlockedRestartSaysWhyAndWhatWouldUnblockIt(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 3})
	s := startServices(t, c, t.TempDir(), func(cfg *services.Config) { cfg.BlockedAfter = time.Second })
	s.do("POST", "/v2/apps", `{"id":"/uniq","cmd":"sleep 1000","instances":3,"cpus":0.1,"mem":16,
		"constraints":[["hostname","UNIQUE"]]}`, nil)
	before := s.waitRunning("/uniq", 3)
	if code, _ := s.do("POST", "/v2/apps/uniq/restart", nil, nil); code != 200 {
		t.Fatalf("restart: %d", code)
	}
	var blocked string
	waitFor(t, "the queue to say the restart is blocked", func() (bool, string) {
		var q struct {
			Queue []struct {
				App     struct{ ID string } `json:"app"`
				Blocked string              `json:"blocked"`
			} `json:"queue"`
		}
		s.do("GET", "/v2/queue", nil, &q)
		for _, item := range q.Queue {
			if item.App.ID == "/uniq" && item.Blocked != "" {
				blocked = item.Blocked
				return true, ""
			}
		}
		return false, fmt.Sprintf("%+v", q)
	})
	for _, want := range []string{"cannot go on", "3 instance(s) being replaced", "hostname:UNIQUE",
		"minimumHealthCapacity 1", "0.66 or less"} {
		if !strings.Contains(blocked, want) {
			t.Errorf("blocked = %q, want it to say %q", blocked, want)
		}
	}
	// What it says works: a strategy that lets one old instance stop first.
	if code, _ := s.do("PUT", "/v2/apps/uniq?force=true",
		`{"upgradeStrategy":{"minimumHealthCapacity":0.66,"maximumOverCapacity":0}}`, nil); code != 200 {
		t.Fatalf("PUT upgradeStrategy: %d", code)
	}
	after := s.waitRunning("/uniq", 3)
	old := map[string]bool{}
	for _, tk := range before.Tasks {
		old[tk.ID] = true
	}
	for _, tk := range after.Tasks {
		if old[tk.ID] {
			t.Errorf("task %s of the old version still runs: %+v", tk.ID, after.Tasks)
		}
	}
	var q struct {
		Queue []json.RawMessage `json:"queue"`
	}
	if s.do("GET", "/v2/queue", nil, &q); len(q.Queue) != 0 {
		t.Errorf("queue after the deployment: %s", q.Queue)
	}
}

// Killing a task with scale=true lowers the app's instances instead of
// replacing the task.
func TestKillTaskAndScale(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 2})
	s := startServices(t, c, t.TempDir())
	s.do("POST", "/v2/apps", `{"id":"/k","cmd":"sleep 1000","instances":3,"cpus":0.1,"mem":16}`, nil)
	a := s.waitRunning("/k", 3)
	victim := a.Tasks[0].ID
	if code, _ := s.do("DELETE", "/v2/apps/k/tasks/"+victim+"?scale=true", nil, nil); code != 200 {
		t.Fatalf("kill with scale: %d", code)
	}
	a = s.waitRunning("/k", 2)
	if a.Instances != 2 {
		t.Fatalf("instances %d after kill with scale", a.Instances)
	}
	for _, tk := range a.Tasks {
		if tk.ID == victim {
			t.Fatalf("killed task %s still listed", victim)
		}
	}
	// Without scale the task is replaced.
	victim = a.Tasks[0].ID
	if code, _ := s.do("DELETE", "/v2/apps/k/tasks/"+victim, nil, nil); code != 200 {
		t.Fatalf("kill: %d", code)
	}
	waitFor(t, "a replacement", func() (bool, string) {
		a = s.app("/k")
		for _, tk := range a.Tasks {
			if tk.ID == victim {
				return false, "victim still there"
			}
		}
		return len(a.Tasks) == 2 && a.TasksRunning == 2 && a.Instances == 2, fmt.Sprintf("%+v", a)
	})
}
