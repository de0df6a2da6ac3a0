package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"agora/internal/testcluster"
)

func runHello(t *testing.T, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, errs bytes.Buffer
	code := run(ctx, args, &out, &errs)
	if errs.Len() > 0 {
		t.Logf("stderr:\n%s", errs.String())
	}
	return code, out.String()
}

func TestHelloOnCluster(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 2})
	for _, codec := range []string{"protobuf", "json"} {
		t.Run(codec, func(t *testing.T) {
			code, out := runHello(t, "--master="+c.MasterAddr, "--tasks=5", "--codec="+codec, "--cmd=echo hello")
			if code != 0 {
				t.Fatalf("exit code %d, want 0; output:\n%s", code, out)
			}
			for _, want := range []string{"registered as framework", "hello-4 is TASK_FINISHED", "all 5 tasks finished"} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
	// The frameworks tore themselves down: none is left active.
	state, err := c.State()
	if err != nil {
		t.Fatal(err)
	}
	if fws, _ := state["frameworks"].([]any); len(fws) != 0 {
		t.Errorf("%d frameworks still registered after hello exited", len(fws))
	}
}

func TestHelloFailingTasks(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1})
	code, out := runHello(t, "--master="+c.MasterAddr, "--tasks=2", "--cmd=exit 7")
	if code != 1 {
		t.Fatalf("exit code %d, want 1; output:\n%s", code, out)
	}
	if !strings.Contains(out, "2 of 2 tasks did not finish") {
		t.Errorf("output:\n%s", out)
	}
}

func TestHelloUsage(t *testing.T) {
	for _, args := range [][]string{{"--tasks=0"}, {"--codec=xml"}, {"--nope"}} {
		if code, _ := runHello(t, args...); code != 2 {
			t.Errorf("%v: exit code %d, want 2", args, code)
		}
	}
}

// Interrupted, hello tears its framework down (its tasks are killed) and
// exits 130.
func TestHelloInterrupted(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1})
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan int, 1)
	go func() {
		var o, e bytes.Buffer
		out <- run(ctx, []string{"--master=" + c.MasterAddr, "--tasks=1", "--cmd=sleep 60"}, &o, &e)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if n := runningTasks(t, c); n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the task never ran")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case code := <-out:
		if code != 130 {
			t.Fatalf("exit code %d, want 130", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("hello did not exit after the interrupt")
	}
	state, err := c.State()
	if err != nil {
		t.Fatal(err)
	}
	if fws, _ := state["frameworks"].([]any); len(fws) != 0 {
		t.Fatalf("%d frameworks left after the interrupt", len(fws))
	}
}

func runningTasks(t *testing.T, c *testcluster.Cluster) int {
	t.Helper()
	state, err := c.State()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	fws, _ := state["frameworks"].([]any)
	for _, f := range fws {
		tasks, _ := f.(map[string]any)["tasks"].([]any)
		for _, tk := range tasks {
			if tk.(map[string]any)["state"] == "TASK_RUNNING" {
				n++
			}
		}
	}
	return n
}
