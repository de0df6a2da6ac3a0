package tutorial

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// block is one fenced code block of the tutorial with the marker before it.
type block struct {
	kind string // "background", "file", "output" or "sh"
	path string // for files
	body string
	line int
}

func parse(t *testing.T, doc string) []block {
	t.Helper()
	var out []block
	marker, path := "", ""
	sc := bufio.NewScanner(strings.NewReader(doc))
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "<!-- background"):
			marker = "background"
		case strings.HasPrefix(line, "<!-- file:"):
			marker = "file"
			path = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(line, "<!-- file:"), "-->"))
		case strings.HasPrefix(line, "<!-- output"):
			marker = "output"
		case strings.HasPrefix(line, "```") && len(line) > 3:
			lang, start := line[3:], n
			var body strings.Builder
			for sc.Scan() {
				n++
				if sc.Text() == "```" {
					break
				}
				body.WriteString(sc.Text() + "\n")
			}
			kind := marker
			if kind == "" {
				if lang != "sh" {
					t.Fatalf("line %d: a ```%s block without a marker; the test would not check it", start, lang)
				}
				kind = "sh"
			}
			out = append(out, block{kind: kind, path: path, body: body.String(), line: start})
			marker, path = "", ""
		}
	}
	return out
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// commands returns the block's command lines, without comments.
func commands(body string) []string {
	var out []string
	for _, l := range strings.Split(body, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

func TestTutorial(t *testing.T) {
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join(root, "docs", "writing-a-framework.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := parse(t, string(doc))
	count := map[string]int{}
	for _, b := range blocks {
		count[b.kind]++
	}
	if count["background"] != 1 || count["file"] < 2 || count["sh"] < 2 || count["output"] != 1 {
		t.Fatalf("tutorial blocks %v: want one cluster, the files, commands and one expected output", count)
	}

	// The cluster, on a free port instead of 5050 so that the test does not
	// collide with a cluster someone runs; every command gets the same port.
	port := freePort(t)
	// go mod tidy in the new module also wants the test dependencies of
	// agora's dependencies (go-cmp), which the module cache of a fresh
	// machine lacks: they come from the module proxy. The checksum database
	// may be out of reach (CI reaches only the proxy), so it is not asked.
	env := append(os.Environ(), "AGORA="+root, "GOSUMDB=off", "GOFLAGS=-buildvcs=false")
	var script strings.Builder
	script.WriteString("set -euo pipefail\n")
	var expected string
	for _, b := range blocks {
		body := strings.ReplaceAll(b.body, "5050", port)
		switch b.kind {
		case "background":
			for _, c := range commands(body) {
				startBackground(t, root, env, c)
			}
			waitHealthy(t, "http://127.0.0.1:"+port+"/health")
		case "file":
			fmt.Fprintf(&script, "mkdir -p %q\ncat > %q <<'TUTORIAL_EOF'\n%sTUTORIAL_EOF\n", filepath.Dir(b.path), b.path, body)
		case "sh":
			for _, c := range commands(body) {
				fmt.Fprintf(&script, "echo '$ '%q\n%s\n", c, c)
			}
		case "output":
			expected = b.body
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script.String())
	cmd.Dir = t.TempDir()
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the tutorial's commands failed: %v\n%s", err, out)
	}
	for _, want := range strings.Split(strings.TrimSpace(expected), "\n") {
		if !strings.Contains(string(out), want+"\n") {
			t.Errorf("output lacks the line %q the tutorial shows", want)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}

// startBackground runs a long-running command of the tutorial in its own
// process group, interrupted (then killed) when the test ends.
func startBackground(t *testing.T, dir string, env []string, command string) {
	t.Helper()
	cmd := exec.Command("bash", "-c", "exec "+command)
	cmd.Dir = dir
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	log, err := os.Create(filepath.Join(t.TempDir(), "background.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", command, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		if t.Failed() {
			b, _ := os.ReadFile(log.Name())
			t.Logf("%s:\n%s", command, b)
		}
	})
}

func waitHealthy(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute) // go run compiles agora first
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("the cluster never answered %s", url)
}
