package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"agora/services/marathon"
	"agora/services/marathon/marathontest"
)

func appServer(t *testing.T) (*marathontest.Backend, string) {
	t.Helper()
	b := marathontest.New()
	srv := httptest.NewServer(marathon.NewHandler(b, marathon.Options{}))
	t.Cleanup(srv.Close)
	return b, "--services=" + srv.URL
}

func runAppCmd(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := runApp(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestAppDeployListShowScaleRemove(t *testing.T) {
	b, services := appServer(t)
	file := filepath.Join(t.TempDir(), "web.yaml")
	os.WriteFile(file, []byte("id: /web\ncmd: sleep 600\ninstances: 2\nrole: web\nconstraints: [[hostname, UNIQUE]]\n"), 0o644)

	code, out, errOut := runAppCmd("deploy", file, services)
	if code != 0 || !strings.Contains(out, "deployment dep-") || !strings.Contains(out, "deployed "+file) {
		t.Fatalf("deploy: %d %q %q", code, out, errOut)
	}
	if a := b.StoredApp("/web"); a == nil || a.Instances != 2 {
		t.Fatalf("stored %+v", a)
	}
	b.SetTasks(marathon.Task{ID: "web.1", AppID: "/web", Host: "h1", State: "TASK_RUNNING", Ports: []int{31005}, StartedAt: "2026-01-01T00:00:00.000Z"})

	code, out, _ = runAppCmd(services, "list")
	if code != 0 || !strings.Contains(out, "ID") || !regexpLine(out, `^/web\s+2\s+1\s+0\s+0\s+1\s+128\s+-$`) {
		t.Fatalf("list: %d\n%s", code, out)
	}
	code, out, _ = runAppCmd("show", "/web", services)
	if code != 0 || !strings.Contains(out, "instances:   2 (running 1") || !strings.Contains(out, "constraints: hostname:UNIQUE") || !strings.Contains(out, "role:        web\n") || !regexpLine(out, `^web\.1\s+TASK_RUNNING\s+h1\s+31005\s+-\s+2026`) {
		t.Fatalf("show: %d\n%s", code, out)
	}
	code, out, _ = runAppCmd("tasks", "web", services, "--json")
	if code != 0 || !strings.Contains(out, `"host": "h1"`) {
		t.Fatalf("tasks --json: %d\n%s", code, out)
	}
	if code, out, errOut = runAppCmd("scale", "/web", "5", services); code != 0 || b.StoredApp("/web").Instances != 5 || !strings.Contains(out, "scaled /web to 5") {
		t.Fatalf("scale: %d %q %q", code, out, errOut)
	}
	b.Lock("/web", "dep-busy")
	code, _, errOut = runAppCmd("restart", "/web", services)
	if code != 1 || !strings.Contains(errOut, "409") || !strings.Contains(errOut, "dep-busy") || !strings.Contains(errOut, "--force") {
		t.Fatalf("locked restart: %d %q", code, errOut)
	}
	if code, _, errOut = runAppCmd("restart", "/web", "--force", services); code != 0 {
		t.Fatalf("forced restart: %d %q", code, errOut)
	}
	if code, _, errOut = runAppCmd("remove", "/web", services); code != 0 || b.StoredApp("/web") != nil {
		t.Fatalf("remove: %d %q", code, errOut)
	}
	code, _, errOut = runAppCmd("show", "/web", services)
	if code != 1 || !strings.Contains(errOut, "App '/web' does not exist") {
		t.Fatalf("show missing: %d %q", code, errOut)
	}
}

func TestAppWhy(t *testing.T) {
	b, services := appServer(t)
	b.AddApp(marathontest.App("/web"))
	code, out, _ := runAppCmd("why", "/web", services)
	if code != 0 || !strings.Contains(out, "/web is not waiting for offers: 0 of 1 instances running") {
		t.Fatalf("why, not queued: %d\n%s", code, out)
	}
	b.SetQueue(marathon.QueueItem{App: marathontest.App("/web"), Count: 1, Role: "*", Since: "2026-01-01T00:00:00.000Z", Delay: marathon.Delay{Overdue: true},
		ProcessedOffersSummary: marathon.OffersSummary{ProcessedOffersCount: 3, UnusedOffersCount: 3, RejectSummaryLastOffers: []marathon.DeclinedOfferStep{
			{Reason: "InsufficientMemory", Declined: 1, Processed: 1}, {Reason: "UnfulfilledConstraint hostname:UNIQUE", Declined: 2, Processed: 3}, {Reason: "InsufficientCpus", Declined: 0, Processed: 1}}},
		LastUnusedOffers: []marathon.UnusedOffer{{Offer: marathon.Offer{ID: "o-1", Hostname: "agent-1"}, Reason: []string{"UnfulfilledConstraint hostname:UNIQUE"}}}})
	code, out, _ = runAppCmd("why", "web", services)
	if code != 0 || !strings.Contains(out, "waiting to launch 1 instance(s)") || !strings.Contains(out, "Offers considered: 3, unused: 3.") ||
		!regexpLine(out, `^UnfulfilledConstraint hostname:UNIQUE\s+2\s+3$`) || !regexpLine(out, `^agent-1\s+o-1\s+UnfulfilledConstraint hostname:UNIQUE$`) ||
		strings.Contains(out, "InsufficientCpus") {
		t.Fatalf("why: %d\n%s", code, out)
	}
	if i, j := strings.Index(out, "UnfulfilledConstraint"), strings.Index(out, "InsufficientMemory"); i > j {
		t.Errorf("reasons not by declined count:\n%s", out)
	}
}

// A wait for a deployment that takes a while says what it waits for.
func TestAppWaitExplainsAStuckDeployment(t *testing.T) {
	b, services := appServer(t)
	b.AddApp(marathontest.App("/web"))
	b.SetQueue(marathon.QueueItem{App: marathontest.App("/web"), Count: 1, Role: "*", Delay: marathon.Delay{Overdue: true},
		ProcessedOffersSummary: marathon.OffersSummary{ProcessedOffersCount: 3, UnusedOffersCount: 3, RejectSummaryLastOffers: []marathon.DeclinedOfferStep{
			{Reason: "UnfulfilledConstraint", Declined: 3, Processed: 3}, {Reason: "UnfulfilledConstraint hostname:UNIQUE", Declined: 3, Processed: 3}}}})
	b.Hold(true)
	defer func(d time.Duration) { explainEvery = d }(explainEvery)
	explainEvery = 20 * time.Millisecond
	go func() {
		time.Sleep(300 * time.Millisecond)
		ds, _ := b.Deployments(context.Background())
		for _, d := range ds {
			b.Finish(d.ID)
		}
	}()
	code, out, errOut := runAppCmd("scale", "/web", "2", services)
	line := "waiting: /web needs 1 more instance(s); offers turned down: UnfulfilledConstraint hostname:UNIQUE (3 of 3); see: agora app why /web"
	if code != 0 || !strings.Contains(out, line) {
		t.Fatalf("scale: %d %q %q", code, out, errOut)
	}
	// Said once, not at every poll.
	if n := strings.Count(out, line); n != 1 {
		t.Errorf("the same explanation printed %d times:\n%s", n, out)
	}
}

// A deployment that cannot go on says why (agora's queue `blocked`), and a
// wait that runs out says the deployment goes on and how to stop it.
func TestAppWaitSaysWhenADeploymentIsBlockedAndWhenItGivesUp(t *testing.T) {
	b, services := appServer(t)
	b.AddApp(marathontest.App("/web"))
	b.SetQueue(marathon.QueueItem{App: marathontest.App("/web"), Count: 1, Role: "*", Delay: marathon.Delay{Overdue: true},
		Blocked: "this deployment cannot go on: lower minimumHealthCapacity"})
	b.Hold(true)
	defer func(d time.Duration) { explainEvery = d }(explainEvery)
	explainEvery = 20 * time.Millisecond
	code, out, errOut := runAppCmd("restart", "/web", "--timeout=300ms", services)
	if code != 1 || !strings.Contains(out, "waiting: /web needs 1 more instance(s); this deployment cannot go on: lower minimumHealthCapacity") {
		t.Fatalf("restart: %d %q %q", code, out, errOut)
	}
	if !regexp.MustCompile(`deployment \S+ did not finish within 300ms; it goes on without this command \(to stop it: curl -X DELETE 'http://127\.0\.0\.1:\d+/v2/deployments/\S+\?force=true'\)`).MatchString(errOut) {
		t.Errorf("timeout error: %q", errOut)
	}
	code, out, _ = runAppCmd("why", "/web", services)
	if code != 0 || !strings.Contains(out, "Blocked: this deployment cannot go on: lower minimumHealthCapacity.") {
		t.Errorf("why: %d\n%s", code, out)
	}
}

func TestAppUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"bogus"}, {"scale", "/web"}, {"scale", "/web", "-1"}, {"show"}, {"list", "extra"}, {"--nope", "list"}} {
		if code, _, _ := runAppCmd(args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	if code, _, _ := runAppCmd("--help"); code != 0 {
		t.Errorf("--help: exit %d", code)
	}
	// No server: a clear error, exit 1.
	code, _, errOut := runAppCmd("list", "--services=http://127.0.0.1:1")
	if code != 1 || !strings.Contains(errOut, "agora app list:") {
		t.Errorf("unreachable server: %d %q", code, errOut)
	}
	_, services := appServer(t)
	code, _, errOut = runAppCmd("deploy", filepath.Join(t.TempDir(), "missing.json"), services)
	if code != 1 || !strings.Contains(errOut, "no such file") {
		t.Errorf("missing file: %d %q", code, errOut)
	}
}

// regexpLine reports whether some line of s matches the pattern.
func regexpLine(s, pattern string) bool {
	re := regexp.MustCompile(pattern)
	for _, line := range strings.Split(s, "\n") {
		if re.MatchString(line) {
			return true
		}
	}
	return false
}
