package services_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"agora/internal/testcluster"
	"agora/master"
	"agora/services"
)

// TestRandomOperationsConverge drives services through random app changes
// (create, scale, restart, delete, all forced over deployments in
// progress), agents stopped and restarted (with their tasks, or keeping
// them for the restarted agent to recover), agents cut off from the master
// and healed, master failovers, and restarts of the services scheduler
// itself. Once every
// agent is back, every app must run exactly its instances (each on its own
// host when it is hostname:UNIQUE), no other task may be left, and no
// deployment may be left waiting. AGORA_CHAOS_SEED (a number, or "random")
// and AGORA_CHAOS_STEPS replay, explore or lengthen a run; the seed is
// logged.
func TestRandomOperationsConverge(t *testing.T) {
	// A fixed seed by default, so that CI runs the same operations every
	// time; AGORA_CHAOS_SEED=random explores.
	seed := uint64(10) // 24 steps of it do every kind of operation (stopped agents start at the end)
	switch v := os.Getenv("AGORA_CHAOS_SEED"); v {
	case "":
	case "random":
		seed = uint64(time.Now().UnixNano())
	default:
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	steps := 24
	if v := os.Getenv("AGORA_CHAOS_STEPS"); v != "" {
		steps, _ = strconv.Atoi(v)
	}
	t.Logf("seed %d, %d steps (AGORA_CHAOS_SEED=%d replays this run)", seed, steps, seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	start := time.Now()
	logStep := func(step int, format string, args ...any) {
		t.Logf("%6s step %d: %s", time.Since(start).Round(time.Millisecond), step, fmt.Sprintf(format, args...))
	}

	const agents = 3
	c := testcluster.Start(t, testcluster.Options{Agents: agents, Master: master.Config{WorkDir: t.TempDir()}})
	dir := t.TempDir()
	// Tasks services gave up on while their agent was away are found by
	// implicit reconciliation once the agent is back (a failed-over master
	// forgot their kills): soon, here.
	fastReconciliation := func(cfg *services.Config) {
		cfg.ReconciliationInitialDelay, cfg.ReconciliationInterval = 500*time.Millisecond, time.Second
	}
	s := startServices(t, c, dir, fastReconciliation)

	type spec struct {
		instances int
		unique    bool
		checked   bool // has a health check
	}
	apps := map[string]*spec{}
	var ids []string // apps in creation order, for picking
	stopped := map[int]bool{}
	partitioned := map[int]bool{}
	pick := func() string {
		if len(ids) == 0 {
			return ""
		}
		return ids[rng.IntN(len(ids))]
	}
	for step := range steps {
		switch op := rng.IntN(10); op {
		case 0, 1: // create
			id := fmt.Sprintf("/chaos/app%d", step)
			sp := &spec{instances: rng.IntN(3), unique: rng.IntN(2) == 0, checked: rng.IntN(3) == 0}
			constraints, checks := `[]`, `[]`
			if sp.unique {
				constraints = `[["hostname","UNIQUE"]]`
			}
			if sp.checked {
				checks = `[{"protocol":"COMMAND","command":{"value":"true"},"intervalSeconds":1,"delaySeconds":0,"gracePeriodSeconds":10}]`
			}
			body := fmt.Sprintf(`{"id":%q,"cmd":"sleep 1000","instances":%d,"cpus":0.1,"mem":16,"portDefinitions":[],
				"constraints":%s,"healthChecks":%s,"upgradeStrategy":{"minimumHealthCapacity":0.5,"maximumOverCapacity":0.5}}`,
				id, sp.instances, constraints, checks)
			if code, _ := s.do("POST", "/v2/apps", body, nil); code != 201 {
				t.Fatalf("step %d: create %s: %d", step, id, code)
			}
			apps[id] = sp
			ids = append(ids, id)
			logStep(step, "create %s %+v", id, *sp)
		case 2: // scale
			id := pick()
			if id == "" {
				continue
			}
			n := rng.IntN(4)
			if apps[id].unique {
				n = min(n, agents)
			}
			if code, _ := s.do("PUT", "/v2/apps"+id+"?force=true", fmt.Sprintf(`{"instances":%d}`, n), nil); code != 200 {
				t.Fatalf("step %d: scale %s: %d", step, id, code)
			}
			apps[id].instances = n
			logStep(step, "scale %s to %d", id, n)
		case 3: // restart
			id := pick()
			if id == "" {
				continue
			}
			if code, _ := s.do("POST", "/v2/apps"+id+"/restart?force=true", nil, nil); code != 200 {
				t.Fatalf("step %d: restart %s: %d", step, id, code)
			}
			logStep(step, "restart %s", id)
		case 4: // delete
			id := pick()
			if id == "" {
				continue
			}
			if code, _ := s.do("DELETE", "/v2/apps"+id+"?force=true", nil, nil); code != 200 {
				t.Fatalf("step %d: delete %s: %d", step, id, code)
			}
			delete(apps, id)
			for i, x := range ids {
				if x == id {
					ids = append(ids[:i], ids[i+1:]...)
					break
				}
			}
			logStep(step, "delete %s", id)
		case 5: // stop or start an agent
			i := rng.IntN(agents)
			switch {
			case partitioned[i]:
				continue
			case stopped[i]:
				if _, err := c.StartAgent(i); err != nil {
					t.Fatalf("step %d: start agent %d: %v", step, i, err)
				}
				delete(stopped, i)
				logStep(step, "start agent %d", i)
			default:
				if err := c.StopAgent(i); err != nil {
					t.Fatalf("step %d: stop agent %d: %v", step, i, err)
				}
				stopped[i] = true
				logStep(step, "stop agent %d", i)
			}
		case 6: // cut an agent off, or heal it
			i := rng.IntN(agents)
			switch {
			case stopped[i]:
				continue
			case partitioned[i]:
				c.HealAgent(i)
				delete(partitioned, i)
				logStep(step, "heal agent %d", i)
			default:
				c.PartitionAgent(i)
				partitioned[i] = true
				logStep(step, "partition agent %d", i)
			}
		case 7: // restart the services scheduler
			s.stop()
			s = startServices(t, c, dir, fastReconciliation)
			logStep(step, "restart services")
		case 8: // fail the master over (its registry on disk)
			if err := c.RestartMaster(); err != nil {
				t.Fatalf("step %d: restart the master: %v", step, err)
			}
			logStep(step, "restart the master")
		case 9: // restart an agent, its tasks running on (agora agent's SIGTERM)
			i := rng.IntN(agents)
			if stopped[i] || partitioned[i] {
				continue
			}
			if err := c.RestartAgent(i); err != nil {
				t.Fatalf("step %d: restart agent %d: %v", step, i, err)
			}
			logStep(step, "restart agent %d keeping its tasks", i)
		}
		time.Sleep(time.Duration(rng.IntN(400)) * time.Millisecond)
	}
	for i := range agents {
		if stopped[i] {
			if _, err := c.StartAgent(i); err != nil {
				t.Fatal(err)
			}
		}
		if partitioned[i] {
			c.HealAgent(i)
		}
	}
	if err := c.WaitAgents(agents, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	t.Logf("%6s every agent is back", time.Since(start).Round(time.Millisecond))

	healed := time.Now()
	defer func() { t.Logf("converged %v after every agent was back", time.Since(healed).Round(time.Millisecond)) }()
	waitEvery(t, "every app to run exactly its instances", 200*time.Millisecond, func() (bool, string) {
		var deps []map[string]any
		s.do("GET", "/v2/deployments", nil, &deps)
		if len(deps) > 0 {
			var list struct {
				Apps []appView `json:"apps"`
			}
			s.do("GET", "/v2/apps?embed=apps.tasks", nil, &list)
			var queue map[string]any
			s.do("GET", "/v2/queue", nil, &queue)
			return false, fmt.Sprintf("deployments left: %v; apps %+v; queue %v", deps, list.Apps, queue)
		}
		var list struct {
			Apps []appView `json:"apps"`
		}
		s.do("GET", "/v2/apps?embed=apps.tasks", nil, &list)
		if len(list.Apps) != len(apps) {
			return false, fmt.Sprintf("%d apps, want %d: %+v", len(list.Apps), len(apps), list.Apps)
		}
		for _, a := range list.Apps {
			sp := apps[a.ID]
			if sp == nil {
				return false, "unexpected app " + a.ID
			}
			running := 0
			for _, tk := range a.Tasks {
				if tk.State == "TASK_RUNNING" {
					running++
				}
			}
			if running != sp.instances || len(a.Tasks) != sp.instances {
				return false, fmt.Sprintf("%s: %d running of %d tasks, want %d: %+v", a.ID, running, len(a.Tasks), sp.instances, a.Tasks)
			}
			if sp.checked && a.TasksHealthy != sp.instances {
				return false, fmt.Sprintf("%s: %d of %d tasks healthy", a.ID, a.TasksHealthy, sp.instances)
			}
			if sp.unique {
				for host, n := range hosts(a) {
					if n > 1 {
						return false, fmt.Sprintf("%s: %d instances on %s", a.ID, n, host)
					}
				}
			}
		}
		return true, ""
	})
	// Nothing else runs: the master knows exactly the apps' tasks.
	var want int
	for _, sp := range apps {
		want += sp.instances
	}
	waitFor(t, "the master to hold only the apps' tasks", func() (bool, string) {
		n, err := runningTasksAtMaster(c)
		return err == nil && n == want, fmt.Sprintf("%d running tasks at the master, want %d (%v)", n, want, err)
	})
}

// runningTasksAtMaster counts the services framework's tasks the master
// has as TASK_RUNNING.
func runningTasksAtMaster(c *testcluster.Cluster) (int, error) {
	resp, err := http.Get(c.MasterURL + "/master/state")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var state struct {
		Frameworks []struct {
			Name  string `json:"name"`
			Tasks []struct {
				State string `json:"state"`
			} `json:"tasks"`
		} `json:"frameworks"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&state); err != nil {
		return 0, err
	}
	n := 0
	for _, fw := range state.Frameworks {
		if fw.Name != "marathon" {
			continue
		}
		for _, tk := range fw.Tasks {
			if tk.State == "TASK_RUNNING" {
				n++
			}
		}
	}
	return n, nil
}
