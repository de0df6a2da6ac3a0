package services_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"agora/internal/testcluster"
	"agora/services"
	"agora/services/marathon"
)

// svc is a services scheduler under test: the engine on a cluster, its REST
// API on a loopback HTTP server.
type svc struct {
	t      testing.TB
	URL    string
	engine *services.Engine
	stop   func()
}

func startServices(t testing.TB, c *testcluster.Cluster, workDir string, opts ...func(*services.Config)) *svc {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	if os.Getenv("AGORA_TEST_LOG") == "1" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	cfg := services.Config{
		Master:        c.MasterURL,
		WorkDir:       workDir,
		Logger:        log,
		Tick:          100 * time.Millisecond,
		DeclineRefuse: time.Second,
	}
	for _, o := range opts {
		o(&cfg)
	}
	e, err := services.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(marathon.NewHandler(e, marathon.Options{Events: e.Events(), Logger: log}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	s := &svc{t: t, URL: srv.URL, engine: e}
	var stopped bool
	s.stop = func() {
		if stopped {
			return
		}
		stopped = true
		srv.CloseClientConnections()
		srv.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("engine Run: %v", err)
		}
	}
	t.Cleanup(s.stop)
	return s
}

// do sends a request and decodes a JSON answer into out (when not nil).
func (s *svc) do(method, path string, body any, out any) (int, http.Header) {
	s.t.Helper()
	var r io.Reader
	if body != nil {
		switch b := body.(type) {
		case string:
			r = strings.NewReader(b)
		default:
			data, _ := json.Marshal(b)
			r = bytes.NewReader(data)
		}
	}
	req, _ := http.NewRequest(method, s.URL+path, r)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			s.t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, data, err)
		}
	}
	return resp.StatusCode, resp.Header
}

type appView struct {
	ID           string     `json:"id"`
	Instances    int        `json:"instances"`
	Version      string     `json:"version"`
	TasksRunning int        `json:"tasksRunning"`
	TasksStaged  int        `json:"tasksStaged"`
	TasksHealthy int        `json:"tasksHealthy"`
	Deployments  []struct{} `json:"deployments"`
	Tasks        []taskView `json:"tasks"`
	PortDefs     []struct {
		Port int `json:"port"`
	} `json:"portDefinitions"`
}

type taskView struct {
	ID      string `json:"id"`
	Host    string `json:"host"`
	State   string `json:"state"`
	Ports   []int  `json:"ports"`
	Version string `json:"version"`
}

func (s *svc) app(id string) appView {
	s.t.Helper()
	var out struct {
		App appView `json:"app"`
	}
	if code, _ := s.do("GET", "/v2/apps"+id+"?embed=apps.tasks", nil, &out); code != 200 {
		s.t.Fatalf("GET app %s: %d", id, code)
	}
	return out.App
}

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t testing.TB, what string, cond func() (bool, string)) {
	t.Helper()
	waitEvery(t, what, 50*time.Millisecond, cond)
}

// waitEvery is waitFor polling every interval.
func waitEvery(t testing.TB, what string, interval time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	last := ""
	for time.Now().Before(deadline) {
		ok, msg := cond()
		if ok {
			return
		}
		last = msg
		time.Sleep(interval)
	}
	t.Fatalf("timed out waiting for %s; last: %s", what, last)
}

// waitRunning waits until app id has n running tasks of its current
// version and no deployment.
func (s *svc) waitRunning(id string, n int) appView {
	s.t.Helper()
	var a appView
	waitFor(s.t, fmt.Sprintf("%s to run %d tasks", id, n), func() (bool, string) {
		a = s.app(id)
		running := 0
		for _, t := range a.Tasks {
			if t.State == "TASK_RUNNING" {
				running++
			}
		}
		var deps []map[string]any
		s.do("GET", "/v2/deployments", nil, &deps)
		return running == n && len(a.Tasks) == n && len(deps) == 0, fmt.Sprintf("%+v deployments %v", a, deps)
	})
	return a
}

func hosts(a appView) map[string]int {
	out := make(map[string]int)
	for _, t := range a.Tasks {
		out[t.Host]++
	}
	return out
}

func sandboxFile(t *testing.T, root, taskID, name string) string {
	t.Helper()
	var found string
	waitFor(t, "the sandbox file "+name+" of "+taskID, func() (bool, string) {
		matches, _ := filepath.Glob(filepath.Join(root, "*", "slaves", "*", "frameworks", "*", "executors", taskID, "runs", "latest", name))
		if len(matches) == 0 {
			matches, _ = filepath.Glob(filepath.Join(root, "*", "*", "slaves", "*", "frameworks", "*", "executors", taskID, "runs", "*", name))
		}
		for _, m := range matches {
			if data, err := os.ReadFile(m); err == nil && len(data) > 0 {
				found = string(data)
				return true, ""
			}
		}
		return false, fmt.Sprint(matches)
	})
	return found
}

