package containerizer

import (
	"maps"
	"testing"
	"time"
)

func TestExecutorEnvironmentVars(t *testing.T) {
	tests := []struct {
		name string
		in   ExecutorEnvironment
		want map[string]string
	}{
		{
			name: "defaults without checkpointing",
			in: ExecutorEnvironment{
				AgentID: "a1-S0", FrameworkID: "fw-0001", ExecutorID: "web.1",
				Directory:     "/var/lib/agora/slaves/a1-S0/frameworks/fw-0001/executors/web.1/runs/c1",
				AgentEndpoint: "10.0.0.5:5051",
			},
			want: map[string]string{
				"MESOS_FRAMEWORK_ID":                   "fw-0001",
				"MESOS_EXECUTOR_ID":                    "web.1",
				"MESOS_SLAVE_ID":                       "a1-S0",
				"MESOS_DIRECTORY":                      "/var/lib/agora/slaves/a1-S0/frameworks/fw-0001/executors/web.1/runs/c1",
				"MESOS_SANDBOX":                        "/var/lib/agora/slaves/a1-S0/frameworks/fw-0001/executors/web.1/runs/c1",
				"MESOS_AGENT_ENDPOINT":                 "10.0.0.5:5051",
				"MESOS_CHECKPOINT":                     "0",
				"MESOS_HTTP_COMMAND_EXECUTOR":          "1",
				"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD": "5secs",
			},
		},
		{
			name: "checkpointing adds recovery settings",
			in: ExecutorEnvironment{
				AgentID: "a1-S0", FrameworkID: "fw", ExecutorID: "ex",
				Directory: "/sb", Sandbox: "/mnt/mesos/sandbox", AgentEndpoint: "127.0.0.1:5051",
				Checkpoint:          true,
				ShutdownGracePeriod: 30 * time.Second,
			},
			want: map[string]string{
				"MESOS_FRAMEWORK_ID":                   "fw",
				"MESOS_EXECUTOR_ID":                    "ex",
				"MESOS_SLAVE_ID":                       "a1-S0",
				"MESOS_DIRECTORY":                      "/sb",
				"MESOS_SANDBOX":                        "/mnt/mesos/sandbox",
				"MESOS_AGENT_ENDPOINT":                 "127.0.0.1:5051",
				"MESOS_CHECKPOINT":                     "1",
				"MESOS_HTTP_COMMAND_EXECUTOR":          "1",
				"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD": "30secs",
				"MESOS_RECOVERY_TIMEOUT":               "15mins",
				"MESOS_SUBSCRIPTION_BACKOFF_MAX":       "2secs",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.in.Vars()
			if !maps.Equal(got, tt.want) {
				t.Errorf("Vars() =\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
}
