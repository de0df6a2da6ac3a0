package schedulerpb_test

// These tables pin the wire identity of the scheduler API to Apache Mesos
// 1.11 (include/mesos/v1/scheduler/scheduler.proto). Schedulers written
// against Mesos (mesos-go, the Java and C++ drivers, Marathon) encode these
// numbers; changing one silently breaks them, so each fact is asserted here
// through the generated descriptors rather than trusted to review.

import (
	"sort"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	_ "agora/api/mesos/v1/scheduler"
)

const pkg = "mesos.v1.scheduler"

const (
	opt = protoreflect.Optional
	req = protoreflect.Required
	rep = protoreflect.Repeated
)

func TestCallTypeNumbers(t *testing.T) {
	checkEnum(t, "Call.Type", map[string]protoreflect.EnumNumber{
		"UNKNOWN":                      0,
		"SUBSCRIBE":                    1,
		"TEARDOWN":                     2,
		"ACCEPT":                       3,
		"DECLINE":                      4,
		"REVIVE":                       5,
		"KILL":                         6,
		"SHUTDOWN":                     7,
		"ACKNOWLEDGE":                  8,
		"RECONCILE":                    9,
		"MESSAGE":                      10,
		"REQUEST":                      11,
		"SUPPRESS":                     12,
		"ACCEPT_INVERSE_OFFERS":        13,
		"DECLINE_INVERSE_OFFERS":       14,
		"ACKNOWLEDGE_OPERATION_STATUS": 15,
		"RECONCILE_OPERATIONS":         16,
		"UPDATE_FRAMEWORK":             17,
	})
}

func TestEventTypeNumbers(t *testing.T) {
	checkEnum(t, "Event.Type", map[string]protoreflect.EnumNumber{
		"UNKNOWN":                 0,
		"SUBSCRIBED":              1,
		"OFFERS":                  2,
		"RESCIND":                 3,
		"UPDATE":                  4,
		"MESSAGE":                 5,
		"FAILURE":                 6,
		"ERROR":                   7,
		"HEARTBEAT":               8,
		"INVERSE_OFFERS":          9,
		"RESCIND_INVERSE_OFFER":   10,
		"UPDATE_OPERATION_STATUS": 11,
	})
}

func TestResponseTypeNumbers(t *testing.T) {
	checkEnum(t, "Response.Type", map[string]protoreflect.EnumNumber{
		"UNKNOWN":              0,
		"RECONCILE_OPERATIONS": 1,
	})
}

