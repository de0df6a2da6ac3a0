package master

import (
	"math"
	"strings"
	"testing"
	"time"

	mesospb "agora/api/mesos/v1"
	schedulerpb "agora/api/mesos/v1/scheduler"
)

func TestStateForFollowsCapabilities(t *testing.T) {
	plain := capabilities{}
	aware := capabilities{partitionAware: true, taskKillingState: true}
	tests := []struct {
		state       mesospb.TaskState
		plain, pa   mesospb.TaskState
		plainOK, ok bool
	}{
		{mesospb.TaskState_TASK_RUNNING, mesospb.TaskState_TASK_RUNNING, mesospb.TaskState_TASK_RUNNING, true, true},
		{mesospb.TaskState_TASK_UNREACHABLE, mesospb.TaskState_TASK_LOST, mesospb.TaskState_TASK_UNREACHABLE, true, true},
		{mesospb.TaskState_TASK_DROPPED, mesospb.TaskState_TASK_LOST, mesospb.TaskState_TASK_DROPPED, true, true},
		{mesospb.TaskState_TASK_GONE, mesospb.TaskState_TASK_LOST, mesospb.TaskState_TASK_GONE, true, true},
		{mesospb.TaskState_TASK_GONE_BY_OPERATOR, mesospb.TaskState_TASK_LOST, mesospb.TaskState_TASK_GONE_BY_OPERATOR, true, true},
		{mesospb.TaskState_TASK_UNKNOWN, mesospb.TaskState_TASK_LOST, mesospb.TaskState_TASK_UNKNOWN, true, true},
		{mesospb.TaskState_TASK_KILLING, mesospb.TaskState_TASK_KILLING, mesospb.TaskState_TASK_KILLING, false, true},
	}
	for _, tt := range tests {
		got, ok := plain.stateFor(tt.state)
		if ok != tt.plainOK || (ok && got != tt.plain) {
			t.Errorf("plain framework, %v: got %v/%v, want %v/%v", tt.state, got, ok, tt.plain, tt.plainOK)
		}
		got, ok = aware.stateFor(tt.state)
		if ok != tt.ok || got != tt.pa {
			t.Errorf("partition-aware framework, %v: got %v/%v, want %v/%v", tt.state, got, ok, tt.pa, tt.ok)
		}
	}
}

// The explicit reconciliation table of Mesos's docs/reconciliation.md for
// tasks the master does not know.
func TestExplicitReconcileReply(t *testing.T) {
	tests := []struct {
		agent agentStanding
		want  mesospb.TaskState
		reply bool
	}{
		{agentRecovering, 0, false},
		{agentRegistered, mesospb.TaskState_TASK_GONE, true},
		{agentUnreachable, mesospb.TaskState_TASK_UNREACHABLE, true},
		{agentGone, mesospb.TaskState_TASK_GONE_BY_OPERATOR, true},
		{agentUnknown, mesospb.TaskState_TASK_UNKNOWN, true},
	}
	for _, tt := range tests {
		got, msg, reply := explicitReconcileReply(tt.agent)
		if reply != tt.reply || got != tt.want {
			t.Errorf("agent standing %d: got %v (reply %v), want %v (reply %v)", tt.agent, got, reply, tt.want, tt.reply)
		}
		if reply && msg == "" {
			t.Errorf("agent standing %d: reply without a message", tt.agent)
		}
	}
}

func TestRefuseDuration(t *testing.T) {
	f := func(secs float64) *mesospb.Filters { return &mesospb.Filters{RefuseSeconds: &secs} }
	tests := []struct {
		filters *mesospb.Filters
		want    time.Duration
	}{
		{nil, 5 * time.Second},
		{&mesospb.Filters{}, 5 * time.Second},
		{f(0), 0},
		{f(1.5), 1500 * time.Millisecond},
		{f(-3), 5 * time.Second},
		{f(math.NaN()), 5 * time.Second},
		{f(math.Inf(1)), maxRefuse},
		{f(400 * 24 * 3600), maxRefuse},
	}
	for _, tt := range tests {
		if got := refuseDuration(tt.filters); got != tt.want {
			t.Errorf("refuseDuration(%v) = %v, want %v", tt.filters, got, tt.want)
		}
	}
}

func TestValidateSchedulerCall(t *testing.T) {
	fid := &mesospb.FrameworkID{Value: ptr("f1")}
	info := &mesospb.FrameworkInfo{User: ptr("u"), Name: ptr("n")}
	tests := []struct {
		name string
		call *schedulerpb.Call
		want string // "" = valid
	}{
		{"no type", &schedulerpb.Call{}, "Expecting 'type' to be present"},
		{"subscribe without body", &schedulerpb.Call{Type: schedulerpb.Call_SUBSCRIBE.Enum()}, "Expecting 'subscribe' to be present"},
		{"subscribe", &schedulerpb.Call{Type: schedulerpb.Call_SUBSCRIBE.Enum(), Subscribe: &schedulerpb.Call_Subscribe{FrameworkInfo: info}}, ""},
		{"subscribe id mismatch", &schedulerpb.Call{Type: schedulerpb.Call_SUBSCRIBE.Enum(), FrameworkId: fid,
			Subscribe: &schedulerpb.Call_Subscribe{FrameworkInfo: info}}, "'framework_id' differs from 'subscribe.framework_info.id'"},
		{"roles without MULTI_ROLE", &schedulerpb.Call{Type: schedulerpb.Call_SUBSCRIBE.Enum(),
			Subscribe: &schedulerpb.Call_Subscribe{FrameworkInfo: &mesospb.FrameworkInfo{User: ptr("u"), Name: ptr("n"), Roles: []string{"a"}}}},
			"'FrameworkInfo.roles' must not be set when the framework is not MULTI_ROLE capable"},
		{"invalid role", &schedulerpb.Call{Type: schedulerpb.Call_SUBSCRIBE.Enum(),
			Subscribe: &schedulerpb.Call_Subscribe{FrameworkInfo: &mesospb.FrameworkInfo{User: ptr("u"), Name: ptr("n"), Role: ptr("a b")}}},
			"'FrameworkInfo.role' is not a valid role"},
		{"accept without framework id", &schedulerpb.Call{Type: schedulerpb.Call_ACCEPT.Enum()}, "Expecting 'framework_id' to be present"},
		{"accept without body", &schedulerpb.Call{Type: schedulerpb.Call_ACCEPT.Enum(), FrameworkId: fid}, "Expecting 'accept' to be present"},
		{"kill without body", &schedulerpb.Call{Type: schedulerpb.Call_KILL.Enum(), FrameworkId: fid}, "Expecting 'kill' to be present"},
		{"revive", &schedulerpb.Call{Type: schedulerpb.Call_REVIVE.Enum(), FrameworkId: fid}, ""},
		{"acknowledge with short uuid", &schedulerpb.Call{Type: schedulerpb.Call_ACKNOWLEDGE.Enum(), FrameworkId: fid,
			Acknowledge: &schedulerpb.Call_Acknowledge{AgentId: &mesospb.AgentID{Value: ptr("a")}, TaskId: &mesospb.TaskID{Value: ptr("t")}, Uuid: []byte{1, 2}}},
			"Not a valid UUID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validateSchedulerCall(tt.call)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
