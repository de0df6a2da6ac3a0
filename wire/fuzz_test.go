package wire_test

import (
	"encoding/json"
	"testing"

	"google.golang.org/protobuf/proto"

	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/wire"
)

// FuzzUnmarshalJSON decodes arbitrary bytes as a scheduler Call, the body
// every framework sends. Decoding must never panic; whatever decodes must
// encode to valid ASCII JSON that decodes again to an equal message, and
// survive a protobuf round trip. The JSON check compares encodings, not
// messages: decoding sets the defaults the encoder printed and rounds
// doubles to the 15 digits Mesos prints. Seeds:
// testdata/fuzz/FuzzUnmarshalJSON.
func FuzzUnmarshalJSON(f *testing.F) {
	f.Add([]byte(`{"type":"REVIVE","framework_id":{"value":"f"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		first := &schedulerpb.Call{}
		if err := wire.UnmarshalJSON(data, first); err != nil {
			if wire.StatusCode(err) != 400 {
				t.Fatalf("decode error %v does not map to 400", err)
			}
			return
		}

		encoded, err := wire.MarshalJSON(first)
		if err != nil {
			t.Fatalf("decoded %q but cannot encode it: %v", data, err)
		}
		if !json.Valid(encoded) {
			t.Fatalf("encoded %q as invalid JSON %q", data, encoded)
		}
		for i, c := range encoded {
			if c >= 0x80 {
				t.Fatalf("non-ASCII byte %#x at %d of %q", c, i, encoded)
			}
		}

		second := &schedulerpb.Call{}
		if err := wire.UnmarshalJSON(encoded, second); err != nil {
			t.Fatalf("cannot decode our own encoding %q: %v", encoded, err)
		}
		again, err := wire.MarshalJSON(second)
		if err != nil || string(again) != string(encoded) {
			t.Fatalf("encoding changed on a round trip:\n%s\n%s (%v)", encoded, again, err)
		}
		third := &schedulerpb.Call{}
		if err := wire.UnmarshalJSON(again, third); err != nil || !proto.Equal(second, third) {
			t.Fatalf("decoding %q twice gave different messages (%v)", again, err)
		}

		binary, err := wire.MarshalProto(first)
		if err != nil {
			t.Fatalf("cannot encode %q as protobuf: %v", data, err)
		}
		fromBinary := &schedulerpb.Call{}
		if err := wire.UnmarshalProto(binary, fromBinary); err != nil || !proto.Equal(first, fromBinary) {
			t.Fatalf("protobuf round trip of %q failed (%v)", data, err)
		}
	})
}
