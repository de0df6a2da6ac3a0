package client_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"agora/services/app"
	"agora/services/client"
	"agora/services/marathon"
	"agora/services/marathon/marathontest"
)

func setup(t *testing.T) (*client.Client, *marathontest.Backend) {
	t.Helper()
	b := marathontest.New()
	srv := httptest.NewServer(marathon.NewHandler(b, marathon.Options{}))
	t.Cleanup(srv.Close)
	return client.New(srv.URL, nil), b
}

func TestDeployOneAppFromYAMLThenChangeIt(t *testing.T) {
	c, b := setup(t)
	ctx := context.Background()
	yaml := "id: /web\ncmd: python3 -m http.server $PORT0\ninstances: 2\nconstraints:\n  - [hostname, UNIQUE]\n"
	res, err := c.Deploy(ctx, "web.yaml", []byte(yaml), false)
	if err != nil {
		t.Fatal(err)
	}
	if res.DeploymentID == "" || res.Version == "" {
		t.Fatalf("result %+v", res)
	}
	got := b.StoredApp("/web")
	if got == nil || got.Instances != 2 || len(got.Constraints) != 1 || got.Constraints[0][1] != "UNIQUE" {
		t.Fatalf("stored %+v", got)
	}
	opts, _ := b.LastDeploy()
	if opts.Create || opts.Force {
		t.Errorf("deploy options %+v: a file deploy creates or replaces", opts)
	}
	// A second deploy without instances replaces the definition (back to 1).
	if _, err := c.Deploy(ctx, "web.json", []byte(`{"id":"/web","cmd":"sleep 1"}`), false); err != nil {
		t.Fatal(err)
	}
	if got := b.StoredApp("/web"); got.Instances != 1 || got.Cmd != "sleep 1" {
		t.Fatalf("after redeploy %+v", got)
	}

	a, err := c.App(ctx, "web")
	if err != nil || a.ID != "/web" || a.Mem != 128 {
		t.Fatalf("App: %+v %v", a, err)
	}
	apps, err := c.Apps(ctx)
	if err != nil || len(apps) != 1 || apps[0].ID != "/web" {
		t.Fatalf("Apps: %+v %v", apps, err)
	}
}

func TestDeployGroupAndList(t *testing.T) {
	c, b := setup(t)
	ctx := context.Background()
	group := `{"id":"/shop","apps":[{"id":"db","cmd":"sleep 1"},{"id":"api","cmd":"sleep 2","dependencies":["db"]}]}`
	if _, err := c.Deploy(ctx, "shop.json", []byte(group), false); err != nil {
		t.Fatal(err)
	}
	if g := b.LastGroup(); g == nil || g.ID != "/shop" || len(g.Apps) != 2 {
		t.Fatalf("group %+v", g)
	}
	if got := strings.Join(b.StoredIDs(), " "); got != "/shop/api /shop/db" {
		t.Fatalf("apps %s", got)
	}
	list := `[{"id":"/a","cmd":"x"},{"id":"/b","cmd":"y"}]`
	if _, err := c.Deploy(ctx, "list.json", []byte(list), false); err != nil {
		t.Fatal(err)
	}
	if _, apps := b.LastDeploy(); len(apps) != 2 {
		t.Fatalf("list deploy sent %d apps", len(apps))
	}
}

func TestDeployRejectsInvalidFilesLocally(t *testing.T) {
	c, b := setup(t)
	_, err := c.Deploy(context.Background(), "bad.json", []byte(`{"id":"/web","cmd":"x","cpus":-1}`), false)
	var ve *app.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "/cpus") {
		t.Fatalf("err %v", err)
	}
	if len(b.StoredIDs()) != 0 {
		t.Fatal("deployed")
	}
	if _, err := c.Deploy(context.Background(), "x.json", []byte(`{"id":`), false); err == nil {
		t.Fatal("malformed file accepted")
	}
}

