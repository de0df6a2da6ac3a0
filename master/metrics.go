package master

import (
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	clusterpb "agora/api/agora/cluster/v1"
	mesospb "agora/api/mesos/v1"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/resources"
)

// This file is GET /metrics/snapshot: a flat JSON object of metric name →
// number, with the names Mesos's master and hierarchical allocator use
// (src/master/metrics.cpp, src/master/master.cpp's resource gauges,
// src/master/allocator/mesos/metrics.cpp), so dashboards and alerts written
// for Mesos keep working. Counters count since the master started; gauges
// are computed from the master's state when the snapshot is taken; timers
// (allocator/mesos/allocation_run_ms, allocation_run_latency_ms) give the
// last value and, as libprocess timers do, /count, /min, /max, /p50, /p90,
// /p95, /p99, /p999 and /p9999 over the last hour (at most timerWindow
// samples).

// timerWindow bounds the samples a timer keeps.
const timerWindow = 4096

// metrics is the master's counters and timers, owned by its loop.
type metrics struct {
	counters      map[string]float64
	allocationRun timer
	allocationLag timer
	// allocationDue is when the pending allocation was asked for (the
	// start of allocation_run_latency); zero when none is pending.
	allocationDue time.Time
}

func newMetrics() metrics {
	return metrics{counters: map[string]float64{}}
}

func (m *Master) count(name string) { m.metrics.counters[name]++ }

type sample struct {
	at time.Time
	ms float64
}

// timer keeps the last timerWindow durations, oldest first.
type timer struct {
	samples []sample
}

func (t *timer) record(at time.Time, d time.Duration) {
	if len(t.samples) == timerWindow {
		t.samples = t.samples[1:]
	}
	t.samples = append(t.samples, sample{at, float64(d) / float64(time.Millisecond)})
}

// snapshot adds the timer's metrics under name (e.g.
// "allocator/mesos/allocation_run_ms"): nothing until it has a sample, as a
// libprocess timer reports nothing before its first value.
func (t *timer) snapshot(out map[string]float64, name string, now time.Time) {
	if len(t.samples) == 0 {
		return
	}
	out[name] = t.samples[len(t.samples)-1].ms
	var window []float64
	for _, s := range t.samples {
		if now.Sub(s.at) <= time.Hour {
			window = append(window, s.ms)
		}
	}
	if len(window) == 0 {
		return
	}
	slices.Sort(window)
	out[name+"/count"] = float64(len(window))
	out[name+"/min"] = window[0]
	out[name+"/max"] = window[len(window)-1]
	for _, p := range []struct {
		suffix string
		q      float64
	}{{"p50", 0.5}, {"p90", 0.9}, {"p95", 0.95}, {"p99", 0.99}, {"p999", 0.999}, {"p9999", 0.9999}} {
		out[name+"/"+p.suffix] = percentile(window, p.q)
	}
}

// percentile interpolates linearly between the closest ranks, as stout's
// TimeSeries statistics do.
func percentile(sorted []float64, q float64) float64 {
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	if lo == hi {
		return sorted[lo]
	}
	return sorted[lo] + (sorted[hi]-sorted[lo])*(pos-float64(lo))
}

// schedulerCallCounters names the master/messages_* counter each scheduler
// call adds to (Mesos counts the v1 calls under the names of the old
// messages they replaced).
var schedulerCallCounters = map[schedulerpb.Call_Type]string{
	schedulerpb.Call_TEARDOWN:                     "master/messages_unregister_framework",
	schedulerpb.Call_ACCEPT:                       "master/messages_launch_tasks",
	schedulerpb.Call_DECLINE:                      "master/messages_decline_offers",
	schedulerpb.Call_REVIVE:                       "master/messages_revive_offers",
	schedulerpb.Call_SUPPRESS:                     "master/messages_suppress_offers",
	schedulerpb.Call_KILL:                         "master/messages_kill_task",
	schedulerpb.Call_ACKNOWLEDGE:                  "master/messages_status_update_acknowledgement",
	schedulerpb.Call_ACKNOWLEDGE_OPERATION_STATUS: "master/messages_operation_status_update_acknowledgement",
	schedulerpb.Call_RECONCILE:                    "master/messages_reconcile_tasks",
	schedulerpb.Call_RECONCILE_OPERATIONS:         "master/messages_reconcile_operations",
	schedulerpb.Call_MESSAGE:                      "master/messages_framework_to_executor",
	schedulerpb.Call_REQUEST:                      "master/messages_resource_request",
}

