// Package executor is the Go SDK's executor driver: a custom executor's
// side of the Mesos v1 executor HTTP API (POST /api/v1/executor on the
// agent, docs/executor-http-api.md in Mesos). It reads the environment the
// agent sets (ConfigFromEnv), subscribes, delivers events to callbacks
// framework authors know from Mesos's executor driver (LaunchTask,
// KillTask, FrameworkMessage, Shutdown, …) and sends status updates and
// messages.
//
//	type worker struct{ executor.Base }
//
//	func (w *worker) LaunchTask(ctx context.Context, d *executor.Driver, t *mesospb.TaskInfo) {
//		_ = d.Update(ctx, t.GetTaskId(), mesospb.TaskState_TASK_RUNNING, "")
//		go func() {
//			// … the work …
//			_ = d.Update(context.Background(), t.GetTaskId(), mesospb.TaskState_TASK_FINISHED, "")
//		}()
//	}
//
//	func main() {
//		cfg, err := executor.ConfigFromEnv()
//		d, err := executor.New(cfg, &worker{})
//		err = d.Run(context.Background()) // until SHUTDOWN
//	}
//
// # Reliability
//
// Status updates are sent with a fresh uuid and kept until the agent
// acknowledges them (ACKNOWLEDGED); launched tasks are kept until one of
// their updates is acknowledged. When the connection to the agent breaks
// (an agent restart), a checkpointing framework's executor (MESOS_CHECKPOINT=1)
// subscribes again with backoff bounded by MESOS_SUBSCRIPTION_BACKOFF_MAX,
// handing the agent those unacknowledged tasks and updates, for up to
// MESOS_RECOVERY_TIMEOUT; then Run returns ErrRecoveryTimeout. Without
// checkpointing Run returns ErrDisconnected at once, as Mesos requires.
//
// It speaks only the public Mesos v1 API: executors written with it run on
// Mesos agents as well as agora's.
package executor
