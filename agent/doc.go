// Package agent is agora's agent: the process on each machine that lends
// the machine's resources to the master and runs the tasks the master
// sends, wire-compatible with a Mesos 1.11 agent where frameworks and
// executors can see it.
//
// It owns:
//
//   - registration with the master over agora's agent protocol
//     (docs/agent-protocol.md): REGISTER opens a RecordIO event stream,
//     every other call is a short POST; the agent heart-beats, notices a
//     silent master and registers again with its id, reporting its
//     frameworks, executors, tasks and unacknowledged updates. The id is
//     kept in <work_dir>/meta/agent_id, so a restarted agent registers as
//     itself (without tasks: they end with the agent process);
//
//   - the resources it advertises (--resources and --attributes, completed
//     with what DetectMachine finds, by Mesos's rules);
//
//   - the life of executors and tasks: two built-in executors, and custom
//     executors speaking the v1 executor API (POST /api/v1/executor), with
//     Mesos's environment, sandbox layout, registration timeout and
//     shutdown grace period. The built-in ones run their tasks themselves,
//     each task one process in a sandbox of its own: the command executor
//     runs a task that has a command, in the executor's sandbox; the
//     default executor (ExecutorInfo type DEFAULT) runs task groups, each
//     task in <executor sandbox>/tasks/<task id>, kills the rest of a
//     group when one of its tasks fails or is killed, and ends, telling
//     the master, when it has no task left (command.go,
//     default_executor.go);
//
//   - reliable status updates through the status update manager
//     (agent/statusupdate), resent until acknowledged;
//
//   - the operator endpoints GET /health, GET /state and POST /api/v1,
//     and the Mesos files API over the sandboxes (/files/browse, read,
//     download; files_api.go, agent/files);
//
//   - the health checks of the built-in executors' tasks
//     (health_checks.go, agent/health), and the garbage collection of
//     the sandboxes of ended runs (sandbox_gc.go, agent/gc).
//
//   - resource isolation (isolation.go, agent/cgroups): with --isolation
//     auto (the default) or cgroups/cpu,cgroups/mem each container gets
//     a cgroup with the CPU and memory limits of its resources; one over
//     its memory limit is killed and its tasks fail with
//     REASON_CONTAINER_LIMITATION_MEMORY.
//
// Processes are launched and killed by agent/containerizer, URIs fetched by
// agent/fetcher.
//
// # Goroutines and state
//
// One goroutine, the loop started by Run, owns all mutable state:
// frameworks, executors, tasks, the status update manager and the view of
// the master connection. Nothing else reads or writes it. The other
// goroutines hand the loop closures (Agent.post, Agent.query) and never
// touch state themselves:
//   - the master client: one goroutine keeps the REGISTER stream open and
//     hands its events, in order, to another that posts them to the loop
//     as many at a time as have arrived; senders post the loop's calls
//     (UPDATE, HEARTBEAT, MESSAGE, EXECUTOR_EXITED);
//   - HTTP handlers: executor and operator calls are answered from the
//     loop; an executor's SUBSCRIBE stream is written by its handler
//     goroutine from a queue the loop fills (executorConn, a wire.EventStream);
//   - workers: sandbox preparation and fetching, process launches (a few
//     at a time), process waiters, kills and timers report their outcome
//     back to the loop. Each outcome names the executor run (its container
//     id) so a stale one is ignored, and a process launched for a run that
//     is gone is killed;
//   - the journal (journal.go): writes the checkpoint the loop queues, in
//     order, and reports back when records are durable, so the loop never
//     waits for the file system.
//
// # Running an agent
//
//	a, err := agent.New(agent.Config{
//		Master:     "10.0.0.1:5050",
//		Listen:     ":5051",
//		WorkDir:    "/var/lib/agora/agent",
//		Resources:  "cpus:4;mem:8192",
//		Attributes: "rack:r1;zone:a",
//	})
//	if err != nil { ... }
//	err = a.Run(ctx) // until ctx ends; then every executor is stopped
//
// When ctx ends, Run shuts every executor down (SHUTDOWN, then a kill after
// the shutdown grace period; the built-in executors' tasks are killed with
// their share of it), waits until no process it started is left, and
// returns.
package agent
