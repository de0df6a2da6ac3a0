package scheduler

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/sdk/internal/stream"
)

// Call sends any scheduler call with the framework id and stream id of the
// live subscription, and returns the body of a 200 answer (RECONCILE_
// OPERATIONS and UPDATE_FRAMEWORK answer with one; most calls answer 202
// with none). It is the escape hatch for calls without a helper below.
//
// A redirect means the master lost its leadership: the driver drops the
// subscription (it subscribes again at the new leader) and the call fails
// with ErrLeaderChanged. Other error statuses give ErrCallRejected.
func (d *Driver) Call(ctx context.Context, call *schedulerpb.Call) ([]byte, error) {
	d.mu.Lock()
	subscribed, streamID, target, fid, dropStream := d.subscribed, d.streamID, d.leader, d.frameworkID, d.dropStream
	d.mu.Unlock()
	if !subscribed {
		return nil, fmt.Errorf("%w: %v call", ErrNotSubscribed, call.GetType())
	}
	if call.FrameworkId == nil {
		call.FrameworkId = fid
	}
	ctx, cancel := context.WithTimeout(ctx, d.cfg.CallTimeout)
	defer cancel()
	resp, err := stream.Post(ctx, d.client, target.String(), d.cfg.Codec, call, http.Header{"Mesos-Stream-Id": {streamID}})
	if err != nil {
		return nil, fmt.Errorf("scheduler: %v call: %w", call.GetType(), err)
	}
	switch {
	case resp.StatusCode == http.StatusAccepted:
		stream.Drain(resp)
		return nil, nil
	case resp.StatusCode == http.StatusOK:
		b, err := readAll(resp)
		return b, err
	case isRedirect(resp.StatusCode):
		next, rerr := redirectTarget(target, resp)
		stream.Drain(resp)
		if rerr == nil {
			d.setLeader(next)
		}
		if dropStream != nil {
			dropStream(ErrLeaderChanged)
		}
		return nil, fmt.Errorf("%w: %v call redirected to %s", ErrLeaderChanged, call.GetType(), resp.Header.Get("Location"))
	default:
		return nil, stream.Rejected(ErrCallRejected, call.GetType(), resp)
	}
}

func readAll(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	var b bytes.Buffer
	_, err := b.ReadFrom(resp.Body)
	return b.Bytes(), err
}

func (d *Driver) send(ctx context.Context, call *schedulerpb.Call) error {
	_, err := d.Call(ctx, call)
	return err
}

// Accept accepts offers with operations (LAUNCH, LAUNCH_GROUP, RESERVE,
// …). filters may be nil. Tasks launched by the operations are recorded in
// the task store as TASK_STAGING so that reconciliation covers them.
func (d *Driver) Accept(ctx context.Context, offerIDs []*mesospb.OfferID, ops []*mesospb.Offer_Operation, filters *mesospb.Filters) error {
	for _, op := range ops {
		for _, t := range launchedTasks(op) {
			if err := d.cfg.Store.Put(Task{ID: t.GetTaskId().GetValue(), AgentID: t.GetAgentId().GetValue(), State: mesospb.TaskState_TASK_STAGING}); err != nil {
				return fmt.Errorf("scheduler: recording task %s: %w", t.GetTaskId().GetValue(), err)
			}
		}
	}
	return d.send(ctx, &schedulerpb.Call{
		Type:   schedulerpb.Call_ACCEPT.Enum(),
		Accept: &schedulerpb.Call_Accept{OfferIds: offerIDs, Operations: ops, Filters: filters},
	})
}

func launchedTasks(op *mesospb.Offer_Operation) []*mesospb.TaskInfo {
	switch op.GetType() {
	case mesospb.Offer_Operation_LAUNCH:
		return op.GetLaunch().GetTaskInfos()
	case mesospb.Offer_Operation_LAUNCH_GROUP:
		return op.GetLaunchGroup().GetTaskGroup().GetTasks()
	}
	return nil
}

// Launch accepts one offer to launch tasks on its agent (tasks need the
// offer's agent id and resources found in the offer).
func (d *Driver) Launch(ctx context.Context, offerID *mesospb.OfferID, tasks ...*mesospb.TaskInfo) error {
	return d.Accept(ctx, []*mesospb.OfferID{offerID}, []*mesospb.Offer_Operation{LaunchOperation(tasks...)}, nil)
}

