package interop

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	marathon "github.com/gambol99/go-marathon"
)

// marathonTimeout bounds each wait on a deployment; agora finishes these
// in well under a second on an idle machine.
const marathonTimeout = 2 * time.Minute

// TestGoMarathonClient drives agora's services scheduler with the
// unmodified go-marathon client (v0.7.1), as a Marathon user's tooling
// would: create an app with a hostname:UNIQUE constraint and 3 instances,
// wait for it with the client's own helpers, scale, restart, receive the
// event stream over server-sent events, and delete it.
func TestGoMarathonClient(t *testing.T) {
	if testing.Short() {
		t.Skip("builds agora and runs agora dev")
	}
	if runtime.GOOS != "linux" {
		t.Skip("agora's agents run tasks as Linux processes")
	}
	root := t.TempDir()
	agora := filepath.Join(root, "agora")
	goBuild(t, "..", "-o", agora, "./cmd/agora")
	// The app's tasks bind their port: the agents of agora dev share this
	// host, so two of them offering the same port would fail one task.
	listen := filepath.Join(root, "listen")
	goBuild(t, ".", "-o", listen, "./testdata/listen")
	dev := startDev(t, agora, root)
	defer dev.stop(t)

	cfg := marathon.NewDefaultConfig()
	cfg.URL = dev.servicesURL
	cfg.EventsTransport = marathon.EventsTransportSSE
	cfg.PollingWaitTime = 100 * time.Millisecond
	cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	client, err := marathon.NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	events, err := client.AddEventsListener(marathon.EventIDDeploymentSuccess | marathon.EventIDStatusUpdate)
	if err != nil {
		t.Fatalf("AddEventsListener: %v", err)
	}
	defer client.RemoveEventsListener(events)

	const id = "/interop/web"
	app := new(marathon.Application).Name(id)
	app.Command(listen).Count(3).CPU(0.1).Memory(32)
	app.AddConstraint("hostname", "UNIQUE")
	created, err := client.CreateApplication(app)
	if err != nil {
		t.Fatalf("CreateApplication: %v", err)
	}
	if created.ID != id {
		t.Fatalf("created app id %q", created.ID)
	}
	if err := client.WaitOnApplication(id, marathonTimeout); err != nil {
		got, _ := client.Application(id)
		var failure any
		if got != nil {
			failure = got.LastTaskFailure
		}
		t.Fatalf("WaitOnApplication: %v; last task failure %+v\n%s", err, failure, dev.logTail(30))
	}
	tasks, err := client.Tasks(id)
	if err != nil {
		t.Fatalf("Tasks: %v", err)
	}
	hosts := map[string]bool{}
	for _, task := range tasks.Tasks {
		hosts[task.Host] = true
	}
	if len(tasks.Tasks) != 3 || len(hosts) != 3 {
		t.Fatalf("3 instances on 3 hosts expected (hostname:UNIQUE), got %d on %v", len(tasks.Tasks), hosts)
	}
	for _, task := range tasks.Tasks {
		if len(task.Ports) != 1 {
			t.Fatalf("task %s has ports %v, want one", task.ID, task.Ports)
		}
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", task.Ports[0]))
		if err != nil {
			t.Fatalf("task %s on port %d: %v", task.ID, task.Ports[0], err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != task.ID {
			t.Fatalf("port %d is served by %q, not by task %s", task.Ports[0], body, task.ID)
		}
	}

	waitDeployment := func(what string, d *marathon.DeploymentID, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if d == nil || d.DeploymentID == "" {
			t.Fatalf("%s: no deployment id", what)
		}
		if err := client.WaitOnDeployment(d.DeploymentID, marathonTimeout); err != nil {
			t.Fatalf("%s: WaitOnDeployment: %v", what, err)
		}
	}
	d, err := client.ScaleApplicationInstances(id, 2, false)
	waitDeployment("ScaleApplicationInstances", d, err)
	if got, err := client.Application(id); err != nil || got.Instances == nil || *got.Instances != 2 || got.TasksRunning != 2 {
		t.Fatalf("after scaling to 2: %+v %v", got, err)
	}

	before, err := client.Tasks(id)
	if err != nil {
		t.Fatal(err)
	}
	d, err = client.RestartApplication(id, false)
	waitDeployment("RestartApplication", d, err)
	if err := client.WaitOnApplication(id, marathonTimeout); err != nil {
		t.Fatalf("WaitOnApplication after restart: %v", err)
	}
	after, err := client.Tasks(id)
	if err != nil {
		t.Fatal(err)
	}
	old := map[string]bool{}
	for _, task := range before.Tasks {
		old[task.ID] = true
	}
	for _, task := range after.Tasks {
		if old[task.ID] {
			t.Fatalf("task %s survived the restart", task.ID)
		}
	}

	// The event stream carried the deployments and the status updates.
	var sawDeployment, sawRunning bool
	deadline := time.After(marathonTimeout)
	for !sawDeployment || !sawRunning {
		select {
		case ev := <-events:
			switch e := ev.Event.(type) {
			case *marathon.EventDeploymentSuccess:
				sawDeployment = true
			case *marathon.EventStatusUpdate:
				if e.AppID == id && e.TaskStatus == "TASK_RUNNING" {
					sawRunning = true
				}
			}
		case <-deadline:
			t.Fatalf("events: deployment_success %v, TASK_RUNNING status_update %v", sawDeployment, sawRunning)
		}
	}

	d, err = client.DeleteApplication(id, false)
	waitDeployment("DeleteApplication", d, err)
	if _, err := client.Application(id); err == nil {
		t.Fatal("the app still exists after DeleteApplication")
	} else if apiErr, ok := err.(*marathon.APIError); !ok || apiErr.ErrCode != marathon.ErrCodeNotFound {
		t.Fatalf("Application after delete: %v, want a not-found APIError", err)
	}
}
