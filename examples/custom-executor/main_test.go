package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"agora/internal/testcluster"
)

// The scheduler runs its own executor binary, fetched by the agents from a
// file URI, on an in-process cluster.
func TestCustomExecutorOnCluster(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "primes-executor")
	if out, err := exec.Command("go", "build", "-o", bin, "./executor").CombinedOutput(); err != nil {
		t.Fatalf("building the executor: %v\n%s", err, out)
	}
	c := testcluster.Start(t, testcluster.Options{Agents: 2, AgentResources: "cpus:0.25;mem:256;disk:100;ports:[31000-31010]"})
	for _, codec := range []string{"json", "protobuf"} {
		t.Run(codec, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var out, errs bytes.Buffer
			code := run(ctx, []string{"--master=" + c.MasterAddr, "--executor=" + bin, "--n=1000,10000,100000,7", "--codec=" + codec}, &out, &errs)
			if code != 0 {
				t.Fatalf("exit code %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errs.String())
			}
			for _, want := range []string{
				"primes-0 finished: 168 primes", "primes-1 finished: 1229 primes", "primes-2 finished: 9592 primes", "primes-3 finished: 4 primes",
				": 168 primes up to 1000", // the executor's own message
				"hello back from agent",   // the reply to the scheduler's message
				"all 4 tasks finished",
			} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
			// Two tasks per agent at most (0.25 cpus): both agents' executors ran.
			if n := strings.Count(out.String(), "ready on agent"); n != 2 {
				t.Errorf("%d executors reported ready, want 2:\n%s", n, out.String())
			}
		})
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"--executor=/x", "--n=a"}} {
		var out, errs bytes.Buffer
		if code := run(context.Background(), args, &out, &errs); code != 2 {
			t.Errorf("%v: exit code %d, want 2", args, code)
		}
	}
}
