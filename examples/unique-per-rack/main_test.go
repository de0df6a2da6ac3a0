package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"agora/internal/testcluster"
	"agora/master"
)

// syncBuffer is the program's stdout, read by the test while it runs.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor waits until the output matches re and returns the submatches of
// the first match after offset from.
func waitFor(t *testing.T, out *syncBuffer, from int, re string) ([]string, int) {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := out.String()
		if loc := rx.FindStringSubmatchIndex(s[from:]); loc != nil {
			m := rx.FindStringSubmatch(s[from:])
			return m, from + loc[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("output never matched %q:\n%s", re, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runningPerRack counts the framework's RUNNING tasks by rack in the
// master's state.
func runningPerRack(t *testing.T, c *testcluster.Cluster) map[string]int {
	t.Helper()
	state, err := c.State()
	if err != nil {
		t.Fatal(err)
	}
	racks := map[string]string{}
	for _, s := range state["slaves"].([]any) {
		a := s.(map[string]any)
		racks[a["id"].(string)] = fmt.Sprint(a["attributes"].(map[string]any)["rack"])
	}
	out := map[string]int{}
	for _, f := range state["frameworks"].([]any) {
		for _, tk := range f.(map[string]any)["tasks"].([]any) {
			task := tk.(map[string]any)
			if task["state"] == "TASK_RUNNING" {
				out[racks[task["slave_id"].(string)]]++
			}
		}
	}
	return out
}

func TestOneInstancePerRackThroughAgentLoss(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{
		Agents: 6, // racks r1, r2, r3, two agents each
		Master: master.Config{AgentPingTimeout: 300 * time.Millisecond, MaxAgentPingTimeouts: 3},
	})
	out := &syncBuffer{}
	var errs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"--master=" + c.MasterAddr, "--cmd=sleep 60"}, out, &errs) }()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("the program did not stop")
		}
	}()

	hosts := map[string]string{}
	for _, rack := range []string{"r1", "r2", "r3"} {
		m, _ := waitFor(t, out, 0, `rack-`+rack+`-\d+ running on (agent\d) \(rack `+rack+`\)`)
		hosts[rack] = m[1]
	}
	// r1's agent is cut off: its instance becomes unreachable and is
	// replaced on the other agent of r1.
	lost := hosts["r1"]
	i, _ := strconv.Atoi(strings.TrimPrefix(lost, "agent"))
	c.PartitionAgent(i - 1)
	_, pos := waitFor(t, out, 0, `rack-r1-\d+ on `+lost+` is TASK_UNREACHABLE: replacing it`)
	m, pos := waitFor(t, out, pos, `rack-r1-\d+ running on (agent\d) \(rack r1\)`)
	if m[1] == lost {
		t.Fatalf("replacement placed on the lost agent %s", lost)
	}
	// The agent returns with the old instance: it is killed, one per rack stays.
	c.HealAgent(i - 1)
	waitFor(t, out, pos, `rack-r1-\d+ came back on `+lost+`, but rack r1 has an instance: killing it`)
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := runningPerRack(t, c)
		if len(got) == 3 && got["r1"] == 1 && got["r2"] == 1 && got["r3"] == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("running tasks per rack %v, want one on each of r1, r2, r3\n%s", got, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit code %d\n%s\n%s", code, out.String(), errs.String())
	}
	done <- 0 // for the deferred wait
	if !strings.Contains(out.String(), "torn down") {
		t.Errorf("no teardown:\n%s", out.String())
	}
}

// A new scheduler process fails over to the framework a previous one left
// running, adopts its instances through reconciliation and launches none.
func TestFailoverAdoptsInstances(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 3})
	start := func(args ...string) (*syncBuffer, context.CancelFunc, chan int) {
		out := &syncBuffer{}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int, 1)
		go func() {
			done <- run(ctx, append([]string{"--master=" + c.MasterAddr, "--cmd=sleep 60"}, args...), out, &syncBuffer{})
		}()
		t.Cleanup(func() { cancel(); <-done; done <- 0 })
		return out, cancel, done
	}
	first, stop, done := start("--keep")
	for _, rack := range []string{"r1", "r2", "r3"} {
		waitFor(t, first, 0, `rack-`+rack+`-\d+ running on`)
	}
	stop()
	if code := <-done; code != 0 {
		t.Fatalf("first run exit code %d", code)
	}
	done <- 0
	m, _ := waitFor(t, first, 0, `resume with --framework_id=(\S+)`)

	second, stop, done := start("--framework_id=" + m[1])
	waitFor(t, second, 0, `adopted 3 instance\(s\) on \[r1 r2 r3\]`)
	time.Sleep(500 * time.Millisecond) // several allocation rounds
	if strings.Contains(second.String(), "launching") {
		t.Fatalf("the second run launched instances although all were adopted:\n%s", second.String())
	}
	if got := runningPerRack(t, c); got["r1"] != 1 || got["r2"] != 1 || got["r3"] != 1 {
		t.Fatalf("running per rack %v", got)
	}
	stop()
	if code := <-done; code != 0 {
		t.Fatalf("second run exit code %d", code)
	}
	done <- 0
	if !strings.Contains(second.String(), "torn down") {
		t.Fatalf("second run did not tear down:\n%s", second.String())
	}
}