func TestCallFields(t *testing.T) {
	checkFields(t, []fieldFact{
		{"Call", "framework_id", 1, opt, "mesos.v1.FrameworkID"},
		{"Call", "type", 2, opt, "mesos.v1.scheduler.Call.Type"},
		{"Call", "subscribe", 3, opt, "mesos.v1.scheduler.Call.Subscribe"},
		{"Call", "accept", 4, opt, "mesos.v1.scheduler.Call.Accept"},
		{"Call", "decline", 5, opt, "mesos.v1.scheduler.Call.Decline"},
		{"Call", "kill", 6, opt, "mesos.v1.scheduler.Call.Kill"},
		{"Call", "shutdown", 7, opt, "mesos.v1.scheduler.Call.Shutdown"},
		{"Call", "acknowledge", 8, opt, "mesos.v1.scheduler.Call.Acknowledge"},
		{"Call", "reconcile", 9, opt, "mesos.v1.scheduler.Call.Reconcile"},
		{"Call", "message", 10, opt, "mesos.v1.scheduler.Call.Message"},
		{"Call", "request", 11, opt, "mesos.v1.scheduler.Call.Request"},
		{"Call", "accept_inverse_offers", 13, opt, "mesos.v1.scheduler.Call.AcceptInverseOffers"},
		{"Call", "decline_inverse_offers", 14, opt, "mesos.v1.scheduler.Call.DeclineInverseOffers"},
		{"Call", "revive", 15, opt, "mesos.v1.scheduler.Call.Revive"},
		{"Call", "suppress", 16, opt, "mesos.v1.scheduler.Call.Suppress"},
		{"Call", "acknowledge_operation_status", 17, opt, "mesos.v1.scheduler.Call.AcknowledgeOperationStatus"},
		{"Call", "reconcile_operations", 18, opt, "mesos.v1.scheduler.Call.ReconcileOperations"},
		{"Call", "update_framework", 19, opt, "mesos.v1.scheduler.Call.UpdateFramework"},

		{"Call.Subscribe", "framework_info", 1, req, "mesos.v1.FrameworkInfo"},
		{"Call.Subscribe", "suppressed_roles", 2, rep, "string"},
		{"Call.Subscribe", "offer_constraints", 3, opt, "mesos.v1.scheduler.OfferConstraints"},

		{"Call.Accept", "offer_ids", 1, rep, "mesos.v1.OfferID"},
		{"Call.Accept", "operations", 2, rep, "mesos.v1.Offer.Operation"},
		{"Call.Accept", "filters", 3, opt, "mesos.v1.Filters"},

		{"Call.Decline", "offer_ids", 1, rep, "mesos.v1.OfferID"},
		{"Call.Decline", "filters", 2, opt, "mesos.v1.Filters"},

		{"Call.AcceptInverseOffers", "inverse_offer_ids", 1, rep, "mesos.v1.OfferID"},
		{"Call.AcceptInverseOffers", "filters", 2, opt, "mesos.v1.Filters"},
		{"Call.DeclineInverseOffers", "inverse_offer_ids", 1, rep, "mesos.v1.OfferID"},
		{"Call.DeclineInverseOffers", "filters", 2, opt, "mesos.v1.Filters"},

		{"Call.Revive", "roles", 1, rep, "string"},
		{"Call.Suppress", "roles", 1, rep, "string"},

		{"Call.Kill", "task_id", 1, req, "mesos.v1.TaskID"},
		{"Call.Kill", "agent_id", 2, opt, "mesos.v1.AgentID"},
		{"Call.Kill", "kill_policy", 3, opt, "mesos.v1.KillPolicy"},

		{"Call.Shutdown", "executor_id", 1, req, "mesos.v1.ExecutorID"},
		{"Call.Shutdown", "agent_id", 2, req, "mesos.v1.AgentID"},

		{"Call.Acknowledge", "agent_id", 1, req, "mesos.v1.AgentID"},
		{"Call.Acknowledge", "task_id", 2, req, "mesos.v1.TaskID"},
		{"Call.Acknowledge", "uuid", 3, req, "bytes"},

		{"Call.AcknowledgeOperationStatus", "agent_id", 1, opt, "mesos.v1.AgentID"},
		{"Call.AcknowledgeOperationStatus", "resource_provider_id", 2, opt, "mesos.v1.ResourceProviderID"},
		{"Call.AcknowledgeOperationStatus", "uuid", 3, req, "bytes"},
		{"Call.AcknowledgeOperationStatus", "operation_id", 4, req, "mesos.v1.OperationID"},

		{"Call.Reconcile", "tasks", 1, rep, "mesos.v1.scheduler.Call.Reconcile.Task"},
		{"Call.Reconcile.Task", "task_id", 1, req, "mesos.v1.TaskID"},
		{"Call.Reconcile.Task", "agent_id", 2, opt, "mesos.v1.AgentID"},

		{"Call.ReconcileOperations", "operations", 1, rep, "mesos.v1.scheduler.Call.ReconcileOperations.Operation"},
		{"Call.ReconcileOperations.Operation", "operation_id", 1, req, "mesos.v1.OperationID"},
		{"Call.ReconcileOperations.Operation", "agent_id", 2, opt, "mesos.v1.AgentID"},
		{"Call.ReconcileOperations.Operation", "resource_provider_id", 3, opt, "mesos.v1.ResourceProviderID"},

		{"Call.Message", "agent_id", 1, req, "mesos.v1.AgentID"},
		{"Call.Message", "executor_id", 2, req, "mesos.v1.ExecutorID"},
		{"Call.Message", "data", 3, req, "bytes"},

		{"Call.Request", "requests", 1, rep, "mesos.v1.Request"},

		{"Call.UpdateFramework", "framework_info", 1, req, "mesos.v1.FrameworkInfo"},
		{"Call.UpdateFramework", "suppressed_roles", 2, rep, "string"},
		{"Call.UpdateFramework", "offer_constraints", 3, opt, "mesos.v1.scheduler.OfferConstraints"},
	})
}