func TestScaleRestartDeleteTasksAndErrors(t *testing.T) {
	c, b := setup(t)
	ctx := context.Background()
	b.AddApp(marathontest.App("/web"))
	b.SetTasks(marathon.Task{ID: "web.1", AppID: "/web", Host: "h1", State: "TASK_RUNNING", Ports: []int{31000}})

	if _, err := c.Scale(ctx, "/web", 4, false); err != nil {
		t.Fatal(err)
	}
	if b.StoredApp("/web").Instances != 4 || b.StoredApp("/web").Cmd != "sleep 1000" {
		t.Fatalf("after scale %+v", b.StoredApp("/web"))
	}
	b.Lock("/web", "dep-x")
	_, err := c.Restart(ctx, "web", false)
	var e *client.Error
	if !errors.Is(err, client.ErrLocked) || !errors.As(err, &e) || e.Deployments[0] != "dep-x" || e.StatusCode != 409 {
		t.Fatalf("locked restart: %v", err)
	}
	if _, err := c.Restart(ctx, "web", true); err != nil || !b.LastForce() {
		t.Fatalf("forced restart: %v", err)
	}
	tasks, err := c.Tasks(ctx, "web")
	if err != nil || len(tasks) != 1 || tasks[0].Host != "h1" || tasks[0].Ports[0] != 31000 {
		t.Fatalf("tasks %+v %v", tasks, err)
	}
	if _, err := c.Delete(ctx, "web"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.App(ctx, "web"); !errors.Is(err, client.ErrNotFound) || !strings.Contains(err.Error(), "App '/web' does not exist") {
		t.Fatalf("after delete: %v", err)
	}
	if _, err := c.Scale(ctx, "Bad_ID", 1, false); err == nil {
		t.Fatal("bad id accepted")
	}
	if _, err := c.Scale(ctx, "web", -1, false); err == nil {
		t.Fatal("negative instances accepted")
	}
}

func TestWaitForDeployment(t *testing.T) {
	c, b := setup(t)
	b.Hold(true)
	res, err := c.Deploy(context.Background(), "a.json", []byte(`{"id":"/a","cmd":"x"}`), false)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := c.Deployments(context.Background())
	if err != nil || len(ds) != 1 || ds[0].ID != res.DeploymentID || ds[0].AffectedApps[0] != "/a" {
		t.Fatalf("deployments %+v %v", ds, err)
	}
	// Still in progress: the wait ends with its context.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	err = c.WaitForDeployment(ctx, res.DeploymentID, 5*time.Millisecond)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("wait on a held deployment: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- c.WaitForDeployment(context.Background(), res.DeploymentID, 5*time.Millisecond) }()
	b.Finish(res.DeploymentID)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("wait did not return after the deployment finished")
	}
}

func TestQueueAndPing(t *testing.T) {
	c, b := setup(t)
	b.SetQueue(marathon.QueueItem{App: marathontest.App("/web"), Count: 3, ProcessedOffersSummary: marathon.OffersSummary{
		ProcessedOffersCount: 5, UnusedOffersCount: 5,
		RejectSummaryLastOffers: []marathon.DeclinedOfferStep{{Reason: "UnfulfilledConstraint", Declined: 5, Processed: 5}}},
		LastUnusedOffers: []marathon.UnusedOffer{{Offer: marathon.Offer{ID: "o1", Hostname: "h1"}, Reason: []string{"UnfulfilledConstraint"}}}})
	q, err := c.Queue(context.Background())
	if err != nil || len(q) != 1 || q[0].App.ID != "/web" || q[0].Count != 3 ||
		q[0].ProcessedOffersSummary.RejectSummaryLastOffers[0].Declined != 5 || q[0].LastUnusedOffers[0].Offer.Hostname != "h1" {
		t.Fatalf("queue %+v %v", q, err)
	}
	if err := c.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := client.New("http://127.0.0.1:1", nil).Ping(context.Background()); err == nil {
		t.Fatal("ping of nothing succeeded")
	}
}
