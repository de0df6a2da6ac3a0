package task

import (
	"maps"
	"slices"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	"agora/resources"
	"agora/sdk/offer"
)

// Spec describes one task. Build it into a TaskInfo for an offer. The
// methods return the Spec so calls chain; a Spec is a value, so a template
// can be copied and varied.
type Spec struct {
	ID, Name  string
	needs     []resources.Resource
	command   *mesospb.CommandInfo
	env       map[string]string
	executor  *mesospb.ExecutorInfo
	data      []byte
	labels    map[string]string
	killGrace float64 // seconds, 0 = the executor's default
}

// Command is a task that runs cmd with /bin/sh -c on the agent's built-in
// command executor.
func Command(id, cmd string) Spec {
	return Spec{ID: id, Name: id, command: &mesospb.CommandInfo{Shell: proto.Bool(true), Value: proto.String(cmd)}}
}

// Exec is a task that runs a program with arguments, without a shell
// (argv[0] is path).
func Exec(id, path string, args ...string) Spec {
	return Spec{ID: id, Name: id, command: &mesospb.CommandInfo{
		Shell: proto.Bool(false), Value: proto.String(path), Arguments: append([]string{path}, args...),
	}}
}

// ForExecutor is a task run by a custom executor: the executor receives
// it in a LAUNCH event, with Data.
func ForExecutor(id string, ex *mesospb.ExecutorInfo) Spec {
	return Spec{ID: id, Name: id, executor: ex}
}

// WithID sets the task's id, and its name too if the name was the old id:
// one template, many tasks.
func (s Spec) WithID(id string) Spec {
	if s.Name == s.ID {
		s.Name = id
	}
	s.ID = id
	return s
}

// Named sets the task's name (default: its id).
func (s Spec) Named(name string) Spec { s.Name = name; return s }

// Need adds resources the task needs, e.g. resources.NewScalar("cpus", 1).
func (s Spec) Need(rs ...resources.Resource) Spec {
	s.needs = append(slices.Clip(s.needs), rs...)
	return s
}

// Env sets an environment variable of the task's command.
func (s Spec) Env(name, value string) Spec {
	s.env = maps.Clone(s.env)
	if s.env == nil {
		s.env = map[string]string{}
	}
	s.env[name] = value
	return s
}

// Fetch adds a URI the agent fetches into the sandbox before the command
// (or executor) starts; executable marks the file executable.
func (s Spec) Fetch(uri string, executable bool) Spec {
	u := &mesospb.CommandInfo_URI{Value: proto.String(uri), Executable: proto.Bool(executable)}
	if s.executor != nil {
		s.executor = proto.Clone(s.executor).(*mesospb.ExecutorInfo)
		if s.executor.Command == nil {
			s.executor.Command = &mesospb.CommandInfo{}
		}
		s.executor.Command.Uris = append(s.executor.Command.Uris, u)
		return s
	}
	if s.command == nil {
		s.command = &mesospb.CommandInfo{}
	} else {
		s.command = proto.Clone(s.command).(*mesospb.CommandInfo)
	}
	s.command.Uris = append(s.command.Uris, u)
	return s
}

// Data sets opaque data for the executor (TaskInfo.data).
func (s Spec) Data(b []byte) Spec { s.data = b; return s }

// Label adds a label (TaskInfo.labels).
func (s Spec) Label(key, value string) Spec {
	s.labels = maps.Clone(s.labels)
	if s.labels == nil {
		s.labels = map[string]string{}
	}
	s.labels[key] = value
	return s
}

// KillGracePeriod sets how long the task has between SIGTERM and SIGKILL
// when killed (KillPolicy.grace_period).
func (s Spec) KillGracePeriod(seconds float64) Spec { s.killGrace = seconds; return s }

// Needs returns the resources the task needs.
func (s Spec) Needs() resources.Resources {
	rs, err := resources.New(s.needs...)
	if err != nil {
		return resources.Resources{}
	}
	return rs
}

// Build takes the task's resources from o and returns the TaskInfo for a
// LAUNCH on o's agent; it reports false, taking nothing, when o cannot
// cover them (or they are invalid).
func (s Spec) Build(o *offer.Offer) (*mesospb.TaskInfo, bool) {
	need, err := resources.New(s.needs...)
	if err != nil {
		return nil, false
	}
	list, ok := o.Take(need)
	if !ok {
		return nil, false
	}
	return s.Info(o.GetAgentId(), list), true
}

// Info returns the TaskInfo with the given agent and resources, for a
// scheduler that found resources itself.
func (s Spec) Info(agent *mesospb.AgentID, res []*mesospb.Resource) *mesospb.TaskInfo {
	t := &mesospb.TaskInfo{
		Name:      proto.String(s.Name),
		TaskId:    &mesospb.TaskID{Value: proto.String(s.ID)},
		AgentId:   agent,
		Resources: res,
		Data:      s.data,
	}
	if s.executor != nil {
		t.Executor = s.executor
	} else if s.command != nil {
		t.Command = proto.Clone(s.command).(*mesospb.CommandInfo)
		if len(s.env) > 0 {
			t.Command.Environment = environment(s.env)
		}
	}
	if len(s.labels) > 0 {
		t.Labels = &mesospb.Labels{}
		for _, k := range slices.Sorted(maps.Keys(s.labels)) {
			t.Labels.Labels = append(t.Labels.Labels, &mesospb.Label{Key: proto.String(k), Value: proto.String(s.labels[k])})
		}
	}
	if s.killGrace > 0 {
		t.KillPolicy = &mesospb.KillPolicy{GracePeriod: &mesospb.DurationInfo{Nanoseconds: proto.Int64(int64(s.killGrace * 1e9))}}
	}
	return t
}

func environment(env map[string]string) *mesospb.Environment {
	e := &mesospb.Environment{}
	for _, k := range slices.Sorted(maps.Keys(env)) {
		e.Variables = append(e.Variables, &mesospb.Environment_Variable{Name: proto.String(k), Value: proto.String(env[k])})
	}
	return e
}

// Executor describes a custom executor: a program (fetched from uri,
// which the agent makes executable) run as "./<name>" in the sandbox.
// Tasks that share an ExecutorInfo (same id) on an agent share one
// executor process.
func Executor(id, name, uri string) *mesospb.ExecutorInfo {
	return &mesospb.ExecutorInfo{
		ExecutorId: &mesospb.ExecutorID{Value: proto.String(id)},
		Name:       proto.String(name),
		Command: &mesospb.CommandInfo{
			Value: proto.String("./" + name),
			Uris:  []*mesospb.CommandInfo_URI{{Value: proto.String(uri), Executable: proto.Bool(true)}},
		},
	}
}

// DefaultExecutor describes the cluster's built-in executor for task
// groups (ExecutorInfo type DEFAULT), for Driver.LaunchGroup. Mesos wants
// the executor's own resources set: take them from the offer as well, e.g.
// ex.Resources, _ = o.Take(resources.Must(resources.NewScalar("cpus", 0.1), resources.NewScalar("mem", 32))).
func DefaultExecutor(id string) *mesospb.ExecutorInfo {
	return &mesospb.ExecutorInfo{
		ExecutorId: &mesospb.ExecutorID{Value: proto.String(id)},
		Type:       mesospb.ExecutorInfo_DEFAULT.Enum(),
	}
}
