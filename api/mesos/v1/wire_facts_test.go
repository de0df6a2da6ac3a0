package mesospb_test

// These tests pin the Mesos 1.11 wire facts agora depends on most. Every
// expected value was taken from Mesos's include/mesos/v1/mesos.proto; if one
// of them fails, mesos.proto has drifted from Mesos and clients will break.
// Fix the .proto, not the table.

import (
	"bytes"
	"strconv"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	mesospb "agora/api/mesos/v1"
)

const (
	optional = protoreflect.Optional
	required = protoreflect.Required
	repeated = protoreflect.Repeated
)

func message(t *testing.T, name string) protoreflect.MessageDescriptor {
	t.Helper()
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName("mesos.v1." + name))
	if err != nil {
		t.Fatalf("message mesos.v1.%s: %v", name, err)
	}
	md, ok := d.(protoreflect.MessageDescriptor)
	if !ok {
		t.Fatalf("mesos.v1.%s is a %T, want a message", name, d)
	}
	return md
}

func field(t *testing.T, msg, name string) protoreflect.FieldDescriptor {
	t.Helper()
	fd := message(t, msg).Fields().ByName(protoreflect.Name(name))
	if fd == nil {
		t.Fatalf("mesos.v1.%s has no field %q", msg, name)
	}
	return fd
}

func enum(t *testing.T, name string) protoreflect.EnumDescriptor {
	t.Helper()
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName("mesos.v1." + name))
	if err != nil {
		t.Fatalf("enum mesos.v1.%s: %v", name, err)
	}
	ed, ok := d.(protoreflect.EnumDescriptor)
	if !ok {
		t.Fatalf("mesos.v1.%s is a %T, want an enum", name, d)
	}
	return ed
}

func TestFileIdentity(t *testing.T) {
	fd := mesospb.File_mesos_v1_mesos_proto
	if got := fd.Path(); got != "mesos/v1/mesos.proto" {
		t.Errorf("path = %q, want mesos/v1/mesos.proto (other protos import it by this path)", got)
	}
	if got := fd.Package(); got != "mesos.v1" {
		t.Errorf("package = %q, want mesos.v1", got)
	}
	if got := fd.Syntax(); got != protoreflect.Proto2 {
		t.Errorf("syntax = %v, want proto2 (defaults and required need it)", got)
	}
}

