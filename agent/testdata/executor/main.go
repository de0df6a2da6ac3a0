// Command executor is a minimal custom executor for the agent's tests. It
// speaks the v1 executor API with JSON and uses nothing of agora, as a
// third-party executor would not:
//
//   - it writes its PID to executor.pid in its sandbox, SUBSCRIBEs to
//     MESOS_AGENT_ENDPOINT and, once SUBSCRIBED, sends a MESSAGE
//     "env:<json>" with the MESOS_* variables it was given;
//   - for each task of a LAUNCH or LAUNCH_GROUP it sends TASK_RUNNING and
//     then TASK_FINISHED, unless the task's data is "wait", which keeps it
//     running until a KILL (answered with TASK_KILLED), or "finish-file",
//     which keeps it running until a file named finish-<task id> appears
//     in the sandbox, or "hog", which makes the executor touch 512 MB of
//     memory;
//   - for each ACKNOWLEDGED it sends a MESSAGE "acked:<task id>:<state>";
//   - for each MESSAGE from its scheduler it sends back "echo:<data>";
//   - on SHUTDOWN it exits 0, unless IGNORE_SHUTDOWN is set in its
//     environment.
//
// When its stream ends it exits 1, unless its framework checkpoints
// (MESOS_CHECKPOINT=1): then, as Mesos's executors do, it subscribes again
// every 100 ms for MESOS_RECOVERY_TIMEOUT, with the tasks and updates not
// yet acknowledged (unacknowledged_tasks, unacknowledged_updates), and
// keeps updates it could not send for that SUBSCRIBE.
package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

type id struct {
	Value string `json:"value"`
}

type taskInfo struct {
	TaskID id     `json:"task_id"`
	Data   []byte `json:"data"`
	// raw is the whole TaskInfo, for unacknowledged_tasks.
	raw json.RawMessage
}

func (t *taskInfo) UnmarshalJSON(b []byte) error {
	type plain taskInfo
	if err := json.Unmarshal(b, (*plain)(t)); err != nil {
		return err
	}
	t.raw = append(json.RawMessage(nil), b...)
	return nil
}

type event struct {
	Type   string `json:"type"`
	Launch *struct {
		Task taskInfo `json:"task"`
	} `json:"launch"`
	LaunchGroup *struct {
		TaskGroup struct {
			Tasks []taskInfo `json:"tasks"`
		} `json:"task_group"`
	} `json:"launch_group"`
	Kill *struct {
		TaskID id `json:"task_id"`
	} `json:"kill"`
	Acknowledged *struct {
		TaskID id     `json:"task_id"`
		UUID   []byte `json:"uuid"`
	} `json:"acknowledged"`
	Message *struct {
		Data []byte `json:"data"`
	} `json:"message"`
}

var (
	endpoint    = os.Getenv("MESOS_AGENT_ENDPOINT")
	frameworkID = os.Getenv("MESOS_FRAMEWORK_ID")
	executorID  = os.Getenv("MESOS_EXECUTOR_ID")

	checkpoint = os.Getenv("MESOS_CHECKPOINT") == "1"

	mu   sync.Mutex
	sent = map[string]string{} // uuid -> state, for the acknowledgement messages
	// unackedUpdates are the statuses not yet acknowledged, by uuid, and
	// tasks the tasks not yet finished, by id: what a new SUBSCRIBE carries.
	unackedUpdates = map[string]map[string]any{}
	tasks          = map[string]json.RawMessage{}
	calls          = &http.Client{}
)

func main() {
	_ = os.WriteFile("executor.pid", []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
	for {
		err := subscribe()
		if !checkpoint {
			fail(err)
		}
		fmt.Fprintln(os.Stderr, "executor: disconnected:", err)
		recoverConnection()
	}
}

// recoverConnection waits until the agent answers again, for at most
// MESOS_RECOVERY_TIMEOUT, and exits if it does not.
func recoverConnection() {
	timeout := 15 * time.Minute // Mesos's default
	if d, ok := mesosDuration(os.Getenv("MESOS_RECOVERY_TIMEOUT")); ok {
		timeout = d
	}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		resp, err := calls.Get("http://" + endpoint + "/health")
		if err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	fail(fmt.Errorf("the agent did not come back within %v", timeout))
}

// mesosDuration parses stout's durations: "15mins", "2secs", "500ms".
func mesosDuration(s string) (time.Duration, bool) {
	units := []struct {
		suffix string
		unit   time.Duration
	}{{"ns", time.Nanosecond}, {"us", time.Microsecond}, {"ms", time.Millisecond}, {"secs", time.Second},
		{"mins", time.Minute}, {"hrs", time.Hour}, {"days", 24 * time.Hour}, {"weeks", 7 * 24 * time.Hour}}
	for _, u := range units {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			f, err := strconv.ParseFloat(n, 64)
			if err != nil || f < 0 {
				return 0, false
			}
			return time.Duration(f * float64(u.unit)), true
		}
	}
	return 0, false
}

