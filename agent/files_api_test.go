package agent_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"agora/agent"
	mesospb "agora/api/mesos/v1"
)

// filesGet asks the agent's files API and returns the status and body.
func filesGet(t *testing.T, a *testAgent, endpoint string, query url.Values) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + a.Addr().String() + "/files/" + endpoint + "?" + query.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// executorDirectory is the directory /state reports for an executor.
func executorDirectory(t *testing.T, a *testAgent, executorID string) string {
	t.Helper()
	type frameworks []struct {
		Executors []struct {
			ID        string `json:"id"`
			Directory string `json:"directory"`
		} `json:"executors"`
		CompletedExecutors []struct {
			ID        string `json:"id"`
			Directory string `json:"directory"`
		} `json:"completed_executors"`
	}
	var state struct {
		Frameworks          frameworks `json:"frameworks"`
		CompletedFrameworks frameworks `json:"completed_frameworks"`
	}
	getJSON(t, "http://"+a.Addr().String()+"/state", &state)
	for _, fw := range append(state.Frameworks, state.CompletedFrameworks...) {
		for _, ex := range append(fw.Executors, fw.CompletedExecutors...) {
			if ex.ID == executorID && ex.Directory != "" {
				return ex.Directory
			}
		}
	}
	t.Fatalf("/state has no directory for executor %s", executorID)
	return ""
}

// waitRead polls /files/read until the file holds want.
func waitRead(t *testing.T, a *testAgent, path, want string) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		status, body := filesGet(t, a, "read", url.Values{"path": {path}, "offset": {"0"}})
		var out struct {
			Data   string `json:"data"`
			Offset int64  `json:"offset"`
		}
		if status == http.StatusOK && json.Unmarshal([]byte(body), &out) == nil && out.Data == want && out.Offset == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("read %s: %d %s; want data %q", path, status, body, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestFilesAPIReadsARunningTasksSandbox(t *testing.T) {
	m, a := registered(t, agent.Config{})
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The task plants links out of its sandbox, as a hostile task could.
	m.runTask(frameworkInfo(), shellTask("web",
		"echo hello from web; ln -s "+secret+" abs-out; ln -s ../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../.. up; sleep 60"))
	m.waitUpdates("web", mesospb.TaskState_TASK_RUNNING)
	dir := executorDirectory(t, a, "web")
	virtual := "/frameworks/fw-1/executors/web/runs/latest"

	waitRead(t, a, dir+"/stdout", "hello from web\n")
	waitRead(t, a, virtual+"/stdout", "hello from web\n")
	waitRead(t, a, a.sandbox("fw-1", "web")+"/stdout", "hello from web\n")

	status, body := filesGet(t, a, "browse", url.Values{"path": {virtual}})
	var listing []struct {
		Path string `json:"path"`
		Mode string `json:"mode"`
		Size int64  `json:"size"`
	}
	if status != http.StatusOK || json.Unmarshal([]byte(body), &listing) != nil {
		t.Fatalf("browse: %d %s", status, body)
	}
	found := map[string]bool{}
	for _, e := range listing {
		found[e.Path] = true
	}
	if !found[virtual+"/stdout"] || !found[virtual+"/stderr"] {
		t.Errorf("browse %s = %s; want stdout and stderr", virtual, body)
	}

	status, body = filesGet(t, a, "debug", nil)
	var table map[string]string
	if status != http.StatusOK || json.Unmarshal([]byte(body), &table) != nil || table[virtual] != dir || table[dir] != dir {
		t.Errorf("debug: %d %s; want %s and %s mapped to the sandbox", status, body, virtual, dir)
	}

	status, body = filesGet(t, a, "download", url.Values{"path": {dir + "/stdout"}})
	if status != http.StatusOK || body != "hello from web\n" {
		t.Errorf("download: %d %q", status, body)
	}

	// Nothing outside the sandbox can be reached.
	for _, path := range []string{
		dir + strings.Repeat("/..", 40) + "/etc/passwd",
		dir + "/abs-out",
		dir + "/up/etc/passwd",
		virtual + "/up" + secret,
	} {
		waitForFile(t, filepath.Join(dir, "up"))
		for _, endpoint := range []string{"read", "download", "browse"} {
			status, body := filesGet(t, a, endpoint, url.Values{"path": {path}, "offset": {"0"}})
			if status != http.StatusBadRequest || strings.Contains(body, "root:") || body == "secret" {
				t.Errorf("%s %s: %d %q; want 400", endpoint, path, status, body)
			}
		}
	}
	for _, path := range []string{secret, "/etc/passwd", "/frameworks/fw-1/executors/other/runs/latest/stdout"} {
		if status, body := filesGet(t, a, "read", url.Values{"path": {path}, "offset": {"0"}}); status != http.StatusNotFound {
			t.Errorf("read %s: %d %q; want 404", path, status, body)
		}
	}

	// A finished task's sandbox stays readable.
	m.killTask(frameworkInfo(), "web", 0)
	m.waitUpdates("web", mesospb.TaskState_TASK_KILLED)
	waitRead(t, a, virtual+"/stdout", "hello from web\n")
}