func TestFieldWireFacts(t *testing.T) {
	// typ is the full name of the message or enum type, or the scalar kind.
	tests := []struct {
		msg, field string
		number     protoreflect.FieldNumber
		card       protoreflect.Cardinality
		typ        string
	}{
		{"Resource", "provider_id", 12, optional, "mesos.v1.ResourceProviderID"},
		{"Resource", "name", 1, required, "string"},
		{"Resource", "type", 2, required, "mesos.v1.Value.Type"},
		{"Resource", "scalar", 3, optional, "mesos.v1.Value.Scalar"},
		{"Resource", "ranges", 4, optional, "mesos.v1.Value.Ranges"},
		{"Resource", "set", 5, optional, "mesos.v1.Value.Set"},
		{"Resource", "role", 6, optional, "string"},
		{"Resource", "allocation_info", 11, optional, "mesos.v1.Resource.AllocationInfo"},
		{"Resource", "reservation", 8, optional, "mesos.v1.Resource.ReservationInfo"},
		{"Resource", "reservations", 13, repeated, "mesos.v1.Resource.ReservationInfo"},
		{"Resource", "disk", 7, optional, "mesos.v1.Resource.DiskInfo"},
		{"Resource", "revocable", 9, optional, "mesos.v1.Resource.RevocableInfo"},
		{"Resource", "shared", 10, optional, "mesos.v1.Resource.SharedInfo"},
		{"Resource.AllocationInfo", "role", 1, optional, "string"},
		{"Resource.ReservationInfo", "type", 4, optional, "mesos.v1.Resource.ReservationInfo.Type"},
		{"Resource.ReservationInfo", "role", 3, optional, "string"},
		{"Resource.ReservationInfo", "principal", 1, optional, "string"},
		{"Resource.ReservationInfo", "labels", 2, optional, "mesos.v1.Labels"},
		{"Resource.DiskInfo", "persistence", 1, optional, "mesos.v1.Resource.DiskInfo.Persistence"},
		{"Resource.DiskInfo", "volume", 2, optional, "mesos.v1.Volume"},
		{"Resource.DiskInfo", "source", 3, optional, "mesos.v1.Resource.DiskInfo.Source"},

		{"Value", "type", 1, required, "mesos.v1.Value.Type"},
		{"Value", "scalar", 2, optional, "mesos.v1.Value.Scalar"},
		{"Value", "ranges", 3, optional, "mesos.v1.Value.Ranges"},
		{"Value", "set", 4, optional, "mesos.v1.Value.Set"},
		{"Value", "text", 5, optional, "mesos.v1.Value.Text"},
		{"Value.Scalar", "value", 1, required, "double"},
		{"Value.Range", "begin", 1, required, "uint64"},
		{"Value.Range", "end", 2, required, "uint64"},
		{"Value.Ranges", "range", 1, repeated, "mesos.v1.Value.Range"},
		{"Value.Set", "item", 1, repeated, "string"},
		// Attribute swaps the numbers of set and text relative to Value.
		{"Attribute", "set", 6, optional, "mesos.v1.Value.Set"},
		{"Attribute", "text", 5, optional, "mesos.v1.Value.Text"},

		{"FrameworkInfo", "user", 1, required, "string"},
		{"FrameworkInfo", "name", 2, required, "string"},
		{"FrameworkInfo", "id", 3, optional, "mesos.v1.FrameworkID"},
		{"FrameworkInfo", "failover_timeout", 4, optional, "double"},
		{"FrameworkInfo", "checkpoint", 5, optional, "bool"},
		{"FrameworkInfo", "role", 6, optional, "string"},
		{"FrameworkInfo", "roles", 12, repeated, "string"},
		{"FrameworkInfo", "hostname", 7, optional, "string"},
		{"FrameworkInfo", "principal", 8, optional, "string"},
		{"FrameworkInfo", "webui_url", 9, optional, "string"},
		{"FrameworkInfo", "capabilities", 10, repeated, "mesos.v1.FrameworkInfo.Capability"},
		{"FrameworkInfo", "labels", 11, optional, "mesos.v1.Labels"},
		{"FrameworkInfo", "offer_filters", 13, repeated, "mesos.v1.FrameworkInfo.OfferFiltersEntry"},
		{"FrameworkInfo.Capability", "type", 1, optional, "mesos.v1.FrameworkInfo.Capability.Type"},

		{"MasterInfo", "id", 1, required, "string"},
		{"MasterInfo", "ip", 2, required, "uint32"},
		{"MasterInfo", "port", 3, required, "uint32"},
		{"MasterInfo", "address", 7, optional, "mesos.v1.Address"},
		{"AgentInfo", "hostname", 1, required, "string"},
		{"AgentInfo", "port", 8, optional, "int32"},
		{"AgentInfo", "resources", 3, repeated, "mesos.v1.Resource"},
		{"AgentInfo", "attributes", 5, repeated, "mesos.v1.Attribute"},
		{"AgentInfo", "id", 6, optional, "mesos.v1.AgentID"},
		{"AgentInfo", "domain", 10, optional, "mesos.v1.DomainInfo"},

		{"Offer", "id", 1, required, "mesos.v1.OfferID"},
		{"Offer", "framework_id", 2, required, "mesos.v1.FrameworkID"},
		{"Offer", "agent_id", 3, required, "mesos.v1.AgentID"},
		{"Offer", "hostname", 4, required, "string"},
		{"Offer", "resources", 5, repeated, "mesos.v1.Resource"},
		{"Offer", "executor_ids", 6, repeated, "mesos.v1.ExecutorID"},
		{"Offer", "attributes", 7, repeated, "mesos.v1.Attribute"},
		{"Offer", "allocation_info", 10, optional, "mesos.v1.Resource.AllocationInfo"},
		{"Offer.Operation", "type", 1, optional, "mesos.v1.Offer.Operation.Type"},
		{"Offer.Operation", "id", 12, optional, "mesos.v1.OperationID"},
		{"Offer.Operation", "launch", 2, optional, "mesos.v1.Offer.Operation.Launch"},
		{"Offer.Operation", "launch_group", 7, optional, "mesos.v1.Offer.Operation.LaunchGroup"},
		{"Offer.Operation", "reserve", 3, optional, "mesos.v1.Offer.Operation.Reserve"},
		{"Offer.Operation", "unreserve", 4, optional, "mesos.v1.Offer.Operation.Unreserve"},
		{"Offer.Operation", "create", 5, optional, "mesos.v1.Offer.Operation.Create"},
		{"Offer.Operation", "destroy", 6, optional, "mesos.v1.Offer.Operation.Destroy"},
		{"Offer.Operation", "grow_volume", 13, optional, "mesos.v1.Offer.Operation.GrowVolume"},
		{"Offer.Operation", "shrink_volume", 14, optional, "mesos.v1.Offer.Operation.ShrinkVolume"},
		{"Offer.Operation", "create_disk", 15, optional, "mesos.v1.Offer.Operation.CreateDisk"},
		{"Offer.Operation", "destroy_disk", 16, optional, "mesos.v1.Offer.Operation.DestroyDisk"},
		{"Offer.Operation.Reserve", "source", 2, repeated, "mesos.v1.Resource"},
		{"Offer.Operation.Reserve", "resources", 1, repeated, "mesos.v1.Resource"},

		{"TaskInfo", "name", 1, required, "string"},
		{"TaskInfo", "task_id", 2, required, "mesos.v1.TaskID"},
		{"TaskInfo", "agent_id", 3, required, "mesos.v1.AgentID"},
		{"TaskInfo", "resources", 4, repeated, "mesos.v1.Resource"},
		{"TaskInfo", "executor", 5, optional, "mesos.v1.ExecutorInfo"},
		{"TaskInfo", "command", 7, optional, "mesos.v1.CommandInfo"},
		{"TaskInfo", "container", 9, optional, "mesos.v1.ContainerInfo"},
		{"TaskInfo", "health_check", 8, optional, "mesos.v1.HealthCheck"},
		{"TaskInfo", "kill_policy", 12, optional, "mesos.v1.KillPolicy"},
		{"TaskInfo", "labels", 10, optional, "mesos.v1.Labels"},
		{"TaskInfo", "discovery", 11, optional, "mesos.v1.DiscoveryInfo"},
		{"Task", "state", 6, required, "mesos.v1.TaskState"},
		{"Task", "statuses", 8, repeated, "mesos.v1.TaskStatus"},
		{"Task", "status_update_state", 9, optional, "mesos.v1.TaskState"},
		{"Task", "status_update_uuid", 10, optional, "bytes"},

		{"TaskStatus", "task_id", 1, required, "mesos.v1.TaskID"},
		{"TaskStatus", "state", 2, required, "mesos.v1.TaskState"},
		{"TaskStatus", "data", 3, optional, "bytes"},
		{"TaskStatus", "message", 4, optional, "string"},
		{"TaskStatus", "agent_id", 5, optional, "mesos.v1.AgentID"},
		{"TaskStatus", "timestamp", 6, optional, "double"},
		{"TaskStatus", "executor_id", 7, optional, "mesos.v1.ExecutorID"},
		{"TaskStatus", "healthy", 8, optional, "bool"},
		{"TaskStatus", "source", 9, optional, "mesos.v1.TaskStatus.Source"},
		{"TaskStatus", "reason", 10, optional, "mesos.v1.TaskStatus.Reason"},
		{"TaskStatus", "uuid", 11, optional, "bytes"},
		{"TaskStatus", "unreachable_time", 14, optional, "mesos.v1.TimeInfo"},

		{"ExecutorInfo", "type", 15, optional, "mesos.v1.ExecutorInfo.Type"},
		{"ExecutorInfo", "executor_id", 1, required, "mesos.v1.ExecutorID"},
		{"ExecutorInfo", "framework_id", 8, optional, "mesos.v1.FrameworkID"},
		{"ExecutorInfo", "command", 7, optional, "mesos.v1.CommandInfo"},
		{"ContainerID", "parent", 2, optional, "mesos.v1.ContainerID"},
		{"UUID", "value", 1, required, "bytes"},
		{"OperationStatus", "state", 2, required, "mesos.v1.OperationState"},
		{"Filters", "refuse_seconds", 1, optional, "double"},
		{"Label", "key", 1, required, "string"},
		{"Label", "value", 2, optional, "string"},
		{"Labels", "labels", 1, repeated, "mesos.v1.Label"},
	}
	for _, tt := range tests {
		fd := field(t, tt.msg, tt.field)
		if fd.Number() != tt.number {
			t.Errorf("%s.%s number = %d, want %d", tt.msg, tt.field, fd.Number(), tt.number)
		}
		if fd.Cardinality() != tt.card {
			t.Errorf("%s.%s label = %v, want %v", tt.msg, tt.field, fd.Cardinality(), tt.card)
		}
		if got := typeOf(fd); got != tt.typ {
			t.Errorf("%s.%s type = %s, want %s", tt.msg, tt.field, got, tt.typ)
		}
	}
	if !field(t, "FrameworkInfo", "offer_filters").IsMap() {
		t.Error("FrameworkInfo.offer_filters is not a map<string, OfferFilters>")
	}
}