// LaunchGroup accepts one offer to launch tasks as a task group on one
// executor (a DEFAULT executor when executor.Type is DEFAULT): they start
// together and the group ends when one fails.
func (d *Driver) LaunchGroup(ctx context.Context, offerID *mesospb.OfferID, executor *mesospb.ExecutorInfo, tasks ...*mesospb.TaskInfo) error {
	return d.Accept(ctx, []*mesospb.OfferID{offerID}, []*mesospb.Offer_Operation{LaunchGroupOperation(executor, tasks...)}, nil)
}

// LaunchOperation is a LAUNCH operation for Accept.
func LaunchOperation(tasks ...*mesospb.TaskInfo) *mesospb.Offer_Operation {
	return &mesospb.Offer_Operation{
		Type:   mesospb.Offer_Operation_LAUNCH.Enum(),
		Launch: &mesospb.Offer_Operation_Launch{TaskInfos: tasks},
	}
}

// LaunchGroupOperation is a LAUNCH_GROUP operation for Accept.
func LaunchGroupOperation(executor *mesospb.ExecutorInfo, tasks ...*mesospb.TaskInfo) *mesospb.Offer_Operation {
	return &mesospb.Offer_Operation{
		Type: mesospb.Offer_Operation_LAUNCH_GROUP.Enum(),
		LaunchGroup: &mesospb.Offer_Operation_LaunchGroup{
			Executor:  executor,
			TaskGroup: &mesospb.TaskGroupInfo{Tasks: tasks},
		},
	}
}

// Decline declines offers. refuse is how long the master should not offer
// these agents' resources again (Filters.refuse_seconds); 0 or less keeps
// the master's default (5 s).
func (d *Driver) Decline(ctx context.Context, refuse time.Duration, offerIDs ...*mesospb.OfferID) error {
	if len(offerIDs) == 0 {
		return nil
	}
	return d.send(ctx, &schedulerpb.Call{
		Type:    schedulerpb.Call_DECLINE.Enum(),
		Decline: &schedulerpb.Call_Decline{OfferIds: offerIDs, Filters: refuseFilter(refuse)},
	})
}

func refuseFilter(refuse time.Duration) *mesospb.Filters {
	if refuse <= 0 {
		return nil
	}
	return &mesospb.Filters{RefuseSeconds: proto.Float64(refuse.Seconds())}
}

// Suppress asks the master to stop sending offers, for the given roles or
// all the framework's roles. The driver remembers the suppressed roles and
// names them when it subscribes again (a SUBSCRIBE replaces the master's
// record of them), so a reconnection does not bring the offers back.
func (d *Driver) Suppress(ctx context.Context, roles ...string) error {
	if err := d.send(ctx, &schedulerpb.Call{
		Type:     schedulerpb.Call_SUPPRESS.Enum(),
		Suppress: &schedulerpb.Call_Suppress{Roles: roles},
	}); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(roles) == 0 {
		roles = frameworkRoles(d.cfg.Framework)
	}
	for _, r := range roles {
		d.suppressed[r] = true
	}
	return nil
}

// Revive asks the master to offer again (clearing decline filters), for
// the given roles or all the framework's roles, and forgets their
// suppression.
func (d *Driver) Revive(ctx context.Context, roles ...string) error {
	if err := d.send(ctx, &schedulerpb.Call{
		Type:   schedulerpb.Call_REVIVE.Enum(),
		Revive: &schedulerpb.Call_Revive{Roles: roles},
	}); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(roles) == 0 {
		clear(d.suppressed)
	}
	for _, r := range roles {
		delete(d.suppressed, r)
	}
	return nil
}

// UpdateFramework changes the framework's FrameworkInfo without a
// re-subscription (UPDATE_FRAMEWORK, Mesos 1.9 and later): its roles,
// capabilities, name, labels, failover timeout and so on, though not its
// user or checkpoint flag. suppressedRoles, a subset of the new roles,
// replaces the suppressed roles. The driver uses the new FrameworkInfo
// when it subscribes again. info.Id may be left empty.
func (d *Driver) UpdateFramework(ctx context.Context, info *mesospb.FrameworkInfo, suppressedRoles ...string) error {
	if info == nil {
		return fmt.Errorf("%w: UpdateFramework needs a FrameworkInfo", ErrInvalidConfig)
	}
	info = proto.Clone(info).(*mesospb.FrameworkInfo)
	if info.Id == nil {
		info.Id = d.FrameworkID()
	}
	if _, err := d.Call(ctx, &schedulerpb.Call{
		Type: schedulerpb.Call_UPDATE_FRAMEWORK.Enum(),
		UpdateFramework: &schedulerpb.Call_UpdateFramework{
			FrameworkInfo:   info,
			SuppressedRoles: suppressedRoles,
		},
	}); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cfg.Framework = info
	clear(d.suppressed)
	for _, r := range suppressedRoles {
		d.suppressed[r] = true
	}
	return nil
}

