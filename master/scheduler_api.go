package master

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/resources"
	"agora/wire"
)

// maxCallBytes bounds a request body. Mesos has no explicit bound; an ACCEPT
// launching a few thousand tasks stays well below it.
const maxCallBytes = 64 << 20

// httpError is an error with the status code Mesos answers for it.
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

func httpErrorf(code int, format string, args ...any) *httpError {
	return &httpError{code: code, msg: fmt.Sprintf(format, args...)}
}

// writeError answers err with its Mesos status code and a plain-text message.
func writeError(w http.ResponseWriter, err error) {
	code := http.StatusBadRequest
	var he *httpError
	switch {
	case errors.As(err, &he):
		code = he.code
	case errors.Is(err, ErrStopped):
		code = http.StatusServiceUnavailable
	default:
		if c := wire.StatusCode(err); c != http.StatusInternalServerError {
			code = c
		}
	}
	if code == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", http.MethodPost)
	}
	http.Error(w, err.Error(), code)
}

// readCall decodes a v1 API call (wire.DecodeRequest) and picks the reply's
// codec from Accept.
func readCall(w http.ResponseWriter, r *http.Request, call proto.Message) (reply wire.Codec, err error) {
	if _, err := wire.DecodeRequest(w, r, call, maxCallBytes); err != nil {
		if errors.Is(err, wire.ErrMethodNotAllowed) || errors.Is(err, wire.ErrMissingContentType) || errors.Is(err, wire.ErrUnsupportedMediaType) {
			return 0, err
		}
		return 0, httpErrorf(http.StatusBadRequest, "Failed to parse body into Call: %v", err)
	}
	return wire.ResponseCodec(r.Header.Get("Accept"))
}