func typeOf(fd protoreflect.FieldDescriptor) string {
	switch {
	case fd.Message() != nil:
		return string(fd.Message().FullName())
	case fd.Enum() != nil:
		return string(fd.Enum().FullName())
	default:
		return fd.Kind().String()
	}
}

func TestEnumWireFacts(t *testing.T) {
	type value struct {
		name   string
		number protoreflect.EnumNumber
	}
	tests := []struct {
		enum string
		// complete means the enum has exactly these values: agora switches
		// over them and must learn of any addition.
		complete bool
		values   []value
	}{
		{"TaskState", true, []value{
			{"TASK_STARTING", 0}, {"TASK_RUNNING", 1}, {"TASK_FINISHED", 2},
			{"TASK_FAILED", 3}, {"TASK_KILLED", 4}, {"TASK_LOST", 5},
			{"TASK_STAGING", 6}, {"TASK_ERROR", 7}, {"TASK_KILLING", 8},
			{"TASK_DROPPED", 9}, {"TASK_UNREACHABLE", 10}, {"TASK_GONE", 11},
			{"TASK_GONE_BY_OPERATOR", 12}, {"TASK_UNKNOWN", 13},
		}},
		{"FrameworkInfo.Capability.Type", true, []value{
			{"UNKNOWN", 0}, {"REVOCABLE_RESOURCES", 1}, {"TASK_KILLING_STATE", 2},
			{"GPU_RESOURCES", 3}, {"SHARED_RESOURCES", 4}, {"PARTITION_AWARE", 5},
			{"MULTI_ROLE", 6}, {"RESERVATION_REFINEMENT", 7}, {"REGION_AWARE", 8},
		}},
		{"Offer.Operation.Type", true, []value{
			{"UNKNOWN", 0}, {"LAUNCH", 1}, {"RESERVE", 2}, {"UNRESERVE", 3},
			{"CREATE", 4}, {"DESTROY", 5}, {"LAUNCH_GROUP", 6},
			{"GROW_VOLUME", 11}, {"SHRINK_VOLUME", 12},
			{"CREATE_DISK", 13}, {"DESTROY_DISK", 14},
		}},
		{"TaskStatus.Source", true, []value{
			{"SOURCE_MASTER", 0}, {"SOURCE_AGENT", 1}, {"SOURCE_EXECUTOR", 2},
		}},
		{"TaskStatus.Reason", false, []value{
			{"REASON_COMMAND_EXECUTOR_FAILED", 0},
			{"REASON_EXECUTOR_TERMINATED", 1},
			{"REASON_EXECUTOR_UNREGISTERED", 2},
			{"REASON_FRAMEWORK_REMOVED", 3},
			{"REASON_INVALID_FRAMEWORKID", 5},
			{"REASON_INVALID_OFFERS", 6},
			{"REASON_MASTER_DISCONNECTED", 7},
			{"REASON_CONTAINER_LIMITATION_MEMORY", 8},
			{"REASON_RECONCILIATION", 9},
			{"REASON_AGENT_DISCONNECTED", 10},
			{"REASON_AGENT_REMOVED", 11},
			{"REASON_AGENT_RESTARTED", 12},
			{"REASON_AGENT_UNKNOWN", 13},
			{"REASON_TASK_INVALID", 14},
			{"REASON_TASK_UNAUTHORIZED", 15},
			{"REASON_TASK_UNKNOWN", 16},
			{"REASON_CONTAINER_LAUNCH_FAILED", 21},
			{"REASON_EXECUTOR_REGISTRATION_TIMEOUT", 23},
			{"REASON_EXECUTOR_REREGISTRATION_TIMEOUT", 24},
			{"REASON_TASK_GROUP_INVALID", 25},
			{"REASON_TASK_CHECK_STATUS_UPDATED", 28},
			{"REASON_TASK_HEALTH_CHECK_STATUS_UPDATED", 29},
			{"REASON_TASK_KILLED_DURING_LAUNCH", 30},
			{"REASON_AGENT_REMOVED_BY_OPERATOR", 31},
			{"REASON_AGENT_REREGISTERED", 32},
			{"REASON_AGENT_DRAINING", 34},
		}},
		{"Value.Type", true, []value{
			{"SCALAR", 0}, {"RANGES", 1}, {"SET", 2}, {"TEXT", 3},
		}},
		{"Resource.ReservationInfo.Type", true, []value{
			{"UNKNOWN", 0}, {"STATIC", 1}, {"DYNAMIC", 2},
		}},
		{"OperationState", true, []value{
			{"OPERATION_UNSUPPORTED", 0}, {"OPERATION_PENDING", 1},
			{"OPERATION_FINISHED", 2}, {"OPERATION_FAILED", 3},
			{"OPERATION_ERROR", 4}, {"OPERATION_DROPPED", 5},
			{"OPERATION_UNREACHABLE", 6}, {"OPERATION_GONE_BY_OPERATOR", 7},
			{"OPERATION_RECOVERING", 8}, {"OPERATION_UNKNOWN", 9},
		}},
		{"ExecutorInfo.Type", true, []value{{"UNKNOWN", 0}, {"DEFAULT", 1}, {"CUSTOM", 2}}},
		{"ContainerInfo.Type", true, []value{{"DOCKER", 1}, {"MESOS", 2}}},
		{"DiscoveryInfo.Visibility", true, []value{{"FRAMEWORK", 0}, {"CLUSTER", 1}, {"EXTERNAL", 2}}},
		{"MasterInfo.Capability.Type", true, []value{
			{"UNKNOWN", 0}, {"AGENT_UPDATE", 1}, {"AGENT_DRAINING", 2}, {"QUOTA_V2", 3},
		}},
	}
	for _, tt := range tests {
		ed := enum(t, tt.enum)
		for _, v := range tt.values {
			vd := ed.Values().ByName(protoreflect.Name(v.name))
			if vd == nil {
				t.Errorf("%s has no value %s", tt.enum, v.name)
				continue
			}
			if vd.Number() != v.number {
				t.Errorf("%s.%s = %d, want %d", tt.enum, v.name, vd.Number(), v.number)
			}
		}
		if tt.complete && ed.Values().Len() != len(tt.values) {
			t.Errorf("%s has %d values, want exactly %d", tt.enum, ed.Values().Len(), len(tt.values))
		}
	}
}

