package master_test

import (
	"encoding/json"
	"net/http"
	"testing"

	mesospb "agora/api/mesos/v1"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/internal/testcluster"
	"agora/wire"
)

func metricsSnapshot(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url + "/metrics/snapshot")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("/metrics/snapshot: %s %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	// Flat: every value is a number.
	var snap map[string]float64
	if err := json.NewDecoder(resp.Body).Decode(&snap); err != nil {
		t.Fatalf("/metrics/snapshot is not a flat object of numbers: %v", err)
	}
	return snap
}

// /metrics/snapshot has Mesos's master and allocator metrics, and they
// follow what happens in the cluster.
func TestMetricsSnapshot(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 2, AgentResources: "cpus:2;mem:1024;disk:100"})
	code, body := operator(t, c.MasterURL, `{"type":"UPDATE_QUOTA","update_quota":{"quota_configs":[{"role":"q","guarantees":{"cpus":{"value":1}}}]}}`)
	if code != http.StatusOK {
		t.Fatalf("UPDATE_QUOTA: %d %s", code, body)
	}
	s := testcluster.Subscribe(t, c.MasterURL, wire.JSON, testcluster.DefaultFrameworkInfo("metered"))
	o := firstOffer(t, s)
	s.MustCall(t, launch([]*mesospb.Offer{o}, commandTask("sleeper", o, "sleep 30")))
	s.WaitState(t, "sleeper", mesospb.TaskState_TASK_RUNNING)
	s.MustCall(t, launch([]*mesospb.Offer{firstOffer(t, s)}, commandTask("done", o, "true")))
	s.WaitState(t, "done", mesospb.TaskState_TASK_FINISHED)

	var snap map[string]float64
	waitFor(t, "metrics to show the running task", func() bool {
		snap = metricsSnapshot(t, c.MasterURL)
		return snap["master/tasks_running"] == 1 && snap["master/tasks_finished"] >= 1
	})
	for name, want := range map[string]float64{
		"master/elected":                                         1,
		"master/frameworks_active":                               1,
		"master/frameworks_connected":                            1,
		"master/frameworks_disconnected":                         0,
		"master/slaves_active":                                   2,
		"master/slaves_connected":                                2,
		"master/slaves_unreachable":                              0,
		"master/cpus_total":                                      4,
		"master/mem_total":                                       2048,
		"master/cpus_used":                                       0.1,
		"master/mem_used":                                        32,
		"master/cpus_percent":                                    0.025,
		"master/tasks_running":                                   1,
		"master/tasks_finished":                                  1,
		"master/tasks_failed":                                    0,
		"master/messages_register_framework":                     1,
		"master/messages_register_slave":                         2,
		"master/slave_registrations":                             2,
		"allocator/mesos/resources/cpus/total":                   4,
		"allocator/mesos/quota/roles/q/resources/cpus/guarantee": 1,
		"allocator/mesos/quota/roles/q/resources/cpus/offered_or_allocated": 0,
	} {
		if got, ok := snap[name]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", name, got, ok, want)
		}
	}
	for name, atLeast := range map[string]float64{
		"master/messages_launch_tasks":                        2,
		"master/messages_status_update":                       4,
		"master/valid_status_update_acknowledgements":         4,
		"master/uptime_secs":                                  0,
		"allocator/mesos/allocation_runs":                     1,
		"allocator/mesos/allocation_run_ms":                   0,
		"allocator/mesos/allocation_run_ms/count":             1,
		"allocator/mesos/allocation_run_ms/p99":               0,
		"allocator/mesos/allocation_run_latency_ms":           0,
		"allocator/mesos/resources/cpus/offered_or_allocated": 0.1,
		"allocator/mesos/roles/*/shares/dominant":             0,
	} {
		if got, ok := snap[name]; !ok || got < atLeast {
			t.Errorf("%s = %v (present %v), want at least %v", name, got, ok, atLeast)
		}
	}
	if p50, max := snap["allocator/mesos/allocation_run_ms/p50"], snap["allocator/mesos/allocation_run_ms/max"]; p50 > max {
		t.Errorf("allocation_run_ms p50 %v above max %v", p50, max)
	}

	// A framework going away shows up at once.
	s.MustCall(t, &schedulerpb.Call{Type: schedulerpb.Call_TEARDOWN.Enum()})
	waitFor(t, "the framework's removal", func() bool {
		snap = metricsSnapshot(t, c.MasterURL)
		return snap["master/frameworks_active"] == 0 && snap["master/tasks_killed"] == 1 && snap["master/tasks_running"] == 0
	})
	if snap["master/messages_unregister_framework"] != 1 {
		t.Errorf("messages_unregister_framework = %v", snap["master/messages_unregister_framework"])
	}
}
