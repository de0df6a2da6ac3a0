package masterpb_test

// These tables pin the wire identity of the master's operator API to Apache
// Mesos 1.11 (include/mesos/v1/master/master.proto). Operator tools and
// clients (the mesos CLI, DC/OS tooling, mesos-go's httpmaster) send these
// numbers in protobuf bodies and these names in JSON ones.

import (
	"sort"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	masterpb "agora/api/mesos/v1/master"
)

const pkg = "mesos.v1.master"

const (
	opt = protoreflect.Optional
	req = protoreflect.Required
	rep = protoreflect.Repeated
)

func TestCallTypeNumbers(t *testing.T) {
	checkEnum(t, "Call.Type", map[string]protoreflect.EnumNumber{
		"UNKNOWN":                     0,
		"GET_HEALTH":                  1,
		"GET_FLAGS":                   2,
		"GET_VERSION":                 3,
		"GET_METRICS":                 4,
		"GET_LOGGING_LEVEL":           5,
		"SET_LOGGING_LEVEL":           6,
		"LIST_FILES":                  7,
		"READ_FILE":                   8,
		"GET_STATE":                   9,
		"GET_AGENTS":                  10,
		"GET_FRAMEWORKS":              11,
		"GET_EXECUTORS":               12,
		"GET_TASKS":                   13,
		"GET_ROLES":                   14,
		"GET_WEIGHTS":                 15,
		"UPDATE_WEIGHTS":              16,
		"GET_MASTER":                  17,
		"SUBSCRIBE":                   18,
		"RESERVE_RESOURCES":           19,
		"UNRESERVE_RESOURCES":         20,
		"CREATE_VOLUMES":              21,
		"DESTROY_VOLUMES":             22,
		"GET_MAINTENANCE_STATUS":      23,
		"GET_MAINTENANCE_SCHEDULE":    24,
		"UPDATE_MAINTENANCE_SCHEDULE": 25,
		"START_MAINTENANCE":           26,
		"STOP_MAINTENANCE":            27,
		"GET_QUOTA":                   28,
		"SET_QUOTA":                   29,
		"REMOVE_QUOTA":                30,
		"TEARDOWN":                    31,
		"MARK_AGENT_GONE":             32,
		"GET_OPERATIONS":              33,
		"GROW_VOLUME":                 34,
		"SHRINK_VOLUME":               35,
		"UPDATE_QUOTA":                36,
		"DRAIN_AGENT":                 37,
		"DEACTIVATE_AGENT":            38,
		"REACTIVATE_AGENT":            39,
	})
}

func TestResponseTypeNumbers(t *testing.T) {
	checkEnum(t, "Response.Type", map[string]protoreflect.EnumNumber{
		"UNKNOWN":                  0,
		"GET_HEALTH":               1,
		"GET_FLAGS":                2,
		"GET_VERSION":              3,
		"GET_METRICS":              4,
		"GET_LOGGING_LEVEL":        5,
		"LIST_FILES":               6,
		"READ_FILE":                7,
		"GET_STATE":                8,
		"GET_AGENTS":               9,
		"GET_FRAMEWORKS":           10,
		"GET_EXECUTORS":            11,
		"GET_TASKS":                12,
		"GET_ROLES":                13,
		"GET_WEIGHTS":              14,
		"GET_MASTER":               15,
		"GET_MAINTENANCE_STATUS":   16,
		"GET_MAINTENANCE_SCHEDULE": 17,
		"GET_QUOTA":                18,
		"GET_OPERATIONS":           19,
	})
}

func TestEventTypeNumbers(t *testing.T) {
	checkEnum(t, "Event.Type", map[string]protoreflect.EnumNumber{
		"UNKNOWN":           0,
		"SUBSCRIBED":        1,
		"TASK_ADDED":        2,
		"TASK_UPDATED":      3,
		"AGENT_ADDED":       4,
		"AGENT_REMOVED":     5,
		"FRAMEWORK_ADDED":   6,
		"FRAMEWORK_UPDATED": 7,
		"FRAMEWORK_REMOVED": 8,
		"HEARTBEAT":         9,
	})
}

