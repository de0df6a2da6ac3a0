package services_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"agora/internal/testcluster"
	"agora/services"
)

// benchResources are each agent's resources in the scale benchmarks: room
// for 1,000 small instances on 3 agents.
const benchResources = "cpus:64;mem:262144;disk:100000;ports:[31000-32000]"

// BenchmarkScaleOneApp is Marathon's scale test shape: one app scaled from
// 0 to 1,000 instances; the time until all of them are TASK_RUNNING (real
// processes on 3 in-process agents). Report: seconds per 1,000.
func BenchmarkScaleOneApp(b *testing.B) {
	s := startBenchCluster(b)
	const n = 1000
	for i := 0; i < b.N; i++ {
		id := fmt.Sprintf("/scale%d", i)
		s.do("POST", "/v2/apps", fmt.Sprintf(`{"id":%q,"cmd":"sleep 3600","instances":0,"cpus":0.01,"mem":8,"portDefinitions":[]}`, id), nil)
		s.waitDeployments()
		start := time.Now()
		s.do("PUT", "/v2/apps"+id, fmt.Sprintf(`{"instances":%d}`, n), nil)
		s.waitAllRunning(n)
		b.ReportMetric(time.Since(start).Seconds(), "s/1000-instances")
		b.StopTimer()
		s.do("DELETE", "/v2/apps"+id, nil, nil)
		s.waitDeployments()
		b.StartTimer()
	}
}

// BenchmarkDeployManyApps is Marathon's other scale test shape: 1,000
// one-instance apps in one group, deployed at once; the time until all are
// TASK_RUNNING.
func BenchmarkDeployManyApps(b *testing.B) {
	s := startBenchCluster(b)
	const n = 1000
	for i := 0; i < b.N; i++ {
		var apps []string
		for j := 0; j < n; j++ {
			apps = append(apps, fmt.Sprintf(`{"id":"app%d","cmd":"sleep 3600","instances":1,"cpus":0.01,"mem":8,"portDefinitions":[]}`, j))
		}
		group := fmt.Sprintf(`{"id":"/many%d","apps":[%s]}`, i, strings.Join(apps, ","))
		start := time.Now()
		if code, _ := s.do("POST", "/v2/groups", group, nil); code != 201 {
			b.Fatalf("POST /v2/groups: %d", code)
		}
		s.waitAllRunning(n)
		b.ReportMetric(time.Since(start).Seconds(), "s/1000-apps")
		b.StopTimer()
		s.do("DELETE", fmt.Sprintf("/v2/groups/many%d", i), nil, nil)
		s.waitDeployments()
		b.StartTimer()
	}
}

// startBenchCluster starts the benchmarks' cluster (3 agents) and services
// on it, with their work directories under benchRoot.
func startBenchCluster(b *testing.B) *svc {
	b.Helper()
	dir := benchDir(b)
	c, err := testcluster.New(testcluster.Options{Agents: 3, AgentResources: benchResources}, dir+"/cluster")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Stop)
	if err := c.WaitAgents(3, 20*time.Second); err != nil {
		b.Fatal(err)
	}
	return startServices(b, c, dir+"/services", defaultTick)
}

// benchRoot holds the benchmarks' work directories until the test binary
// exits (TestMain removes it), instead of b.TempDir's removal at the end
// of each benchmark. The scale benchmarks leave some 7,000 files and
// directories behind; on an ext4 without a journal (this project's
// development VM) every file created in the next minute or so scans past
// the inodes just freed, which made the second benchmark measure the first
// one's clean-up. docs/benchmarks.md gives the figures both ways.
var benchRoot string

func benchDir(b *testing.B) string {
	dir, err := os.MkdirTemp(benchRoot, b.Name())
	if err != nil {
		b.Fatal(err)
	}
	return dir
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "agora-services-bench")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	benchRoot = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// defaultTick runs the engine with its production tick, not the tests' fast one.
func defaultTick(c *services.Config) { c.Tick = services.DefaultTick }

// waitAllRunning waits until services counts exactly n tasks over all
// apps, all running. It reads the apps' counts, not the task lists, so that
// polling costs little next to what is measured.
func (s *svc) waitAllRunning(n int) {
	s.t.Helper()
	waitEvery(s.t, fmt.Sprintf("%d running tasks", n), 200*time.Millisecond, func() (bool, string) {
		var out struct {
			Apps []appView `json:"apps"`
		}
		s.do("GET", "/v2/apps", nil, &out)
		running, staged := 0, 0
		for _, a := range out.Apps {
			running += a.TasksRunning
			staged += a.TasksStaged
		}
		return running == n && staged == 0, fmt.Sprintf("%d running, %d staged", running, staged)
	})
}

func (s *svc) waitDeployments() {
	s.t.Helper()
	waitFor(s.t, "no deployment", func() (bool, string) {
		var deps []map[string]any
		s.do("GET", "/v2/deployments", nil, &deps)
		return len(deps) == 0, fmt.Sprint(deps)
	})
}
