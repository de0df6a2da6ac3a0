package agent

import (
	"time"

	"agora/agent/containerizer"
)

// Hooks for the package's external tests. They act on the loop, like
// everything that touches the agent's state.

// SetLaunch makes the agent start processes with launch instead of
// containerizer.Launch, so a test can hold a launch in flight.
func (a *Agent) SetLaunch(launch func(containerizer.ProcessSpec) (*containerizer.Process, error)) error {
	return a.query(func() { a.launchProcess = launch })
}

// ExecutorLaunch is what a test can see of an executor run's launch.
type ExecutorLaunch struct {
	State       string // REGISTERING, RUNNING, TERMINATING or TERMINATED
	Launching   bool
	KillPending bool
	KillGrace   time.Duration // of the pending kill
}

// ExecutorLaunch describes the current run of an executor (a command
// task's executor has the task's id, and its launch is the task's);
// false if there is none.
func (a *Agent) ExecutorLaunch(frameworkID, executorID string) (ExecutorLaunch, bool, error) {
	var out ExecutorLaunch
	var found bool
	err := a.query(func() {
		ex := a.executor(frameworkID, executorID)
		if ex == nil {
			return
		}
		found = true
		p := &ex.process
		if t := ex.tasks[ex.id]; ex.kind == commandExecutor && t != nil {
			p = &t.process
		}
		out = ExecutorLaunch{State: ex.state.String(), Launching: p.launching}
		if p.pendingKill != nil {
			out.KillPending, out.KillGrace = true, *p.pendingKill
		}
	})
	return out, found, err
}

// LoopDone is closed when the agent's loop has ended.
func (a *Agent) LoopDone() <-chan struct{} { return a.done }

// LaunchSlots is how many launches may run at once.
func (a *Agent) LaunchSlots() int { return cap(a.launchSlots) }