// frameworkRoles returns the roles a framework subscribes with: roles for
// a MULTI_ROLE framework, otherwise the single (deprecated) role, "*" by
// default (Mesos's protobuf::framework::getRoles).
func frameworkRoles(info *mesospb.FrameworkInfo) []string {
	for _, c := range info.GetCapabilities() {
		if c.GetType() == mesospb.FrameworkInfo_Capability_MULTI_ROLE {
			return info.GetRoles()
		}
	}
	return []string{info.GetRole()}
}

// Kill asks the master to kill a task. agentID may be nil: the driver then
// uses the agent its store recorded for the task.
func (d *Driver) Kill(ctx context.Context, taskID *mesospb.TaskID, agentID *mesospb.AgentID) error {
	if agentID == nil {
		if t, ok, _ := d.cfg.Store.Get(taskID.GetValue()); ok && t.AgentID != "" {
			agentID = &mesospb.AgentID{Value: proto.String(t.AgentID)}
		}
	}
	return d.send(ctx, &schedulerpb.Call{
		Type: schedulerpb.Call_KILL.Enum(),
		Kill: &schedulerpb.Call_Kill{TaskId: taskID, AgentId: agentID},
	})
}

// Shutdown asks the master to shut an executor down (its tasks are killed).
func (d *Driver) Shutdown(ctx context.Context, executorID *mesospb.ExecutorID, agentID *mesospb.AgentID) error {
	return d.send(ctx, &schedulerpb.Call{
		Type:     schedulerpb.Call_SHUTDOWN.Enum(),
		Shutdown: &schedulerpb.Call_Shutdown{ExecutorId: executorID, AgentId: agentID},
	})
}

// Acknowledge acknowledges a status update. Updates without a uuid (the
// master's own, such as reconciliation answers) need none: it returns nil.
func (d *Driver) Acknowledge(ctx context.Context, status *mesospb.TaskStatus) error {
	if len(status.GetUuid()) == 0 {
		return nil
	}
	return d.send(ctx, &schedulerpb.Call{
		Type: schedulerpb.Call_ACKNOWLEDGE.Enum(),
		Acknowledge: &schedulerpb.Call_Acknowledge{
			AgentId: status.GetAgentId(), TaskId: status.GetTaskId(), Uuid: status.GetUuid(),
		},
	})
}

// Reconcile asks the master for the state of the given tasks (explicit
// reconciliation), or of every task it knows for the framework when none
// are given (implicit reconciliation). The answers arrive as status
// updates. The driver already reconciles explicitly after every
// subscription; call this for more.
func (d *Driver) Reconcile(ctx context.Context, tasks ...*schedulerpb.Call_Reconcile_Task) error {
	return d.send(ctx, &schedulerpb.Call{
		Type:      schedulerpb.Call_RECONCILE.Enum(),
		Reconcile: &schedulerpb.Call_Reconcile{Tasks: tasks},
	})
}

// Message sends data to an executor (no delivery guarantee, as in Mesos).
func (d *Driver) Message(ctx context.Context, agentID *mesospb.AgentID, executorID *mesospb.ExecutorID, data []byte) error {
	if data == nil {
		data = []byte{} // data is a required field, even when empty
	}
	return d.send(ctx, &schedulerpb.Call{
		Type:    schedulerpb.Call_MESSAGE.Enum(),
		Message: &schedulerpb.Call_Message{AgentId: agentID, ExecutorId: executorID, Data: data},
	})
}

// Teardown removes the framework from the cluster: the master kills all
// its tasks and executors. Run then returns nil.
func (d *Driver) Teardown(ctx context.Context) error {
	if err := d.send(ctx, &schedulerpb.Call{Type: schedulerpb.Call_TEARDOWN.Enum()}); err != nil {
		return err
	}
	d.Stop()
	return nil
}
