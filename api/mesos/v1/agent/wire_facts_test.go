package agentpb_test

// These tables pin the wire identity of the agent's operator API to Apache
// Mesos 1.11 (include/mesos/v1/agent/agent.proto).

import (
	"sort"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	_ "agora/api/mesos/v1/agent"
)

const pkg = "mesos.v1.agent"

const (
	opt = protoreflect.Optional
	req = protoreflect.Required
	rep = protoreflect.Repeated
)

func TestCallTypeNumbers(t *testing.T) {
	checkEnum(t, "Call.Type", map[string]protoreflect.EnumNumber{
		"UNKNOWN":                         0,
		"GET_HEALTH":                      1,
		"GET_FLAGS":                       2,
		"GET_VERSION":                     3,
		"GET_METRICS":                     4,
		"GET_LOGGING_LEVEL":               5,
		"SET_LOGGING_LEVEL":               6,
		"LIST_FILES":                      7,
		"READ_FILE":                       8,
		"GET_STATE":                       9,
		"GET_CONTAINERS":                  10,
		"GET_FRAMEWORKS":                  11,
		"GET_EXECUTORS":                   12,
		"GET_TASKS":                       13,
		"LAUNCH_NESTED_CONTAINER":         14,
		"WAIT_NESTED_CONTAINER":           15,
		"KILL_NESTED_CONTAINER":           16,
		"LAUNCH_NESTED_CONTAINER_SESSION": 17,
		"ATTACH_CONTAINER_INPUT":          18,
		"ATTACH_CONTAINER_OUTPUT":         19,
		"GET_AGENT":                       20,
		"REMOVE_NESTED_CONTAINER":         21,
		"LAUNCH_CONTAINER":                22,
		"WAIT_CONTAINER":                  23,
		"KILL_CONTAINER":                  24,
		"REMOVE_CONTAINER":                25,
		"GET_RESOURCE_PROVIDERS":          26,
		"ADD_RESOURCE_PROVIDER_CONFIG":    27,
		"UPDATE_RESOURCE_PROVIDER_CONFIG": 28,
		"REMOVE_RESOURCE_PROVIDER_CONFIG": 29,
		"PRUNE_IMAGES":                    30,
		"GET_OPERATIONS":                  31,
		"MARK_RESOURCE_PROVIDER_GONE":     32,
	})
}

func TestResponseTypeNumbers(t *testing.T) {
	checkEnum(t, "Response.Type", map[string]protoreflect.EnumNumber{
		"UNKNOWN":                0,
		"GET_HEALTH":             1,
		"GET_FLAGS":              2,
		"GET_VERSION":            3,
		"GET_METRICS":            4,
		"GET_LOGGING_LEVEL":      5,
		"LIST_FILES":             6,
		"READ_FILE":              7,
		"GET_STATE":              8,
		"GET_CONTAINERS":         9,
		"GET_FRAMEWORKS":         10,
		"GET_EXECUTORS":          11,
		"GET_TASKS":              12,
		"WAIT_NESTED_CONTAINER":  13,
		"GET_AGENT":              14,
		"WAIT_CONTAINER":         15,
		"GET_RESOURCE_PROVIDERS": 16,
		"GET_OPERATIONS":         17,
	})
}

