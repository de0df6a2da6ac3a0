// Package containerizer runs executors and tasks as processes in sandbox
// directories, the part of a Mesos agent's containerizer that agora needs
// without isolation: where a sandbox lives, what a process is started
// with, how it is supervised and how it is killed.
//
// A sandbox is laid out as Mesos lays it out (SandboxPath, CreateSandbox):
//
//	<work_dir>/slaves/<agent>/frameworks/<fw>/executors/<ex>/runs/<container>
//
// and the tasks of a default executor each have a sandbox of their own in
// their executor's, tasks/<task id> (TaskSandboxPath, CreateTaskSandbox).
//
// Launch starts a ProcessSpec, the plain-Go form of a Mesos CommandInfo:
// a shell command (/bin/sh -c) or an executable with its full argv, an
// environment composed by the caller (ExecutorEnvironment.Vars gives the
// MESOS_* variables executors expect), and stdout and stderr appended to
// files in the sandbox. Each process runs under a supervisor, the agent's
// own binary started again, which leads the container's session, outlives
// the agent and, as a child subreaper, holds the container's whole process
// tree: when the process ends, anything it left running is killed, and
// Process.Kill applies Mesos's kill policy, SIGTERM to all of it and
// SIGKILL after a grace period. Recover re-attaches a restarted agent to a
// container by its supervisor's PID and start time, and reads the exit
// status a supervisor left (ProcessSpec.StatusPath) if it ended meanwhile.
// ExitStatus reads like the Mesos command executor's status messages
// ("Command exited with status 1").
//
// FormatDuration and ParseDuration speak Mesos's duration units ("5secs",
// "15mins"), used in executor environments and agent flags.
//
// Process supervision needs Linux (it reads /proc). The package's other
// parts are portable.
package containerizer