func TestCallFields(t *testing.T) {
	checkFields(t, []fieldFact{
		{"Call", "type", 1, opt, "mesos.v1.master.Call.Type"},
		{"Call", "get_metrics", 2, opt, "mesos.v1.master.Call.GetMetrics"},
		{"Call", "set_logging_level", 3, opt, "mesos.v1.master.Call.SetLoggingLevel"},
		{"Call", "list_files", 4, opt, "mesos.v1.master.Call.ListFiles"},
		{"Call", "read_file", 5, opt, "mesos.v1.master.Call.ReadFile"},
		{"Call", "update_weights", 6, opt, "mesos.v1.master.Call.UpdateWeights"},
		{"Call", "reserve_resources", 7, opt, "mesos.v1.master.Call.ReserveResources"},
		{"Call", "unreserve_resources", 8, opt, "mesos.v1.master.Call.UnreserveResources"},
		{"Call", "create_volumes", 9, opt, "mesos.v1.master.Call.CreateVolumes"},
		{"Call", "destroy_volumes", 10, opt, "mesos.v1.master.Call.DestroyVolumes"},
		{"Call", "update_maintenance_schedule", 11, opt, "mesos.v1.master.Call.UpdateMaintenanceSchedule"},
		{"Call", "start_maintenance", 12, opt, "mesos.v1.master.Call.StartMaintenance"},
		{"Call", "stop_maintenance", 13, opt, "mesos.v1.master.Call.StopMaintenance"},
		{"Call", "set_quota", 14, opt, "mesos.v1.master.Call.SetQuota"},
		{"Call", "remove_quota", 15, opt, "mesos.v1.master.Call.RemoveQuota"},
		{"Call", "teardown", 16, opt, "mesos.v1.master.Call.Teardown"},
		{"Call", "mark_agent_gone", 17, opt, "mesos.v1.master.Call.MarkAgentGone"},
		{"Call", "grow_volume", 18, opt, "mesos.v1.master.Call.GrowVolume"},
		{"Call", "shrink_volume", 19, opt, "mesos.v1.master.Call.ShrinkVolume"},
		{"Call", "update_quota", 20, opt, "mesos.v1.master.Call.UpdateQuota"},
		{"Call", "drain_agent", 21, opt, "mesos.v1.master.Call.DrainAgent"},
		{"Call", "deactivate_agent", 22, opt, "mesos.v1.master.Call.DeactivateAgent"},
		{"Call", "reactivate_agent", 23, opt, "mesos.v1.master.Call.ReactivateAgent"},

		{"Call.GetMetrics", "timeout", 1, opt, "mesos.v1.DurationInfo"},
		{"Call.SetLoggingLevel", "level", 1, req, "uint32"},
		{"Call.SetLoggingLevel", "duration", 2, req, "mesos.v1.DurationInfo"},
		{"Call.ListFiles", "path", 1, req, "string"},
		{"Call.ReadFile", "path", 1, req, "string"},
		{"Call.ReadFile", "offset", 2, req, "uint64"},
		{"Call.ReadFile", "length", 3, opt, "uint64"},
		{"Call.UpdateWeights", "weight_infos", 1, rep, "mesos.v1.WeightInfo"},
		{"Call.ReserveResources", "agent_id", 1, req, "mesos.v1.AgentID"},
		{"Call.ReserveResources", "resources", 2, rep, "mesos.v1.Resource"},
		{"Call.ReserveResources", "source", 3, rep, "mesos.v1.Resource"},
		{"Call.UnreserveResources", "agent_id", 1, req, "mesos.v1.AgentID"},
		{"Call.UnreserveResources", "resources", 2, rep, "mesos.v1.Resource"},
		{"Call.CreateVolumes", "agent_id", 1, req, "mesos.v1.AgentID"},
		{"Call.CreateVolumes", "volumes", 2, rep, "mesos.v1.Resource"},
		{"Call.DestroyVolumes", "agent_id", 1, req, "mesos.v1.AgentID"},
		{"Call.DestroyVolumes", "volumes", 2, rep, "mesos.v1.Resource"},
		{"Call.GrowVolume", "agent_id", 1, opt, "mesos.v1.AgentID"},
		{"Call.GrowVolume", "volume", 2, req, "mesos.v1.Resource"},
		{"Call.GrowVolume", "addition", 3, req, "mesos.v1.Resource"},
		{"Call.ShrinkVolume", "agent_id", 1, opt, "mesos.v1.AgentID"},
		{"Call.ShrinkVolume", "volume", 2, req, "mesos.v1.Resource"},
		{"Call.ShrinkVolume", "subtract", 3, req, "mesos.v1.Value.Scalar"},
		{"Call.UpdateMaintenanceSchedule", "schedule", 1, req, "mesos.v1.maintenance.Schedule"},
		{"Call.StartMaintenance", "machines", 1, rep, "mesos.v1.MachineID"},
		{"Call.StopMaintenance", "machines", 1, rep, "mesos.v1.MachineID"},
		{"Call.DrainAgent", "agent_id", 1, req, "mesos.v1.AgentID"},
		{"Call.DrainAgent", "max_grace_period", 2, opt, "google.protobuf.Duration"},
		{"Call.DrainAgent", "mark_gone", 3, opt, "bool"},
		{"Call.DeactivateAgent", "agent_id", 1, req, "mesos.v1.AgentID"},
		{"Call.ReactivateAgent", "agent_id", 1, req, "mesos.v1.AgentID"},
		{"Call.UpdateQuota", "force", 1, opt, "bool"},
		{"Call.UpdateQuota", "quota_configs", 2, rep, "mesos.v1.quota.QuotaConfig"},
		{"Call.SetQuota", "quota_request", 1, req, "mesos.v1.quota.QuotaRequest"},
		{"Call.RemoveQuota", "role", 1, req, "string"},
		{"Call.Teardown", "framework_id", 1, req, "mesos.v1.FrameworkID"},
		{"Call.MarkAgentGone", "agent_id", 1, req, "mesos.v1.AgentID"},
	})
}

