package wire

import (
	"errors"
	"fmt"
	"net/http"
)

// Errors of the HTTP envelope. Mesos answers each with its own status code;
// StatusCode maps them so handlers need not know the rules.
var (
	// ErrMethodNotAllowed: the v1 API endpoints accept only POST (405).
	ErrMethodNotAllowed = errors.New("wire: method not allowed; the Mesos v1 API accepts only POST")
	// ErrMissingContentType: the request has no Content-Type header (400).
	ErrMissingContentType = errors.New("wire: missing Content-Type header; expected application/json or application/x-protobuf")
	// ErrUnsupportedMediaType: Content-Type is not exactly one of the two
	// media types (415). Mesos compares the header literally, so even
	// "application/json; charset=utf-8" is refused.
	ErrUnsupportedMediaType = errors.New("wire: unsupported Content-Type; expected exactly application/json or application/x-protobuf")
	// ErrNotAcceptable: Accept allows neither media type (406).
	ErrNotAcceptable = errors.New("wire: Accept header allows neither application/json nor application/x-protobuf")
)

// Errors of message decoding and encoding. All of them mean a bad request
// (400) when they come from decoding a request body.
var (
	// ErrMalformedJSON: the body is not valid JSON text.
	ErrMalformedJSON = errors.New("wire: malformed JSON")
	// ErrTooDeep: the JSON nests objects and arrays deeper than MaxDepth.
	ErrTooDeep = fmt.Errorf("wire: JSON nests deeper than %d levels", MaxDepth)
	// ErrInvalidField: a JSON value does not fit its protobuf field (wrong
	// type, out of range, bad base64, unknown name for a required enum, ...).
	// The error is a *FieldError naming the field.
	ErrInvalidField = errors.New("wire: invalid field value")
	// ErrMissingRequiredField: a required field is unset after decoding, or
	// before encoding. The message names the field's path, for example
	// `wire: missing required field "subscribe.framework_info.user"`.
	ErrMissingRequiredField = errors.New("wire: missing required field")
	// ErrMalformedProtobuf: the body is not a valid protobuf encoding of the
	// expected message.
	ErrMalformedProtobuf = errors.New("wire: malformed protobuf")
)

// errNilMessage is a programming error, not a bad request.
var errNilMessage = errors.New("wire: nil message")

// FieldError reports a value that does not fit its field, with the field's
// path from the top-level message (e.g. "subscribe.framework_info.roles[1]").
// It matches ErrInvalidField with errors.Is.
type FieldError struct {
	// Path of the field from the top-level message; empty for the message
	// itself.
	Path string
	// Problem says what was wrong and what would be right.
	Problem string
}

func (e *FieldError) Error() string {
	if e.Path == "" {
		return "wire: " + e.Problem
	}
	return fmt.Sprintf("wire: field %q: %s", e.Path, e.Problem)
}

// Unwrap makes errors.Is(err, ErrInvalidField) true.
func (e *FieldError) Unwrap() error { return ErrInvalidField }

// StatusCode returns the HTTP status code Mesos answers for err, an error
// returned by this package while handling a request: 405, 400, 415 or 406 for
// the envelope errors, 400 for any decoding error, 200 for nil and 500 for an
// error this package does not know.
func StatusCode(err error) int {
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, ErrMethodNotAllowed):
		return http.StatusMethodNotAllowed
	case errors.Is(err, ErrUnsupportedMediaType):
		return http.StatusUnsupportedMediaType
	case errors.Is(err, ErrNotAcceptable):
		return http.StatusNotAcceptable
	case errors.Is(err, ErrMissingContentType),
		errors.Is(err, ErrMalformedJSON),
		errors.Is(err, ErrTooDeep),
		errors.Is(err, ErrInvalidField),
		errors.Is(err, ErrMissingRequiredField),
		errors.Is(err, ErrMalformedProtobuf):
		return http.StatusBadRequest
	default:
		return http.StatusInternalServerError
	}
}
