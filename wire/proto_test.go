package wire_test

import (
	"bytes"
	"errors"
	"testing"

	"google.golang.org/protobuf/proto"

	"agora/wire"
	"agora/wire/internal/testpb"
)

func TestProtoRoundTripKeepsEveryField(t *testing.T) {
	want := full()
	data, err := wire.MarshalProto(want)
	if err != nil {
		t.Fatal(err)
	}
	got := &testpb.Sample{}
	if err := wire.UnmarshalProto(data, got); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(got, want) {
		t.Fatalf("round trip gave %v, want %v", got, want)
	}
}

func TestMarshalProtoIsDeterministic(t *testing.T) {
	msg := &testpb.Sample{Labels: map[string]string{}}
	for _, k := range []string{"q", "w", "e", "r", "t", "y", "u", "i", "o", "p"} {
		msg.Labels[k] = k
	}
	first, _ := wire.MarshalProto(msg)
	for range 20 {
		again, _ := wire.MarshalProto(msg)
		if !bytes.Equal(first, again) {
			t.Fatalf("encodings differ: %x and %x", first, again)
		}
	}
}

func TestMarshalProtoRefusesMissingRequiredFields(t *testing.T) {
	_, err := wire.MarshalProto(&testpb.Sample{Inners: []*testpb.Inner{{Value: proto.String("a")}, {}}})
	if !errors.Is(err, wire.ErrMissingRequiredField) || err.Error() != `wire: missing required field "inners[1].value"` {
		t.Fatalf("err = %v", err)
	}
}

func TestUnmarshalProtoChecksRequiredFields(t *testing.T) {
	partial, err := proto.MarshalOptions{AllowPartial: true}.Marshal(&testpb.Strict{Inner: &testpb.Inner{}})
	if err != nil {
		t.Fatal(err)
	}
	err = wire.UnmarshalProto(partial, &testpb.Strict{})
	if !errors.Is(err, wire.ErrMissingRequiredField) || err.Error() != `wire: missing required field "kind"` {
		t.Fatalf("err = %v", err)
	}
}

func TestUnmarshalProtoRefusesMalformedInput(t *testing.T) {
	for _, data := range [][]byte{
		{0xff},                   // field 31, wire type 7: no such wire type
		{0x0a, 0x05, 'a'},        // string field longer than the input
		{0x20, 0xff, 0xff, 0xff}, // truncated varint
	} {
		err := wire.UnmarshalProto(data, &testpb.Sample{})
		if !errors.Is(err, wire.ErrMalformedProtobuf) {
			t.Errorf("UnmarshalProto(%x) = %v, want ErrMalformedProtobuf", data, err)
		}
	}
}

func TestUnmarshalProtoKeepsUnknownFields(t *testing.T) {
	// Field 99, varint 1: unknown to Inner, kept and written back.
	data := []byte{0x0a, 0x01, 'v', 0x98, 0x06, 0x01}
	msg := &testpb.Inner{}
	if err := wire.UnmarshalProto(data, msg); err != nil {
		t.Fatal(err)
	}
	back, err := wire.MarshalProto(msg)
	if err != nil || !bytes.Equal(back, data) {
		t.Fatalf("re-encoded as %x, %v; want %x", back, err, data)
	}
}
