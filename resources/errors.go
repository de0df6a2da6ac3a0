package resources

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error the package returns wraps at least one of
// them (a bad role inside a resource is both ErrInvalidResource and
// ErrInvalidRole; a JSON flag that fails to decode also wraps the wire
// package's error), so callers can tell a bad flag from a bad wire message
// with errors.Is while the message itself names the offending token or
// resource.
var (
	// ErrInvalidResource: a resource (from a flag, the wire or code) breaks
	// Mesos's validation rules (Resources::validate and the flag grammar).
	ErrInvalidResource = errors.New("resources: invalid resource")

	// ErrInvalidAttribute: an attribute breaks the --attributes grammar or
	// the wire rules for Attribute.
	ErrInvalidAttribute = errors.New("resources: invalid attribute")

	// ErrInvalidRole: a role name breaks Mesos's role rules (docs/roles.md).
	ErrInvalidRole = errors.New("resources: invalid role")

	// ErrNotContained: SubtractContained or PopReservation was asked to
	// remove something the collection does not hold.
	ErrNotContained = errors.New("resources: not contained")

	// ErrNotRepresentable: the resources cannot be written in the requested
	// wire format (refined reservations for a framework without
	// RESERVATION_REFINEMENT).
	ErrNotRepresentable = errors.New("resources: not representable in this format")
)

// packageError carries a complete, user-facing message and the sentinels it
// belongs to (a bad role inside a resource is both ErrInvalidResource and
// ErrInvalidRole). The message does not repeat the sentinel's text: it says
// what was wrong ("cpus:abc": not a number, range or set) rather than
// "invalid resource: ...".
type packageError struct {
	msg   string
	kinds []error
}

func (e *packageError) Error() string   { return e.msg }
func (e *packageError) Unwrap() []error { return e.kinds }

func errorf(kind error, format string, args ...any) error {
	return &packageError{msg: "resources: " + fmt.Sprintf(format, args...), kinds: []error{kind}}
}

// roleErrorf is errorf for a resource whose role is bad.
func roleErrorf(format string, args ...any) error {
	return &packageError{
		msg:   "resources: " + fmt.Sprintf(format, args...),
		kinds: []error{ErrInvalidResource, ErrInvalidRole},
	}
}
