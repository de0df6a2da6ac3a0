package cgroups_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"time"

	"agora/agent/cgroups"
)

// An agent's life with cgroups: detect at start-up, create a container's
// cgroup with its limits, start its process in it, tell an OOM kill from
// any other end, destroy the container. (Needs root; without it Detect
// says why and the agent runs without isolation.)
func Example() {
	iso := cgroups.Detect(cgroups.Options{Root: "agora", EnableCFS: true})
	if iso.Mode() == cgroups.ModeNone {
		slog.Warn("no resource isolation", "reason", iso.Reason())
		return
	}
	slog.Info("isolation", "mode", iso.Mode(), "dirs", iso.Dirs())

	// Leftovers of containers this agent does not know (after a restart).
	known := map[string]bool{}
	ids, _ := iso.List()
	for _, id := range ids {
		if !known[id] {
			if c, err := iso.Open(id); err == nil {
				_ = c.Destroy(context.Background())
			}
		}
	}

	c, err := iso.Create("4a6f1f07-7d5e-4b6c-9e3f-2a1b0c9d8e7f", cgroups.Limits{CPUs: 0.5, MemoryBytes: 64 << 20})
	if err != nil {
		panic(err)
	}
	// Real containers are started by a supervisor that joins the cgroup
	// itself (cgroups.Join(0, c.ProcsFiles())) before it starts anything;
	// a process the agent starts directly can be added just after.
	cmd := exec.Command("sh", "-c", "head -c 100M /dev/zero | tail")
	if err := cmd.Start(); err != nil {
		panic(err)
	}
	if err := c.AddProcess(cmd.Process.Pid); err != nil {
		panic(err)
	}
	waitErr := cmd.Wait()

	if l, _ := c.Limitation(); l != nil {
		fmt.Println("TASK_FAILED REASON_CONTAINER_LIMITATION_MEMORY:", l.Message)
	} else {
		fmt.Println("ended:", waitErr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Destroy(ctx); errors.Is(err, cgroups.ErrBusy) {
		fmt.Fprintln(os.Stderr, "a process is stuck in the kernel:", err)
	}
}