// agentCallCounters names the counters of the agent protocol's calls, with
// the Mesos messages they stand for.
var agentCallCounters = map[clusterpb.Call_Type]string{
	clusterpb.Call_UPDATE:          "master/messages_status_update",
	clusterpb.Call_MESSAGE:         "master/messages_executor_to_framework",
	clusterpb.Call_EXECUTOR_EXITED: "master/messages_exited_executor",
}

// countTerminal counts a task reaching a terminal state (or TASK_ERROR,
// TASK_DROPPED…) as Mesos's tasks_<state> counters do.
func (m *Master) countTerminal(state mesospb.TaskState) {
	if isTerminal(state) {
		m.count(taskStateMetric(state))
	}
}

// taskStateMetric is Mesos's name for a task state: master/tasks_running.
// The names are made once; a terminal update only looks its name up.
func taskStateMetric(s mesospb.TaskState) string { return taskStateMetrics[s] }

var taskStateMetrics = func() map[mesospb.TaskState]string {
	out := make(map[mesospb.TaskState]string, len(mesospb.TaskState_name))
	for v, name := range mesospb.TaskState_name {
		out[mesospb.TaskState(v)] = "master/tasks_" + strings.ToLower(strings.TrimPrefix(name, "TASK_"))
	}
	return out
}()

// taskGauges are the task states Mesos reports as gauges of tasks
// currently in them.
var taskGauges = []mesospb.TaskState{
	mesospb.TaskState_TASK_STAGING, mesospb.TaskState_TASK_STARTING, mesospb.TaskState_TASK_RUNNING,
	mesospb.TaskState_TASK_KILLING, mesospb.TaskState_TASK_UNREACHABLE,
}

// counterNames are the counters reported as 0 before they first move, so
// that a snapshot always has them.
var counterNames = func() []string {
	names := []string{
		"master/tasks_finished", "master/tasks_failed", "master/tasks_killed", "master/tasks_lost",
		"master/tasks_error", "master/tasks_dropped", "master/tasks_gone", "master/tasks_gone_by_operator",
		"master/messages_register_framework", "master/messages_reregister_framework",
		"master/messages_register_slave", "master/messages_reregister_slave",
		"master/slave_registrations", "master/slave_reregistrations", "master/slave_removals",
		"master/slave_unreachable_scheduled", "master/slave_unreachable_completed",
		"master/valid_status_updates", "master/invalid_status_updates",
		"master/valid_status_update_acknowledgements", "master/invalid_status_update_acknowledgements",
		"master/valid_framework_to_executor_messages", "master/valid_executor_to_framework_messages",
		"master/valid_operation_status_update_acknowledgements",
		"master/invalid_operation_status_update_acknowledgements",
		"master/dropped_messages", "allocator/mesos/allocation_runs",
	}
	for _, n := range schedulerCallCounters {
		names = append(names, n)
	}
	for _, n := range agentCallCounters {
		names = append(names, n)
	}
	return names
}()

