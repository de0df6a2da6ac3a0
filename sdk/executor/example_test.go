package executor_test

import (
	"context"
	"log"

	mesospb "agora/api/mesos/v1"
	"agora/sdk/executor"
)

// echo answers each task's data back to the scheduler, then finishes it.
type echo struct{ executor.Base }

func (echo) LaunchTask(ctx context.Context, d *executor.Driver, t *mesospb.TaskInfo) {
	_ = d.Update(ctx, t.GetTaskId(), mesospb.TaskState_TASK_RUNNING, "")
	_ = d.Message(ctx, t.GetData())
	_ = d.Update(ctx, t.GetTaskId(), mesospb.TaskState_TASK_FINISHED, "")
}

func (echo) KillTask(ctx context.Context, d *executor.Driver, id *mesospb.TaskID, _ *mesospb.KillPolicy) {
	_ = d.Update(ctx, id, mesospb.TaskState_TASK_KILLED, "")
}

// The main function of an executor program that an agent starts.
func ExampleNew() {
	cfg, err := executor.ConfigFromEnv() // MESOS_AGENT_ENDPOINT, MESOS_FRAMEWORK_ID, …
	if err != nil {
		log.Fatal(err)
	}
	d, err := executor.New(cfg, echo{})
	if err != nil {
		log.Fatal(err)
	}
	if err := d.Run(context.Background()); err != nil {
		log.Fatal(err)
	}
}
