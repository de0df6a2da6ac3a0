package executorpb_test

// These tables pin the wire identity of the executor API to Apache Mesos
// 1.11 (include/mesos/v1/executor/executor.proto). Executors built against
// Mesos (mesos-go, the C++ and Java libraries) depend on every number here.

import (
	"sort"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	_ "agora/api/mesos/v1/executor"
)

const pkg = "mesos.v1.executor"

const (
	opt = protoreflect.Optional
	req = protoreflect.Required
	rep = protoreflect.Repeated
)

func TestCallTypeNumbers(t *testing.T) {
	checkEnum(t, "Call.Type", map[string]protoreflect.EnumNumber{
		"UNKNOWN":   0,
		"SUBSCRIBE": 1,
		"UPDATE":    2,
		"MESSAGE":   3,
		"HEARTBEAT": 4,
	})
}

func TestEventTypeNumbers(t *testing.T) {
	checkEnum(t, "Event.Type", map[string]protoreflect.EnumNumber{
		"UNKNOWN":      0,
		"SUBSCRIBED":   1,
		"LAUNCH":       2,
		"KILL":         3,
		"ACKNOWLEDGED": 4,
		"MESSAGE":      5,
		"ERROR":        6,
		"SHUTDOWN":     7,
		"LAUNCH_GROUP": 8,
		"HEARTBEAT":    9,
	})
}

func TestCallFields(t *testing.T) {
	checkFields(t, []fieldFact{
		// Unlike the scheduler Call, both ids are required on every call.
		{"Call", "executor_id", 1, req, "mesos.v1.ExecutorID"},
		{"Call", "framework_id", 2, req, "mesos.v1.FrameworkID"},
		{"Call", "type", 3, opt, "mesos.v1.executor.Call.Type"},
		{"Call", "subscribe", 4, opt, "mesos.v1.executor.Call.Subscribe"},
		{"Call", "update", 5, opt, "mesos.v1.executor.Call.Update"},
		{"Call", "message", 6, opt, "mesos.v1.executor.Call.Message"},

		{"Call.Subscribe", "unacknowledged_tasks", 1, rep, "mesos.v1.TaskInfo"},
		{"Call.Subscribe", "unacknowledged_updates", 2, rep, "mesos.v1.executor.Call.Update"},
		{"Call.Update", "status", 1, req, "mesos.v1.TaskStatus"},
		// Number 2, not 1: an easy one to get wrong.
		{"Call.Message", "data", 2, req, "bytes"},
	})
}

func TestEventFields(t *testing.T) {
	checkFields(t, []fieldFact{
		{"Event", "type", 1, opt, "mesos.v1.executor.Event.Type"},
		{"Event", "subscribed", 2, opt, "mesos.v1.executor.Event.Subscribed"},
		{"Event", "acknowledged", 3, opt, "mesos.v1.executor.Event.Acknowledged"},
		{"Event", "launch", 4, opt, "mesos.v1.executor.Event.Launch"},
		{"Event", "kill", 5, opt, "mesos.v1.executor.Event.Kill"},
		{"Event", "message", 6, opt, "mesos.v1.executor.Event.Message"},
		{"Event", "error", 7, opt, "mesos.v1.executor.Event.Error"},
		{"Event", "launch_group", 8, opt, "mesos.v1.executor.Event.LaunchGroup"},

		{"Event.Subscribed", "executor_info", 1, req, "mesos.v1.ExecutorInfo"},
		{"Event.Subscribed", "framework_info", 2, req, "mesos.v1.FrameworkInfo"},
		{"Event.Subscribed", "agent_info", 3, req, "mesos.v1.AgentInfo"},
		{"Event.Subscribed", "container_id", 4, opt, "mesos.v1.ContainerID"},

		{"Event.Launch", "task", 1, req, "mesos.v1.TaskInfo"},
		{"Event.LaunchGroup", "task_group", 1, req, "mesos.v1.TaskGroupInfo"},

		{"Event.Kill", "task_id", 1, req, "mesos.v1.TaskID"},
		{"Event.Kill", "kill_policy", 2, opt, "mesos.v1.KillPolicy"},

		{"Event.Acknowledged", "task_id", 1, req, "mesos.v1.TaskID"},
		{"Event.Acknowledged", "uuid", 2, req, "bytes"},

		{"Event.Message", "data", 1, req, "bytes"},
		{"Event.Error", "message", 1, req, "string"},
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