// snapshotMetrics computes the whole snapshot on the master's goroutine.
func (m *Master) snapshotMetrics(now time.Time) map[string]float64 {
	out := make(map[string]float64, 256)
	for _, n := range counterNames {
		out[n] = 0
	}
	for n, v := range m.metrics.counters {
		out[n] = v
	}
	out["master/uptime_secs"] = now.Sub(m.start).Seconds()
	out["master/elected"] = 1
	out["master/event_queue_messages"] = float64(len(m.actions))
	out["master/event_queue_dispatches"] = 0
	out["master/event_queue_http_requests"] = 0
	out["allocator/mesos/event_queue_dispatches"] = 0
	out["allocator/event_queue_dispatches"] = 0
	out["master/outstanding_offers"] = float64(len(m.offers))
	out["master/operator_event_stream_subscribers"] = 0

	// Frameworks: active and connected are one thing in agora (a
	// connected framework is active), as they are for Mesos frameworks
	// that were never deactivated.
	var fwConnected float64
	for _, fw := range m.frameworks {
		if fw.connected() {
			fwConnected++
		}
	}
	out["master/frameworks_connected"] = fwConnected
	out["master/frameworks_disconnected"] = float64(len(m.frameworks)) - fwConnected
	out["master/frameworks_active"] = fwConnected
	out["master/frameworks_inactive"] = float64(len(m.frameworks)) - fwConnected

	// Agents and their resources. Totals count agents that are
	// reachable (Mesos counts registered, activated agents); used is
	// what tasks and executors use, offered resources not included.
	var connected, unreachable float64
	total := map[string]float64{}
	used := map[string]float64{}
	for _, a := range m.agents {
		if !a.reachable() {
			unreachable++
			continue
		}
		if a.stream != nil {
			connected++
		}
		addScalarNames(total, a.total)
		for _, rs := range m.usedOn(a) {
			addScalarNames(used, rs.Unallocate())
		}
	}
	out["master/slaves_connected"] = connected
	out["master/slaves_disconnected"] = float64(len(m.agents)) - unreachable - connected
	out["master/slaves_active"] = float64(len(m.agents)) - unreachable
	out["master/slaves_inactive"] = 0
	out["master/slaves_unreachable"] = unreachable
	for _, name := range []string{"cpus", "gpus", "mem", "disk"} {
		for _, kind := range []string{"", "_revocable"} {
			t, u := total[name+kind], used[name+kind]
			out["master/"+name+kind+"_total"] = t
			out["master/"+name+kind+"_used"] = u
			pct := 0.0
			if t > 0 {
				pct = u / t
			}
			out["master/"+name+kind+"_percent"] = pct
		}
	}

	states := map[mesospb.TaskState]float64{}
	for _, fw := range m.frameworks {
		for _, t := range fw.tasks {
			states[t.state()]++
		}
	}
	for _, s := range taskGauges {
		out[taskStateMetric(s)] = states[s]
	}

	// Allocator.
	m.metrics.allocationRun.snapshot(out, "allocator/mesos/allocation_run_ms", now)
	m.metrics.allocationLag.snapshot(out, "allocator/mesos/allocation_run_latency_ms", now)
	allocTotal := map[string]float64{}
	allocFree := map[string]float64{}
	for _, a := range m.agents {
		if t, ok := m.alloc.Total(a.id); ok {
			addScalarNames(allocTotal, t)
		}
		if f, ok := m.alloc.Free(a.id); ok {
			addScalarNames(allocFree, f)
		}
	}
	for _, name := range []string{"cpus", "mem", "disk"} {
		out["allocator/mesos/resources/"+name+"/total"] = allocTotal[name]
		out["allocator/mesos/resources/"+name+"/offered_or_allocated"] = allocTotal[name] - allocFree[name]
	}
	for role, share := range m.alloc.Shares().Roles {
		out["allocator/mesos/roles/"+role+"/shares/dominant"] = share
	}
	for _, info := range m.alloc.Roles() {
		prefix := "allocator/mesos/quota/roles/" + info.Name + "/resources/"
		for name, v := range info.Quota.Guarantees {
			out[prefix+name+"/guarantee"] = v.Float64()
		}
		for name, v := range info.Quota.Limits {
			out[prefix+name+"/limit"] = v.Float64()
		}
		// What the role consumes of each quota'd resource.
		for _, q := range []map[string]resources.Milli{info.Quota.Guarantees, info.Quota.Limits} {
			for name := range q {
				out[prefix+name+"/offered_or_allocated"] = info.Consumed[name].Float64()
			}
		}
	}
	// JSON has no NaN or infinity; a value that is not finite is left out
	// rather than failing the whole snapshot.
	for name, v := range out {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			delete(out, name)
		}
	}
	return out
}

// addScalarNames sums scalars by name, revocable ones under
// "<name>_revocable".
func addScalarNames(into map[string]float64, rs resources.Resources) {
	for r := range rs.All() {
		if r.Kind != resources.KindScalar {
			continue
		}
		name := r.Name
		if r.Revocable {
			name += "_revocable"
		}
		into[name] += r.Scalar.Float64()
	}
}

// serveMetrics is GET /metrics/snapshot. Mesos's query parameters
// (timeout, jsonp) are accepted; the snapshot never waits, so timeout has
// nothing to bound.
func (m *Master) serveMetrics(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET")
		writeError(w, httpErrorf(http.StatusMethodNotAllowed, "Expecting 'GET', received '%s'", r.Method))
		return
	}
	var snap map[string]float64
	if err := m.do(r.Context(), func() { snap = m.snapshotMetrics(time.Now()) }); err != nil {
		writeError(w, err)
		return
	}
	b, err := json.Marshal(snap)
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}