// subscribe subscribes and handles events until the stream ends.
func subscribe() error {
	mu.Lock()
	var unackedTasks []json.RawMessage
	for _, t := range tasks {
		unackedTasks = append(unackedTasks, t)
	}
	var updates []map[string]any
	for _, status := range unackedUpdates {
		updates = append(updates, map[string]any{"status": status})
	}
	mu.Unlock()
	body, _ := json.Marshal(map[string]any{
		"type":         "SUBSCRIBE",
		"framework_id": id{frameworkID},
		"executor_id":  id{executorID},
		"subscribe":    map[string]any{"unacknowledged_tasks": unackedTasks, "unacknowledged_updates": updates},
	})
	req, err := http.NewRequest("POST", "http://"+endpoint+"/api/v1/executor", bytes.NewReader(body))
	if err != nil {
		fail(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := calls.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("SUBSCRIBE: %s: %s", resp.Status, msg)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		fail(fmt.Errorf("SUBSCRIBE: Content-Type %q", ct))
	}
	r := bufio.NewReader(resp.Body)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return fmt.Errorf("stream ended: %v", err)
		}
		n, err := strconv.Atoi(strings.TrimSpace(line))
		if err != nil {
			fail(fmt.Errorf("bad record length %q", line))
		}
		record := make([]byte, n)
		if _, err := io.ReadFull(r, record); err != nil {
			return fmt.Errorf("stream ended: %v", err)
		}
		var ev event
		if err := json.Unmarshal(record, &ev); err != nil {
			fail(fmt.Errorf("bad event %s: %v", record, err))
		}
		handle(ev)
	}
}

func handle(ev event) {
	switch ev.Type {
	case "SUBSCRIBED":
		env := map[string]string{}
		for _, kv := range os.Environ() {
			if k, v, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "MESOS_") {
				env[k] = v
			}
		}
		b, _ := json.Marshal(env)
		message("env:" + string(b))
	case "LAUNCH":
		run(ev.Launch.Task)
	case "LAUNCH_GROUP":
		for _, t := range ev.LaunchGroup.TaskGroup.Tasks {
			run(t)
		}
	case "KILL":
		update(ev.Kill.TaskID.Value, "TASK_KILLED")
	case "MESSAGE":
		message("echo:" + string(ev.Message.Data))
	case "ACKNOWLEDGED":
		mu.Lock()
		state := sent[string(ev.Acknowledged.UUID)]
		delete(unackedUpdates, string(ev.Acknowledged.UUID))
		if state != "TASK_RUNNING" {
			delete(tasks, ev.Acknowledged.TaskID.Value)
		}
		mu.Unlock()
		message("acked:" + ev.Acknowledged.TaskID.Value + ":" + state)
	case "SHUTDOWN":
		if os.Getenv("IGNORE_SHUTDOWN") == "" {
			os.Exit(0)
		}
	}
}

func run(t taskInfo) {
	mu.Lock()
	tasks[t.TaskID.Value] = t.raw
	mu.Unlock()
	update(t.TaskID.Value, "TASK_RUNNING")
	switch string(t.Data) {
	case "wait":
	case "hog":
		// Touches more memory than any test gives it: the OOM killer's.
		hog := make([]byte, 512<<20)
		for i := 0; i < len(hog); i += 4096 {
			hog[i] = 1
		}
		update(t.TaskID.Value, "TASK_FINISHED")
	case "say-then-finish":
		message("said:" + t.TaskID.Value)
		update(t.TaskID.Value, "TASK_FINISHED")
	case "finish-file":
		go func() {
			for {
				if _, err := os.Stat("finish-" + t.TaskID.Value); err == nil {
					update(t.TaskID.Value, "TASK_FINISHED")
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
		}()
	default:
		update(t.TaskID.Value, "TASK_FINISHED")
	}
}

func update(taskID, state string) {
	uuid := make([]byte, 16)
	rand.Read(uuid)
	status := map[string]any{
		"task_id": id{taskID},
		"state":   state,
		"source":  "SOURCE_EXECUTOR",
		"uuid":    uuid,
	}
	mu.Lock()
	sent[string(uuid)] = state
	unackedUpdates[string(uuid)] = status
	mu.Unlock()
	call(map[string]any{"type": "UPDATE", "update": map[string]any{"status": status}})
}

func message(data string) {
	call(map[string]any{"type": "MESSAGE", "message": map[string]any{"data": []byte(data)}})
}

func call(c map[string]any) {
	c["framework_id"] = id{frameworkID}
	c["executor_id"] = id{executorID}
	body, _ := json.Marshal(c)
	resp, err := calls.Post("http://"+endpoint+"/api/v1/executor", "application/json", bytes.NewReader(body))
	if err == nil {
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			err = fmt.Errorf("%s: %s: %s", c["type"], resp.Status, msg)
		}
	}
	if err != nil {
		if !checkpoint {
			fail(err)
		}
		// The agent is away: an update goes with the next SUBSCRIBE.
		fmt.Fprintln(os.Stderr, "executor: call failed:", err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "executor:", err)
	os.Exit(1)
}
