// Command executor is a minimal custom executor for the agent's tests. It
// speaks the v1 executor API with JSON and uses nothing of agora, as a
// third-party executor would not:
//
//   - it SUBSCRIBEs to MESOS_AGENT_ENDPOINT and, once SUBSCRIBED, sends a
//     MESSAGE "env:<json>" with the MESOS_* variables it was given;
//   - for each task of a LAUNCH or LAUNCH_GROUP it sends TASK_RUNNING and
//     then TASK_FINISHED, unless the task's data is "wait", which keeps it
//     running until a KILL (answered with TASK_KILLED);
//   - for each ACKNOWLEDGED it sends a MESSAGE "acked:<task id>:<state>";
//   - for each MESSAGE from its scheduler it sends back "echo:<data>";
//   - on SHUTDOWN it exits 0, unless IGNORE_SHUTDOWN is set in its
//     environment; when its stream ends it exits 1.
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
)

type id struct {
	Value string `json:"value"`
}

type taskInfo struct {
	TaskID id     `json:"task_id"`
	Data   []byte `json:"data"`
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

	mu    sync.Mutex
	sent  = map[string]string{} // uuid -> state, for the acknowledgement messages
	calls = &http.Client{}
)

func main() {
	body, _ := json.Marshal(map[string]any{
		"type":         "SUBSCRIBE",
		"framework_id": id{frameworkID},
		"executor_id":  id{executorID},
		"subscribe":    map[string]any{},
	})
	req, err := http.NewRequest("POST", "http://"+endpoint+"/api/v1/executor", bytes.NewReader(body))
	if err != nil {
		fail(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := calls.Do(req)
	if err != nil {
		fail(err)
	}
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		fail(fmt.Errorf("SUBSCRIBE: %s: %s", resp.Status, msg))
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		fail(fmt.Errorf("SUBSCRIBE: Content-Type %q", ct))
	}
	r := bufio.NewReader(resp.Body)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			fail(fmt.Errorf("stream ended: %v", err))
		}
		n, err := strconv.Atoi(strings.TrimSpace(line))
		if err != nil {
			fail(fmt.Errorf("bad record length %q", line))
		}
		record := make([]byte, n)
		if _, err := io.ReadFull(r, record); err != nil {
			fail(err)
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
		mu.Unlock()
		message("acked:" + ev.Acknowledged.TaskID.Value + ":" + state)
	case "SHUTDOWN":
		if os.Getenv("IGNORE_SHUTDOWN") == "" {
			os.Exit(0)
		}
	}
}

func run(t taskInfo) {
	update(t.TaskID.Value, "TASK_RUNNING")
	if string(t.Data) != "wait" {
		update(t.TaskID.Value, "TASK_FINISHED")
	}
}

func update(taskID, state string) {
	uuid := make([]byte, 16)
	rand.Read(uuid)
	mu.Lock()
	sent[string(uuid)] = state
	mu.Unlock()
	call(map[string]any{
		"type": "UPDATE",
		"update": map[string]any{"status": map[string]any{
			"task_id": id{taskID},
			"state":   state,
			"source":  "SOURCE_EXECUTOR",
			"uuid":    uuid,
		}},
	})
}

func message(data string) {
	call(map[string]any{"type": "MESSAGE", "message": map[string]any{"data": []byte(data)}})
}

func call(c map[string]any) {
	c["framework_id"] = id{frameworkID}
	c["executor_id"] = id{executorID}
	body, _ := json.Marshal(c)
	resp, err := calls.Post("http://"+endpoint+"/api/v1/executor", "application/json", bytes.NewReader(body))
	if err != nil {
		fail(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		fail(fmt.Errorf("%s: %s: %s", c["type"], resp.Status, msg))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "executor:", err)
	os.Exit(1)
}