func TestResponseFields(t *testing.T) {
	checkFields(t, []fieldFact{
		{"Response", "type", 1, opt, "mesos.v1.master.Response.Type"},
		{"Response", "get_health", 2, opt, "mesos.v1.master.Response.GetHealth"},
		{"Response", "get_flags", 3, opt, "mesos.v1.master.Response.GetFlags"},
		{"Response", "get_version", 4, opt, "mesos.v1.master.Response.GetVersion"},
		{"Response", "get_metrics", 5, opt, "mesos.v1.master.Response.GetMetrics"},
		{"Response", "get_logging_level", 6, opt, "mesos.v1.master.Response.GetLoggingLevel"},
		{"Response", "list_files", 7, opt, "mesos.v1.master.Response.ListFiles"},
		{"Response", "read_file", 8, opt, "mesos.v1.master.Response.ReadFile"},
		{"Response", "get_state", 9, opt, "mesos.v1.master.Response.GetState"},
		{"Response", "get_agents", 10, opt, "mesos.v1.master.Response.GetAgents"},
		{"Response", "get_frameworks", 11, opt, "mesos.v1.master.Response.GetFrameworks"},
		{"Response", "get_executors", 12, opt, "mesos.v1.master.Response.GetExecutors"},
		{"Response", "get_tasks", 13, opt, "mesos.v1.master.Response.GetTasks"},
		{"Response", "get_roles", 14, opt, "mesos.v1.master.Response.GetRoles"},
		{"Response", "get_weights", 15, opt, "mesos.v1.master.Response.GetWeights"},
		{"Response", "get_master", 16, opt, "mesos.v1.master.Response.GetMaster"},
		{"Response", "get_maintenance_status", 17, opt, "mesos.v1.master.Response.GetMaintenanceStatus"},
		{"Response", "get_maintenance_schedule", 18, opt, "mesos.v1.master.Response.GetMaintenanceSchedule"},
		{"Response", "get_quota", 19, opt, "mesos.v1.master.Response.GetQuota"},
		{"Response", "get_operations", 20, opt, "mesos.v1.master.Response.GetOperations"},

		{"Response.GetHealth", "healthy", 1, req, "bool"},
		{"Response.GetFlags", "flags", 1, rep, "mesos.v1.Flag"},
		{"Response.GetVersion", "version_info", 1, req, "mesos.v1.VersionInfo"},
		{"Response.GetMetrics", "metrics", 1, rep, "mesos.v1.Metric"},
		{"Response.GetLoggingLevel", "level", 1, req, "uint32"},
		{"Response.ListFiles", "file_infos", 1, rep, "mesos.v1.FileInfo"},
		{"Response.ReadFile", "size", 1, req, "uint64"},
		{"Response.ReadFile", "data", 2, req, "bytes"},

		// GET_STATE is the call every dashboard and CLI makes first.
		{"Response.GetState", "get_tasks", 1, opt, "mesos.v1.master.Response.GetTasks"},
		{"Response.GetState", "get_executors", 2, opt, "mesos.v1.master.Response.GetExecutors"},
		{"Response.GetState", "get_frameworks", 3, opt, "mesos.v1.master.Response.GetFrameworks"},
		{"Response.GetState", "get_agents", 4, opt, "mesos.v1.master.Response.GetAgents"},

		{"Response.GetAgents", "agents", 1, rep, "mesos.v1.master.Response.GetAgents.Agent"},
		{"Response.GetAgents", "recovered_agents", 2, rep, "mesos.v1.AgentInfo"},
		{"Response.GetAgents.Agent", "agent_info", 1, req, "mesos.v1.AgentInfo"},
		{"Response.GetAgents.Agent", "active", 2, req, "bool"},
		{"Response.GetAgents.Agent", "version", 3, req, "string"},
		{"Response.GetAgents.Agent", "pid", 4, opt, "string"},
		{"Response.GetAgents.Agent", "registered_time", 5, opt, "mesos.v1.TimeInfo"},
		{"Response.GetAgents.Agent", "reregistered_time", 6, opt, "mesos.v1.TimeInfo"},
		{"Response.GetAgents.Agent", "total_resources", 7, rep, "mesos.v1.Resource"},
		{"Response.GetAgents.Agent", "allocated_resources", 8, rep, "mesos.v1.Resource"},
		{"Response.GetAgents.Agent", "offered_resources", 9, rep, "mesos.v1.Resource"},
		{"Response.GetAgents.Agent", "capabilities", 10, rep, "mesos.v1.AgentInfo.Capability"},
		{"Response.GetAgents.Agent", "resource_providers", 11, rep, "mesos.v1.master.Response.GetAgents.Agent.ResourceProvider"},
		{"Response.GetAgents.Agent", "deactivated", 12, opt, "bool"},
		{"Response.GetAgents.Agent", "drain_info", 13, opt, "mesos.v1.DrainInfo"},
		{"Response.GetAgents.Agent", "estimated_drain_start_time", 14, opt, "mesos.v1.TimeInfo"},

		{"Response.GetFrameworks", "frameworks", 1, rep, "mesos.v1.master.Response.GetFrameworks.Framework"},
		{"Response.GetFrameworks", "completed_frameworks", 2, rep, "mesos.v1.master.Response.GetFrameworks.Framework"},
		{"Response.GetFrameworks", "recovered_frameworks", 3, rep, "mesos.v1.FrameworkInfo"},
		{"Response.GetFrameworks.Framework", "framework_info", 1, req, "mesos.v1.FrameworkInfo"},
		{"Response.GetFrameworks.Framework", "active", 2, req, "bool"},
		{"Response.GetFrameworks.Framework", "connected", 3, req, "bool"},
		{"Response.GetFrameworks.Framework", "registered_time", 4, opt, "mesos.v1.TimeInfo"},
		{"Response.GetFrameworks.Framework", "reregistered_time", 5, opt, "mesos.v1.TimeInfo"},
		{"Response.GetFrameworks.Framework", "unregistered_time", 6, opt, "mesos.v1.TimeInfo"},
		{"Response.GetFrameworks.Framework", "offers", 7, rep, "mesos.v1.Offer"},
		{"Response.GetFrameworks.Framework", "inverse_offers", 8, rep, "mesos.v1.InverseOffer"},
		{"Response.GetFrameworks.Framework", "allocated_resources", 9, rep, "mesos.v1.Resource"},
		{"Response.GetFrameworks.Framework", "offered_resources", 10, rep, "mesos.v1.Resource"},
		{"Response.GetFrameworks.Framework", "recovered", 11, req, "bool"},
		{"Response.GetFrameworks.Framework", "offer_constraints", 12, opt, "mesos.v1.scheduler.OfferConstraints"},

		{"Response.GetExecutors", "executors", 1, rep, "mesos.v1.master.Response.GetExecutors.Executor"},
		{"Response.GetExecutors", "orphan_executors", 2, rep, "mesos.v1.master.Response.GetExecutors.Executor"},
		{"Response.GetExecutors.Executor", "executor_info", 1, req, "mesos.v1.ExecutorInfo"},
		{"Response.GetExecutors.Executor", "agent_id", 2, req, "mesos.v1.AgentID"},

		{"Response.GetOperations", "operations", 1, rep, "mesos.v1.Operation"},

		{"Response.GetTasks", "pending_tasks", 1, rep, "mesos.v1.Task"},
		{"Response.GetTasks", "tasks", 2, rep, "mesos.v1.Task"},
		{"Response.GetTasks", "completed_tasks", 3, rep, "mesos.v1.Task"},
		{"Response.GetTasks", "orphan_tasks", 4, rep, "mesos.v1.Task"},
		{"Response.GetTasks", "unreachable_tasks", 5, rep, "mesos.v1.Task"},

		{"Response.GetRoles", "roles", 1, rep, "mesos.v1.Role"},
		{"Response.GetWeights", "weight_infos", 1, rep, "mesos.v1.WeightInfo"},
		{"Response.GetMaster", "master_info", 1, opt, "mesos.v1.MasterInfo"},
		{"Response.GetMaster", "start_time", 2, opt, "double"},
		{"Response.GetMaster", "elected_time", 3, opt, "double"},
		{"Response.GetMaintenanceStatus", "status", 1, req, "mesos.v1.maintenance.ClusterStatus"},
		{"Response.GetMaintenanceSchedule", "schedule", 1, req, "mesos.v1.maintenance.Schedule"},
		{"Response.GetQuota", "status", 1, req, "mesos.v1.quota.QuotaStatus"},
	})
}

