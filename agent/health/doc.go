// Package health runs a task's health check (Mesos's TaskInfo.health_check)
// and decides what its results mean, as Mesos's checks library
// (src/checks/health_checker.cpp, checker_process.cpp) does for the
// command and default executors.
//
// It has three parts:
//   - Policy, the pure core: check results and their times in, decisions
//     out. Failures within the grace period are ignored until the first
//     success; the first success, and the first after failures, reports
//     the task healthy; every counted failure reports it unhealthy; the
//     consecutive_failures-th failure in a row asks for the task to be
//     killed.
//   - Probers, one per check type: Command runs a command in the task's
//     sandbox with the task's environment, as a process of its own
//     (agent/containerizer), killed with its process group when it
//     outlives the timeout; HTTP GETs scheme://127.0.0.1:<port><path>
//     (following redirects, not verifying certificates, as Mesos's curl
//     -L -k does) and passes on 2xx and 3xx; TCP connects to
//     127.0.0.1:<port>.
//   - Checker, the thin shell that paces a prober by the check's delay,
//     interval and timeout and hands the Policy's decisions to a
//     callback, until its context ends.
//
// FromProto turns a HealthCheck message into a Spec, with Mesos's
// defaults and Mesos's validation (common/validation.cpp).
package health