func TestAppDeployScaleRestartDelete(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 3})
	s := startServices(t, c, t.TempDir())

	body := `{"id":"web","cmd":"env > env.txt; sleep 1000","instances":3,"cpus":0.1,"mem":16,
		"constraints":[["hostname","UNIQUE"]],"ports":null,"dependencies":null,
		"portDefinitions":[{"port":0,"name":"http"}]}`
	code, hdr := s.do("POST", "/v2/apps", body, nil)
	if code != 201 || hdr.Get("Marathon-Deployment-Id") == "" {
		t.Fatalf("POST /v2/apps = %d, deployment id %q", code, hdr.Get("Marathon-Deployment-Id"))
	}
	a := s.waitRunning("/web", 3)
	if h := hosts(a); len(h) != 3 {
		t.Fatalf("UNIQUE hostname: tasks on %v", h)
	}
	env := sandboxFile(t, c.WorkDir, a.Tasks[0].ID, "env.txt")
	for _, want := range []string{"MARATHON_APP_ID=/web", "MESOS_TASK_ID=" + a.Tasks[0].ID,
		fmt.Sprintf("PORT0=%d", a.Tasks[0].Ports[0]), fmt.Sprintf("PORT_HTTP=%d", a.Tasks[0].Ports[0]),
		"AGORA_INSTANCE_INDEX=", "HOST=agent", "MARATHON_APP_VERSION=" + a.Version} {
		if !strings.Contains(env, want) {
			t.Errorf("task environment lacks %q:\n%s", want, env)
		}
	}
	if len(a.PortDefs) != 1 || a.PortDefs[0].Port < 10000 || a.PortDefs[0].Port > 20000 {
		t.Errorf("service port not assigned: %+v", a.PortDefs)
	}

	// A fourth instance cannot be placed: /v2/queue says why.
	if code, _ := s.do("PUT", "/v2/apps/web", `{"instances":4}`, nil); code != 200 {
		t.Fatalf("scale: %d", code)
	}
	waitFor(t, "the queue to name hostname:UNIQUE", func() (bool, string) {
		var q struct {
			Queue []struct {
				Count   int `json:"count"`
				Summary struct {
					Reasons []struct {
						Reason   string `json:"reason"`
						Declined int    `json:"declined"`
					} `json:"rejectSummaryLastOffers"`
				} `json:"processedOffersSummary"`
			} `json:"queue"`
		}
		s.do("GET", "/v2/queue", nil, &q)
		if len(q.Queue) != 1 || q.Queue[0].Count != 1 {
			return false, fmt.Sprintf("%+v", q)
		}
		for _, r := range q.Queue[0].Summary.Reasons {
			if strings.Contains(r.Reason, "UNIQUE") && r.Declined > 0 {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%+v", q)
	})
	// Force past the scaling deployment that cannot finish, back to 3.
	if code, _ := s.do("PUT", "/v2/apps/web?force=true", `{"instances":3}`, nil); code != 200 {
		t.Fatalf("scale back with force: %d", code)
	}
	s.waitRunning("/web", 3)

	// A changed command replaces every instance, new version on all.
	before := s.app("/web")
	if code, _ := s.do("PUT", "/v2/apps/web", `{"cmd":"sleep 2000","constraints":[]}`, nil); code != 200 {
		t.Fatalf("update: %d", code)
	}
	after := s.waitRunning("/web", 3)
	if after.Version == before.Version {
		t.Fatal("version unchanged after a config change")
	}
	old := make(map[string]bool)
	for _, tk := range before.Tasks {
		old[tk.ID] = true
	}
	for _, tk := range after.Tasks {
		if old[tk.ID] || tk.Version != after.Version {
			t.Fatalf("task %s survived the restart or runs %s, not %s", tk.ID, tk.Version, after.Version)
		}
	}

	if code, _ := s.do("DELETE", "/v2/apps/web", nil, nil); code != 200 {
		t.Fatalf("DELETE: %d", code)
	}
	waitFor(t, "the app to be gone", func() (bool, string) {
		code, _ := s.do("GET", "/v2/apps/web", nil, nil)
		var tasks struct {
			Tasks []taskView `json:"tasks"`
		}
		s.do("GET", "/v2/tasks", nil, &tasks)
		return code == 404 && len(tasks.Tasks) == 0, fmt.Sprintf("GET %d, tasks %v", code, tasks.Tasks)
	})
}

// eventStream reads /v2/events.
type eventStream struct {
	events chan string
}

// subscribe opens /v2/events for the given types and returns their data
// lines.
func (s *svc) subscribe(t *testing.T, types ...string) *eventStream {
	t.Helper()
	q := ""
	for i, ty := range types {
		if i == 0 {
			q += "?"
		} else {
			q += "&"
		}
		q += "event_type=" + ty
	}
	req, _ := http.NewRequest("GET", s.URL+"/v2/events"+q, nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /v2/events: %v %v", resp, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	es := &eventStream{events: make(chan string, 100)}
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				es.events <- data
			}
		}
		close(es.events)
	}()
	return es
}

func (es *eventStream) next(t *testing.T) string {
	t.Helper()
	select {
	case ev, ok := <-es.events:
		if !ok {
			t.Fatal("event stream ended")
		}
		return ev
	case <-time.After(60 * time.Second):
		t.Fatal("no event within 60s")
	}
	return ""
}
