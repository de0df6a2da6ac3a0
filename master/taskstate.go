package master

import (
	mesospb "agora/api/mesos/v1"
)

// isTerminal reports whether a task in state s will never run again. LOST is
// terminal too, as in Mesos: a framework that was told LOST may relaunch.
func isTerminal(s mesospb.TaskState) bool {
	switch s {
	case mesospb.TaskState_TASK_FINISHED, mesospb.TaskState_TASK_FAILED,
		mesospb.TaskState_TASK_KILLED, mesospb.TaskState_TASK_ERROR,
		mesospb.TaskState_TASK_LOST, mesospb.TaskState_TASK_DROPPED,
		mesospb.TaskState_TASK_GONE, mesospb.TaskState_TASK_GONE_BY_OPERATOR:
		return true
	}
	return false
}

// capabilities is the set of FrameworkInfo capabilities the master acts on.
type capabilities struct {
	partitionAware        bool
	taskKillingState      bool
	multiRole             bool
	reservationRefinement bool
	revocable             bool
	gpu                   bool
	shared                bool
	regionAware           bool
}

func capabilitiesOf(info *mesospb.FrameworkInfo) capabilities {
	var c capabilities
	for _, cap := range info.GetCapabilities() {
		switch cap.GetType() {
		case mesospb.FrameworkInfo_Capability_PARTITION_AWARE:
			c.partitionAware = true
		case mesospb.FrameworkInfo_Capability_TASK_KILLING_STATE:
			c.taskKillingState = true
		case mesospb.FrameworkInfo_Capability_MULTI_ROLE:
			c.multiRole = true
		case mesospb.FrameworkInfo_Capability_RESERVATION_REFINEMENT:
			c.reservationRefinement = true
		case mesospb.FrameworkInfo_Capability_REVOCABLE_RESOURCES:
			c.revocable = true
		case mesospb.FrameworkInfo_Capability_GPU_RESOURCES:
			c.gpu = true
		case mesospb.FrameworkInfo_Capability_SHARED_RESOURCES:
			c.shared = true
		case mesospb.FrameworkInfo_Capability_REGION_AWARE:
			c.regionAware = true
		}
	}
	return c
}

// stateFor translates a task state into what a framework with caps may see.
// The states added for partition awareness (DROPPED, UNREACHABLE, GONE,
// GONE_BY_OPERATOR, UNKNOWN) reach only PARTITION_AWARE frameworks; others
// get LOST, as Mesos does for backwards compatibility. KILLING is sent only to
// TASK_KILLING_STATE frameworks: ok is false when the update must not be
// delivered at all.
func (c capabilities) stateFor(s mesospb.TaskState) (state mesospb.TaskState, ok bool) {
	switch s {
	case mesospb.TaskState_TASK_DROPPED, mesospb.TaskState_TASK_UNREACHABLE,
		mesospb.TaskState_TASK_GONE, mesospb.TaskState_TASK_GONE_BY_OPERATOR,
		mesospb.TaskState_TASK_UNKNOWN:
		if !c.partitionAware {
			return mesospb.TaskState_TASK_LOST, true
		}
	case mesospb.TaskState_TASK_KILLING:
		if !c.taskKillingState {
			return s, false
		}
	}
	return s, true
}

// agentStanding is what the master knows of an agent, for reconciliation.
type agentStanding int

const (
	agentUnknown     agentStanding = iota // never heard of, or forgotten
	agentRegistered                       // registered and reachable
	agentRecovering                       // known from before a restart, not yet re-registered
	agentUnreachable                      // stopped heart-beating
	agentGone                             // removed for good (by an operator)
)

// explicitReconcileReply decides the answer to an explicit reconciliation of
// a task the master does not know, following the table of Mesos's
// docs/reconciliation.md: a recovering agent gets no answer yet (the
// framework retries), otherwise the agent's standing decides the state. The
// caller translates the state with capabilities.stateFor. reply is false when
// nothing is to be sent.
func explicitReconcileReply(agent agentStanding) (state mesospb.TaskState, message string, reply bool) {
	switch agent {
	case agentRecovering:
		return 0, "", false
	case agentRegistered:
		return mesospb.TaskState_TASK_GONE, "Reconciliation: Task is unknown to the agent", true
	case agentUnreachable:
		return mesospb.TaskState_TASK_UNREACHABLE, "Reconciliation: Task is unreachable", true
	case agentGone:
		return mesospb.TaskState_TASK_GONE_BY_OPERATOR, "Reconciliation: Task is gone", true
	default:
		return mesospb.TaskState_TASK_UNKNOWN, "Reconciliation: Task is unknown", true
	}
}