func TestEventFields(t *testing.T) {
	checkFields(t, []fieldFact{
		{"Event", "type", 1, opt, "mesos.v1.scheduler.Event.Type"},
		{"Event", "subscribed", 2, opt, "mesos.v1.scheduler.Event.Subscribed"},
		{"Event", "offers", 3, opt, "mesos.v1.scheduler.Event.Offers"},
		{"Event", "rescind", 4, opt, "mesos.v1.scheduler.Event.Rescind"},
		{"Event", "update", 5, opt, "mesos.v1.scheduler.Event.Update"},
		{"Event", "message", 6, opt, "mesos.v1.scheduler.Event.Message"},
		{"Event", "failure", 7, opt, "mesos.v1.scheduler.Event.Failure"},
		{"Event", "error", 8, opt, "mesos.v1.scheduler.Event.Error"},
		{"Event", "inverse_offers", 9, opt, "mesos.v1.scheduler.Event.InverseOffers"},
		{"Event", "rescind_inverse_offer", 10, opt, "mesos.v1.scheduler.Event.RescindInverseOffer"},
		{"Event", "update_operation_status", 11, opt, "mesos.v1.scheduler.Event.UpdateOperationStatus"},

		{"Event.Subscribed", "framework_id", 1, req, "mesos.v1.FrameworkID"},
		{"Event.Subscribed", "heartbeat_interval_seconds", 2, opt, "double"},
		{"Event.Subscribed", "master_info", 3, opt, "mesos.v1.MasterInfo"},

		{"Event.Offers", "offers", 1, rep, "mesos.v1.Offer"},
		{"Event.InverseOffers", "inverse_offers", 1, rep, "mesos.v1.InverseOffer"},
		{"Event.Rescind", "offer_id", 1, req, "mesos.v1.OfferID"},
		{"Event.RescindInverseOffer", "inverse_offer_id", 1, req, "mesos.v1.OfferID"},
		{"Event.Update", "status", 1, req, "mesos.v1.TaskStatus"},
		{"Event.UpdateOperationStatus", "status", 1, req, "mesos.v1.OperationStatus"},

		{"Event.Message", "agent_id", 1, req, "mesos.v1.AgentID"},
		{"Event.Message", "executor_id", 2, req, "mesos.v1.ExecutorID"},
		{"Event.Message", "data", 3, req, "bytes"},

		{"Event.Failure", "agent_id", 1, opt, "mesos.v1.AgentID"},
		{"Event.Failure", "executor_id", 2, opt, "mesos.v1.ExecutorID"},
		{"Event.Failure", "status", 3, opt, "int32"},

		{"Event.Error", "message", 1, req, "string"},
	})
}

func TestResponseFields(t *testing.T) {
	checkFields(t, []fieldFact{
		{"Response", "type", 1, opt, "mesos.v1.scheduler.Response.Type"},
		{"Response", "reconcile_operations", 2, opt, "mesos.v1.scheduler.Response.ReconcileOperations"},
		{"Response.ReconcileOperations", "operation_statuses", 1, rep, "mesos.v1.OperationStatus"},
	})
}

func TestOfferConstraintFields(t *testing.T) {
	checkFields(t, []fieldFact{
		{"OfferConstraints", "role_constraints", 1, rep, "mesos.v1.scheduler.OfferConstraints.RoleConstraintsEntry"},
		{"OfferConstraints.RoleConstraints", "groups", 1, rep, "mesos.v1.scheduler.OfferConstraints.RoleConstraints.Group"},
		{"OfferConstraints.RoleConstraints.Group", "attribute_constraints", 1, rep, "mesos.v1.scheduler.AttributeConstraint"},

		{"AttributeConstraint", "selector", 1, req, "mesos.v1.scheduler.AttributeConstraint.Selector"},
		{"AttributeConstraint", "predicate", 2, req, "mesos.v1.scheduler.AttributeConstraint.Predicate"},
		{"AttributeConstraint.Selector", "pseudoattribute_type", 1, opt, "mesos.v1.scheduler.AttributeConstraint.Selector.PseudoattributeType"},
		{"AttributeConstraint.Selector", "attribute_name", 2, opt, "string"},
		{"AttributeConstraint.Predicate", "exists", 1, opt, "mesos.v1.scheduler.AttributeConstraint.Predicate.Exists"},
		{"AttributeConstraint.Predicate", "not_exists", 2, opt, "mesos.v1.scheduler.AttributeConstraint.Predicate.NotExists"},
		{"AttributeConstraint.Predicate", "text_equals", 3, opt, "mesos.v1.scheduler.AttributeConstraint.Predicate.TextEquals"},
		{"AttributeConstraint.Predicate", "text_not_equals", 4, opt, "mesos.v1.scheduler.AttributeConstraint.Predicate.TextNotEquals"},
		{"AttributeConstraint.Predicate", "text_matches", 5, opt, "mesos.v1.scheduler.AttributeConstraint.Predicate.TextMatches"},
		{"AttributeConstraint.Predicate", "text_not_matches", 6, opt, "mesos.v1.scheduler.AttributeConstraint.Predicate.TextNotMatches"},
		{"AttributeConstraint.Predicate.TextEquals", "value", 1, req, "string"},
		{"AttributeConstraint.Predicate.TextNotEquals", "value", 1, req, "string"},
		{"AttributeConstraint.Predicate.TextMatches", "regex", 1, req, "string"},
		{"AttributeConstraint.Predicate.TextNotMatches", "regex", 1, req, "string"},
	})
	checkEnum(t, "AttributeConstraint.Selector.PseudoattributeType", map[string]protoreflect.EnumNumber{
		"UNKNOWN":  0,
		"HOSTNAME": 1,
		"REGION":   2,
		"ZONE":     3,
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
