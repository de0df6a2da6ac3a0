//go:build linux

package containerizer_test

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"agora/agent/containerizer"
)

func ExampleLaunch() {
	sandbox, err := os.MkdirTemp("", "sandbox")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(sandbox)

	p, err := containerizer.Launch(containerizer.ProcessSpec{
		Sandbox: sandbox,
		Shell:   true,
		Value:   "echo hello from $MESOS_TASK_ID",
		Env:     map[string]string{"MESOS_TASK_ID": "web.1"},
		Logger:  slog.New(slog.DiscardHandler),
	})
	if err != nil {
		panic(err)
	}
	status := p.Wait()

	out, _ := os.ReadFile(filepath.Join(sandbox, "stdout"))
	fmt.Print(string(out))
	fmt.Println(status.Message())
	// Output:
	// hello from web.1
	// Command exited with status 0
}

func ExampleProcess_Kill() {
	sandbox, err := os.MkdirTemp("", "sandbox")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(sandbox)

	p, err := containerizer.Launch(containerizer.ProcessSpec{
		Sandbox: sandbox,
		Value:   "/bin/sleep",
		// Arguments is the whole argv, argv[0] included.
		Arguments: []string{"sleep", "60"},
		Logger:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		panic(err)
	}
	// SIGTERM now, SIGKILL if still running after 3 seconds.
	status := p.Kill(3 * time.Second)
	fmt.Println(status.Message(), "killed:", status.Killed)
	// Output:
	// Command terminated with signal Terminated killed: true
}