func TestEventFields(t *testing.T) {
	checkFields(t, []fieldFact{
		{"Event", "type", 1, opt, "mesos.v1.master.Event.Type"},
		{"Event", "subscribed", 2, opt, "mesos.v1.master.Event.Subscribed"},
		{"Event", "task_added", 3, opt, "mesos.v1.master.Event.TaskAdded"},
		{"Event", "task_updated", 4, opt, "mesos.v1.master.Event.TaskUpdated"},
		{"Event", "agent_added", 5, opt, "mesos.v1.master.Event.AgentAdded"},
		{"Event", "agent_removed", 6, opt, "mesos.v1.master.Event.AgentRemoved"},
		{"Event", "framework_added", 7, opt, "mesos.v1.master.Event.FrameworkAdded"},
		{"Event", "framework_updated", 8, opt, "mesos.v1.master.Event.FrameworkUpdated"},
		{"Event", "framework_removed", 9, opt, "mesos.v1.master.Event.FrameworkRemoved"},

		{"Event.Subscribed", "get_state", 1, opt, "mesos.v1.master.Response.GetState"},
		{"Event.Subscribed", "heartbeat_interval_seconds", 2, opt, "double"},
		{"Event.TaskAdded", "task", 1, req, "mesos.v1.Task"},
		{"Event.TaskUpdated", "framework_id", 1, req, "mesos.v1.FrameworkID"},
		{"Event.TaskUpdated", "status", 2, req, "mesos.v1.TaskStatus"},
		{"Event.TaskUpdated", "state", 3, req, "mesos.v1.TaskState"},
		{"Event.FrameworkAdded", "framework", 1, req, "mesos.v1.master.Response.GetFrameworks.Framework"},
		{"Event.FrameworkUpdated", "framework", 1, req, "mesos.v1.master.Response.GetFrameworks.Framework"},
		{"Event.FrameworkRemoved", "framework_info", 1, req, "mesos.v1.FrameworkInfo"},
		{"Event.AgentAdded", "agent", 1, req, "mesos.v1.master.Response.GetAgents.Agent"},
		{"Event.AgentRemoved", "agent_id", 1, req, "mesos.v1.AgentID"},
	})
}

// Mesos declares an explicit default for DrainAgent.mark_gone, so its JSON
// rendering of an unset field differs from a plain optional bool.
func TestDrainAgentMarkGoneDefault(t *testing.T) {
	fd := (&masterpb.Call_DrainAgent{}).ProtoReflect().Descriptor().Fields().ByName("mark_gone")
	if !fd.HasDefault() || fd.Default().Bool() {
		t.Errorf("Call.DrainAgent.mark_gone: want an explicit default of false, got has=%v value=%v",
			fd.HasDefault(), fd.Default())
	}
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