// noDefault marks a field that must not declare a default.
const noDefault = "<none>"

func TestDefaultsAndDeprecation(t *testing.T) {
	// Both matter to the JSON codec: a field with a default that is not
	// deprecated is printed even when unset.
	tests := []struct {
		msg, field string
		def        string
		deprecated bool
	}{
		{"Filters", "refuse_seconds", "5", false},
		{"FrameworkInfo", "failover_timeout", "0", false},
		{"FrameworkInfo", "checkpoint", "false", false},
		{"FrameworkInfo", "role", "*", true},
		{"FrameworkInfo", "roles", noDefault, false},
		{"Resource", "role", "*", true},
		{"Resource", "reservations", noDefault, false},
		{"MasterInfo", "port", "5050", false},
		{"AgentInfo", "port", "5051", false},
		{"CommandInfo", "shell", "true", false},
		{"CommandInfo.URI", "extract", "true", false},
		{"CommandInfo.URI", "executable", noDefault, false},
		{"HealthCheck", "delay_seconds", "15", false},
		{"HealthCheck", "interval_seconds", "10", false},
		{"HealthCheck", "timeout_seconds", "20", false},
		{"HealthCheck", "consecutive_failures", "3", false},
		{"HealthCheck", "grace_period_seconds", "10", false},
		{"HealthCheck.HTTPCheckInfo", "protocol", "IPv4", false},
		{"HealthCheck.TCPCheckInfo", "protocol", "IPv4", false},
		{"CheckInfo", "delay_seconds", "15", false},
		{"CheckInfo", "interval_seconds", "10", false},
		{"CheckInfo", "timeout_seconds", "20", false},
		{"Environment.Variable", "type", "VALUE", false},
		{"ExecutorInfo", "source", noDefault, true},
		{"Image", "cached", "true", false},
		{"Image.Docker", "credential", noDefault, true},
		{"ContainerInfo.DockerInfo", "network", "HOST", false},
		{"ContainerInfo.DockerInfo", "privileged", "false", false},
		{"ContainerInfo.DockerInfo", "volume_driver", noDefault, true},
		{"NetworkInfo.IPAddress", "protocol", "IPv4", false},
		{"LinuxInfo", "capability_info", noDefault, true},
		{"LinuxInfo", "share_cgroups", "true", false},
		{"CSIPluginInfo", "name", "default", false},
		{"DrainConfig", "mark_gone", "false", false},
	}
	for _, tt := range tests {
		fd := field(t, tt.msg, tt.field)
		got := noDefault
		if fd.HasDefault() {
			got = formatDefault(fd)
		}
		if got != tt.def {
			t.Errorf("%s.%s default = %s, want %s", tt.msg, tt.field, got, tt.def)
		}
		opts, _ := fd.Options().(*descriptorpb.FieldOptions)
		if dep := opts.GetDeprecated(); dep != tt.deprecated {
			t.Errorf("%s.%s deprecated = %v, want %v", tt.msg, tt.field, dep, tt.deprecated)
		}
	}
}

