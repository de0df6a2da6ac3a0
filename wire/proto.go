package wire

import (
	"fmt"

	"google.golang.org/protobuf/proto"
)

// MarshalProto encodes m in the protobuf binary encoding. Map entries are
// written in key order so that equal messages encode to equal bytes. A
// message with an unset required field is not encoded: the error matches
// ErrMissingRequiredField and names the field's path.
func MarshalProto(m proto.Message) ([]byte, error) {
	if m == nil {
		return nil, errNilMessage
	}
	if err := checkRequired(m); err != nil {
		return nil, err
	}
	b, err := proto.MarshalOptions{AllowPartial: true, Deterministic: true}.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("wire: encoding %s: %w", m.ProtoReflect().Descriptor().FullName(), err)
	}
	return b, nil
}

// UnmarshalProto decodes the protobuf binary encoding into m, replacing its
// contents. Unknown fields are kept. Errors match ErrMalformedProtobuf, or
// ErrMissingRequiredField naming the path of an unset required field.
func UnmarshalProto(data []byte, m proto.Message) error {
	if m == nil || !m.ProtoReflect().IsValid() {
		return errNilMessage
	}
	if err := (proto.UnmarshalOptions{AllowPartial: true}).Unmarshal(data, m); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformedProtobuf, err)
	}
	return checkRequired(m)
}