// serveScheduler is POST /api/v1/scheduler, the Mesos v1 scheduler API.
func (m *Master) serveScheduler(w http.ResponseWriter, r *http.Request) {
	call := &schedulerpb.Call{}
	codec, err := readCall(w, r, call)
	if err != nil {
		writeError(w, err)
		return
	}
	if err := validateSchedulerCall(call); err != nil {
		writeError(w, httpErrorf(http.StatusBadRequest, "Failed to validate scheduler::Call: %v", err))
		return
	}
	if call.GetType() == schedulerpb.Call_SUBSCRIBE {
		if r.Header.Get("Mesos-Stream-Id") != "" {
			writeError(w, httpErrorf(http.StatusBadRequest, "Subscribe calls should not include the 'Mesos-Stream-Id' header"))
			return
		}
		m.subscribeHTTP(w, r, codec, call.GetSubscribe())
		return
	}
	if call.GetType() == schedulerpb.Call_UNKNOWN {
		writeError(w, httpErrorf(http.StatusNotImplemented, "Received 'UNKNOWN' call"))
		return
	}

	var status int
	var body proto.Message
	var callErr error
	err = m.do(r.Context(), func() {
		fw, err := m.checkFrameworkCall(call.GetFrameworkId().GetValue(), r.Header.Get("Mesos-Stream-Id"))
		if err != nil {
			callErr = err
			return
		}
		status, body, callErr = m.handleSchedulerCall(fw, call)
	})
	if err == nil {
		err = callErr
	}
	if err != nil {
		writeError(w, err)
		return
	}
	if body == nil {
		w.WriteHeader(status)
		return
	}
	b, err := codec.Marshal(body)
	if err != nil {
		writeError(w, httpErrorf(http.StatusInternalServerError, "encode response: %v", err))
		return
	}
	w.Header().Set("Content-Type", codec.MediaType())
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// checkFrameworkCall applies Mesos's checks, in Mesos's order, to a call
// other than SUBSCRIBE: the framework must exist (400), be subscribed (403)
// and the call must carry the stream id of its current subscription (400).
func (m *Master) checkFrameworkCall(frameworkID, streamID string) (*framework, error) {
	fw := m.frameworks[frameworkID]
	if fw == nil {
		return nil, httpErrorf(http.StatusBadRequest, "Framework cannot be found")
	}
	if !fw.connected() {
		return nil, httpErrorf(http.StatusForbidden, "Framework is not subscribed")
	}
	if streamID == "" {
		return nil, httpErrorf(http.StatusBadRequest, "All non-subscribe calls should include the 'Mesos-Stream-Id' header")
	}
	if streamID != fw.stream.ID {
		return nil, httpErrorf(http.StatusBadRequest,
			"The stream ID '%s' included in this request didn't match the stream ID currently associated with framework ID %s",
			streamID, fw.id)
	}
	return fw, nil
}

// handleSchedulerCall runs one call for a subscribed framework, on the
// master's goroutine. It returns the HTTP status and, for the calls that have
// one, the response body.
func (m *Master) handleSchedulerCall(fw *framework, call *schedulerpb.Call) (int, proto.Message, error) {
	if name, ok := schedulerCallCounters[call.GetType()]; ok {
		m.count(name)
	}
	switch call.GetType() {
	case schedulerpb.Call_TEARDOWN:
		m.removeFramework(fw, "framework sent TEARDOWN")
	case schedulerpb.Call_ACCEPT:
		m.accept(fw, call.GetAccept())
	case schedulerpb.Call_DECLINE:
		m.decline(fw, call.GetDecline().GetOfferIds(), call.GetDecline().GetFilters())
	case schedulerpb.Call_ACCEPT_INVERSE_OFFERS, schedulerpb.Call_DECLINE_INVERSE_OFFERS:
		// agora sends no inverse offers yet (no maintenance schedules), so
		// there is nothing to answer; Mesos also ignores unknown ids.
	case schedulerpb.Call_REVIVE:
		m.logAllocErr(m.alloc.Revive(fw.id, call.GetRevive().GetRoles()))
		m.allocPending = true
	case schedulerpb.Call_SUPPRESS:
		m.logAllocErr(m.alloc.Suppress(fw.id, call.GetSuppress().GetRoles()))
	case schedulerpb.Call_KILL:
		m.kill(fw, call.GetKill())
	case schedulerpb.Call_SHUTDOWN:
		m.shutdownExecutor(fw, call.GetShutdown())
	case schedulerpb.Call_ACKNOWLEDGE:
		m.acknowledge(fw, call.GetAcknowledge())
	case schedulerpb.Call_ACKNOWLEDGE_OPERATION_STATUS:
		m.acknowledgeOperationStatus(fw, call.GetAcknowledgeOperationStatus())
	case schedulerpb.Call_RECONCILE:
		m.reconcile(fw, call.GetReconcile())
	case schedulerpb.Call_RECONCILE_OPERATIONS:
		// Mesos 1.11 answers 202 and sends UPDATE_OPERATION_STATUS events.
		m.reconcileOperations(fw, call.GetReconcileOperations())
	case schedulerpb.Call_MESSAGE:
		m.frameworkMessage(fw, call.GetMessage())
	case schedulerpb.Call_REQUEST:
		// Mesos forwards requests to the allocator, which ignores them.
	case schedulerpb.Call_UPDATE_FRAMEWORK:
		if err := m.updateFramework(fw, call.GetUpdateFramework()); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, nil, nil
	}
	return http.StatusAccepted, nil, nil
}

// validateSchedulerCall is Mesos's scheduler call validation: the message
// for the call's type must be present, and ids must agree.
func validateSchedulerCall(call *schedulerpb.Call) error {
	if call.Type == nil {
		return fmt.Errorf("Expecting 'type' to be present")
	}
	t := call.GetType()
	if t == schedulerpb.Call_SUBSCRIBE {
		if call.Subscribe == nil {
			return fmt.Errorf("Expecting 'subscribe' to be present")
		}
		info := call.GetSubscribe().GetFrameworkInfo()
		if call.GetFrameworkId().GetValue() != info.GetId().GetValue() {
			return fmt.Errorf("'framework_id' differs from 'subscribe.framework_info.id'")
		}
		return validateFrameworkInfo(info)
	}
	if call.FrameworkId == nil {
		return fmt.Errorf("Expecting 'framework_id' to be present")
	}
	// Each call type names the field that must be present.
	var present bool
	switch t {
	case schedulerpb.Call_TEARDOWN, schedulerpb.Call_REVIVE, schedulerpb.Call_SUPPRESS, schedulerpb.Call_UNKNOWN:
		return nil
	case schedulerpb.Call_ACCEPT:
		present = call.Accept != nil
	case schedulerpb.Call_DECLINE:
		present = call.Decline != nil
	case schedulerpb.Call_ACCEPT_INVERSE_OFFERS:
		present = call.AcceptInverseOffers != nil
	case schedulerpb.Call_DECLINE_INVERSE_OFFERS:
		present = call.DeclineInverseOffers != nil
	case schedulerpb.Call_KILL:
		present = call.Kill != nil
	case schedulerpb.Call_SHUTDOWN:
		present = call.Shutdown != nil
	case schedulerpb.Call_ACKNOWLEDGE:
		if call.Acknowledge == nil {
			break
		}
		return validUUID(call.GetAcknowledge().GetUuid())
	case schedulerpb.Call_ACKNOWLEDGE_OPERATION_STATUS:
		if call.AcknowledgeOperationStatus == nil {
			break
		}
		if err := validUUID(call.GetAcknowledgeOperationStatus().GetUuid()); err != nil {
			return err
		}
		if call.GetAcknowledgeOperationStatus().AgentId == nil {
			return fmt.Errorf("Expecting 'agent_id' to be present")
		}
		return nil
	case schedulerpb.Call_RECONCILE:
		present = call.Reconcile != nil
	case schedulerpb.Call_RECONCILE_OPERATIONS:
		present = call.ReconcileOperations != nil
	case schedulerpb.Call_MESSAGE:
		present = call.Message != nil
	case schedulerpb.Call_REQUEST:
		present = call.Request != nil
	case schedulerpb.Call_UPDATE_FRAMEWORK:
		if call.UpdateFramework == nil {
			break
		}
		info := call.GetUpdateFramework().GetFrameworkInfo()
		if call.GetFrameworkId().GetValue() != info.GetId().GetValue() {
			return fmt.Errorf("'framework_id' differs from 'update_framework.framework_info.id'")
		}
		return validateFrameworkInfo(info)
	default:
		return fmt.Errorf("unknown call type %d", t)
	}
	if !present {
		return fmt.Errorf("Expecting '%s' to be present", strings.ToLower(t.String()))
	}
	return nil
}

func validUUID(b []byte) error {
	if len(b) != 16 {
		return fmt.Errorf("Not a valid UUID: expected 16 bytes, got %d", len(b))
	}
	return nil
}

// validateFrameworkInfo checks the roles rules of Mesos's framework
// validation: MULTI_ROLE frameworks use `roles`, others the singular `role`,
// no duplicates, every role valid.
func validateFrameworkInfo(info *mesospb.FrameworkInfo) error {
	multiRole := capabilitiesOf(info).multiRole
	if multiRole {
		if info.Role != nil {
			return fmt.Errorf("'FrameworkInfo.role' must not be set when the framework is MULTI_ROLE capable")
		}
		seen := map[string]bool{}
		for _, role := range info.GetRoles() {
			if seen[role] {
				return fmt.Errorf("'FrameworkInfo.roles' contains duplicate items: %s", role)
			}
			seen[role] = true
			if err := resources.ValidateRole(role); err != nil {
				return fmt.Errorf("'FrameworkInfo.roles' contains invalid role: %v", err)
			}
		}
	} else {
		if len(info.GetRoles()) > 0 {
			return fmt.Errorf("'FrameworkInfo.roles' must not be set when the framework is not MULTI_ROLE capable")
		}
		if err := resources.ValidateRole(info.GetRole()); err != nil {
			return fmt.Errorf("'FrameworkInfo.role' is not a valid role: %v", err)
		}
	}
	if id := info.GetId().GetValue(); id != "" {
		if err := validateID(id); err != nil {
			return fmt.Errorf("'FrameworkInfo.id' is invalid: %v", err)
		}
	}
	return nil
}

// rolesOf returns the roles a framework subscribes with: `roles` for
// MULTI_ROLE frameworks, else the singular `role` (default "*").
func rolesOf(info *mesospb.FrameworkInfo) []string {
	if capabilitiesOf(info).multiRole {
		return append([]string(nil), info.GetRoles()...)
	}
	return []string{info.GetRole()}
}

// validateID is Mesos's common ID validation: non-empty, no '/' or NUL,
// not "." or "..", printable characters only.
func validateID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("ID must not be empty")
	case len(id) > 255:
		return fmt.Errorf("ID must not be longer than 255 characters")
	case id == "." || id == "..":
		return fmt.Errorf("'.' and '..' are disallowed for ID")
	case strings.ContainsAny(id, "/\x00"):
		return fmt.Errorf("'/' and '\\0' are disallowed for ID")
	}
	for _, r := range id {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("ID contains non-printable characters")
		}
	}
	return nil
}
