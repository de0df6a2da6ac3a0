package services_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"agora/internal/testcluster"
)

// Health-check failures never kill more instances at once than the upgrade
// strategy allows: with 4 instances and minimumHealthCapacity 0.5, at most
// 2 are being replaced at a time, so at least 2 keep running even when every
// instance fails its checks — and failing instances are replaced.
func TestHealthFailuresAreReplacedWithoutAKillStorm(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 3})
	s := startServices(t, c, t.TempDir())
	kills := s.subscribe(t, "unhealthy_task_kill_event")
	failed := s.subscribe(t, "failed_health_check_event")
	s.do("POST", "/v2/apps", `{"id":"/flaky","cmd":"sleep 1000","instances":4,"cpus":0.1,"mem":16,
		"upgradeStrategy":{"minimumHealthCapacity":0.5,"maximumOverCapacity":0},
		"healthChecks":[{"protocol":"COMMAND","command":{"value":"false"},"gracePeriodSeconds":0,
			"intervalSeconds":1,"timeoutSeconds":1,"maxConsecutiveFailures":1,"delaySeconds":0}]}`, nil)

	deadline := time.Now().Add(60 * time.Second)
	killed := 0
	for killed < 6 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d unhealthy kills within 60s", killed)
		}
		select {
		case <-kills.events:
			killed++
		case <-time.After(20 * time.Millisecond):
		}
		a := s.app("/flaky")
		alive := 0
		for _, tk := range a.Tasks {
			if tk.State == "TASK_RUNNING" {
				alive++
			}
		}
		// Once the app reached full strength, fewer than 2 running
		// would mean health kills took out more than allowed.
		if killed > 0 && alive < 2 {
			t.Fatalf("%d running instances after %d health kills: %+v", alive, killed, a.Tasks)
		}
	}
	if ev := failed.next(t); !strings.Contains(ev, `"appId":"/flaky"`) || !strings.Contains(ev, `"protocol":"COMMAND"`) {
		t.Fatalf("failed_health_check_event: %s", ev)
	}
	waitFor(t, "unhealthy counts in the app", func() (bool, string) {
		var out struct {
			App struct {
				TasksUnhealthy int `json:"tasksUnhealthy"`
			} `json:"app"`
		}
		s.do("GET", "/v2/apps/flaky", nil, &out)
		return out.App.TasksUnhealthy > 0, fmt.Sprintf("%+v", out)
	})
}