func TestStateFields(t *testing.T) {
	checkFields(t, []fieldFact{
		{"Call", "type", 1, opt, "mesos.v1.agent.Call.Type"},
		{"Response", "type", 1, opt, "mesos.v1.agent.Response.Type"},
		{"Response", "get_state", 9, opt, "mesos.v1.agent.Response.GetState"},
		{"Response", "get_containers", 10, opt, "mesos.v1.agent.Response.GetContainers"},
		{"Response", "get_frameworks", 11, opt, "mesos.v1.agent.Response.GetFrameworks"},
		{"Response", "get_executors", 12, opt, "mesos.v1.agent.Response.GetExecutors"},
		{"Response", "get_tasks", 13, opt, "mesos.v1.agent.Response.GetTasks"},
		{"Response", "get_agent", 15, opt, "mesos.v1.agent.Response.GetAgent"},

		// Unlike the master's, the agent's GetState has no get_agents.
		{"Response.GetState", "get_tasks", 1, opt, "mesos.v1.agent.Response.GetTasks"},
		{"Response.GetState", "get_executors", 2, opt, "mesos.v1.agent.Response.GetExecutors"},
		{"Response.GetState", "get_frameworks", 3, opt, "mesos.v1.agent.Response.GetFrameworks"},

		{"Response.GetTasks", "pending_tasks", 1, rep, "mesos.v1.Task"},
		{"Response.GetTasks", "queued_tasks", 2, rep, "mesos.v1.Task"},
		{"Response.GetTasks", "launched_tasks", 3, rep, "mesos.v1.Task"},
		{"Response.GetTasks", "terminated_tasks", 4, rep, "mesos.v1.Task"},
		{"Response.GetTasks", "completed_tasks", 5, rep, "mesos.v1.Task"},

		{"Response.GetExecutors.Executor", "executor_info", 1, req, "mesos.v1.ExecutorInfo"},
		{"Response.GetFrameworks.Framework", "framework_info", 1, req, "mesos.v1.FrameworkInfo"},
		{"Response.GetAgent", "agent_info", 1, opt, "mesos.v1.AgentInfo"},
	})
}

// fieldFact is one field whose wire identity must match Mesos.
type fieldFact struct {
	msg    string // message name inside the package, e.g. "Call.Subscribe"
	field  string
	number protoreflect.FieldNumber
	card   protoreflect.Cardinality
	typ    string // scalar kind ("bytes", "double"), or the full name of a message or enum
}

func checkFields(t *testing.T, facts []fieldFact) {
	t.Helper()
	for _, f := range facts {
		md := findMessage(t, f.msg)
		if md == nil {
			continue
		}
		fd := md.Fields().ByName(protoreflect.Name(f.field))
		if fd == nil {
			t.Errorf("%s.%s: field missing", f.msg, f.field)
			continue
		}
		if fd.Number() != f.number {
			t.Errorf("%s.%s: number %d, Mesos has %d", f.msg, f.field, fd.Number(), f.number)
		}
		if fd.Cardinality() != f.card {
			t.Errorf("%s.%s: label %v, Mesos has %v", f.msg, f.field, fd.Cardinality(), f.card)
		}
		if got := typeName(fd); got != f.typ {
			t.Errorf("%s.%s: type %s, Mesos has %s", f.msg, f.field, got, f.typ)
		}
	}
}

// checkEnum asserts the enum has exactly the given values: a missing value
// breaks decoding on our side, an extra one would be unknown to Mesos clients.
func checkEnum(t *testing.T, name string, want map[string]protoreflect.EnumNumber) {
	t.Helper()
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(pkg + "." + name))
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	ed, ok := d.(protoreflect.EnumDescriptor)
	if !ok {
		t.Errorf("%s is a %T, not an enum", name, d)
		return
	}
	var extra []string
	values := ed.Values()
	for i := 0; i < values.Len(); i++ {
		v := values.Get(i)
		if _, ok := want[string(v.Name())]; !ok {
			extra = append(extra, string(v.Name()))
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("%s: values not in Mesos: %v", name, extra)
	}
	for n, num := range want {
		v := values.ByName(protoreflect.Name(n))
		switch {
		case v == nil:
			t.Errorf("%s.%s: missing", name, n)
		case v.Number() != num:
			t.Errorf("%s.%s = %d, Mesos has %d", name, n, v.Number(), num)
		}
	}
}

func findMessage(t *testing.T, name string) protoreflect.MessageDescriptor {
	t.Helper()
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(pkg + "." + name))
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return nil
	}
	md, ok := d.(protoreflect.MessageDescriptor)
	if !ok {
		t.Errorf("%s is a %T, not a message", name, d)
		return nil
	}
	return md
}

func typeName(fd protoreflect.FieldDescriptor) string {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return string(fd.Message().FullName())
	case protoreflect.EnumKind:
		return string(fd.Enum().FullName())
	}
	return fd.Kind().String()
}