func formatDefault(fd protoreflect.FieldDescriptor) string {
	v := fd.Default()
	switch fd.Kind() {
	case protoreflect.EnumKind:
		return string(fd.DefaultEnumValue().Name())
	case protoreflect.DoubleKind, protoreflect.FloatKind:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	case protoreflect.StringKind:
		return v.String()
	default:
		return v.String() // bool and integers format as Go literals
	}
}

// The generated getters must return Mesos's defaults for unset fields; agora
// code reads them rather than repeating the numbers.
func TestGeneratedGettersReturnMesosDefaults(t *testing.T) {
	if got := (&mesospb.Filters{}).GetRefuseSeconds(); got != 5 {
		t.Errorf("Filters.refuse_seconds unset = %v, want 5", got)
	}
	if got := (&mesospb.FrameworkInfo{}).GetRole(); got != "*" {
		t.Errorf("FrameworkInfo.role unset = %q, want *", got)
	}
	if got := (&mesospb.FrameworkInfo{}).GetFailoverTimeout(); got != 0 {
		t.Errorf("FrameworkInfo.failover_timeout unset = %v, want 0", got)
	}
	if got := (&mesospb.Resource{}).GetRole(); got != "*" {
		t.Errorf("Resource.role unset = %q, want *", got)
	}
	if got := (&mesospb.MasterInfo{}).GetPort(); got != 5050 {
		t.Errorf("MasterInfo.port unset = %d, want 5050", got)
	}
	if got := (&mesospb.CommandInfo{}).GetShell(); !got {
		t.Error("CommandInfo.shell unset = false, want true")
	}
}

