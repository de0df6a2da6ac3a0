package master

import (
	"fmt"
	"strings"

	"agora/agent/health"
	mesospb "agora/api/mesos/v1"
)

// validateHealthCheck is Mesos's task validation of TaskInfo.health_check
// (master/validation.cpp, validateHealthCheck): a health check the agent
// could not run makes the task TASK_ERROR with "Task uses invalid health
// check: " and the reason. The rules are the agent's own (health.FromProto),
// so the master refuses exactly what an agent would fail to run.
func validateHealthCheck(info *mesospb.TaskInfo) error {
	hc := info.GetHealthCheck()
	if hc == nil {
		return nil
	}
	if _, err := health.FromProto(hc); err != nil {
		reason := strings.TrimPrefix(err.Error(), health.ErrInvalid.Error()+": ")
		return fmt.Errorf("Task uses invalid health check: %s", reason)
	}
	return nil
}