// Golden encodings: bytes a Mesos peer produces for the same messages.
func TestBinaryEncoding(t *testing.T) {
	tests := []struct {
		name string
		msg  proto.Message
		want []byte
	}{
		{
			// task_id (1, bytes) {value (1) "t"}, state (2, varint) TASK_RUNNING=1.
			name: "TaskStatus",
			msg: &mesospb.TaskStatus{
				TaskId: &mesospb.TaskID{Value: proto.String("t")},
				State:  mesospb.TaskState_TASK_RUNNING.Enum(),
			},
			want: []byte{0x0a, 0x03, 0x0a, 0x01, 't', 0x10, 0x01},
		},
		{
			// refuse_seconds (1, fixed64) 1.0.
			name: "Filters",
			msg:  &mesospb.Filters{RefuseSeconds: proto.Float64(1)},
			want: []byte{0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f},
		},
		{
			// roles (12, bytes) "web"; capabilities (10) {type (1) MULTI_ROLE=6}.
			name: "FrameworkInfo",
			msg: &mesospb.FrameworkInfo{
				User:  proto.String("u"),
				Name:  proto.String("n"),
				Roles: []string{"web"},
				Capabilities: []*mesospb.FrameworkInfo_Capability{
					{Type: mesospb.FrameworkInfo_Capability_MULTI_ROLE.Enum()},
				},
			},
			want: []byte{
				0x0a, 0x01, 'u', // user
				0x12, 0x01, 'n', // name
				0x52, 0x02, 0x08, 0x06, // capabilities
				0x62, 0x03, 'w', 'e', 'b', // roles
			},
		},
	}
	for _, tt := range tests {
		got, err := proto.MarshalOptions{Deterministic: true}.Marshal(tt.msg)
		if err != nil {
			t.Fatalf("%s: marshal: %v", tt.name, err)
		}
		if !bytes.Equal(got, tt.want) {
			t.Errorf("%s: encoded % x, want % x", tt.name, got, tt.want)
		}
	}
}
