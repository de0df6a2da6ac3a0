package wire_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"google.golang.org/protobuf/proto"

	"agora/wire"
	"agora/wire/internal/testpb"
)

func TestRequestCodecComparesContentTypeLiterally(t *testing.T) {
	tests := []struct {
		contentType string
		want        wire.Codec
		status      int
	}{
		{contentType: "application/json", want: wire.JSON, status: http.StatusOK},
		{contentType: "application/x-protobuf", want: wire.Protobuf, status: http.StatusOK},
		{contentType: "", status: http.StatusBadRequest},
		{contentType: "application/json; charset=utf-8", status: http.StatusUnsupportedMediaType},
		{contentType: "application/json;charset=utf-8", status: http.StatusUnsupportedMediaType},
		{contentType: "Application/JSON", status: http.StatusUnsupportedMediaType},
		{contentType: " application/json", status: http.StatusUnsupportedMediaType},
		{contentType: "application/protobuf", status: http.StatusUnsupportedMediaType},
		{contentType: "application/recordio", status: http.StatusUnsupportedMediaType},
		{contentType: "text/plain", status: http.StatusUnsupportedMediaType},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.contentType), func(t *testing.T) {
			got, err := wire.RequestCodec(tt.contentType)
			if got != tt.want || wire.StatusCode(err) != tt.status {
				t.Fatalf("RequestCodec = %v, %v (status %d); want %v, status %d", got, err, wire.StatusCode(err), tt.want, tt.status)
			}
		})
	}
}

func TestRequestCodecErrorsSayWhatIsExpected(t *testing.T) {
	_, missing := wire.RequestCodec("")
	_, other := wire.RequestCodec("text/plain")
	if !errors.Is(missing, wire.ErrMissingContentType) || !errors.Is(other, wire.ErrUnsupportedMediaType) {
		t.Fatalf("errors = %v, %v", missing, other)
	}
	want := `wire: unsupported Content-Type; expected exactly application/json or application/x-protobuf (got "text/plain")`
	if other.Error() != want {
		t.Fatalf("error = %q, want %q", other, want)
	}
}

func TestResponseCodecPrefersJSONWhenAccepted(t *testing.T) {
	const notAcceptable = wire.Codec(0)
	tests := []struct {
		accept string
		want   wire.Codec
	}{
		{accept: "", want: wire.JSON},
		{accept: "  ", want: wire.JSON},
		{accept: "application/json", want: wire.JSON},
		{accept: "application/x-protobuf", want: wire.Protobuf},
		{accept: "*/*", want: wire.JSON},
		{accept: "application/*", want: wire.JSON},
		{accept: "APPLICATION/JSON", want: wire.JSON},
		{accept: "application/x-protobuf, application/json", want: wire.JSON},
		{accept: "application/x-protobuf;q=1.0, application/json;q=0.1", want: wire.JSON},
		{accept: "application/json ; q=0.5", want: wire.JSON},
		{accept: "application/json;level=1", want: wire.JSON},
		{accept: "text/html, application/json", want: wire.JSON},
		{accept: "application/json;q=0, application/x-protobuf", want: wire.Protobuf},
		{accept: "application/json;q=0.0, */*", want: wire.Protobuf},
		{accept: "application/*;q=0, application/x-protobuf", want: wire.Protobuf},
		{accept: "application/x-protobuf, application/json;q=0, application/json", want: wire.Protobuf},
		{accept: "*/*;q=0, application/x-protobuf", want: wire.Protobuf},
		{accept: "application/json;q=0", want: notAcceptable},
		{accept: "application/json;q=abc", want: notAcceptable},
		{accept: "application/json;q=0;q=0", want: wire.JSON}, // two q values: Mesos ignores both
		{accept: "*/*;q=0", want: notAcceptable},
		{accept: "application/*;q=0", want: notAcceptable},
		{accept: "text/html", want: notAcceptable},
		{accept: "text/*", want: notAcceptable},
		{accept: "application/recordio", want: notAcceptable},
		{accept: "application", want: notAcceptable},
		{accept: ",;", want: notAcceptable},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.accept), func(t *testing.T) {
			got, err := wire.ResponseCodec(tt.accept)
			if got != tt.want {
				t.Fatalf("ResponseCodec = %v, %v; want %v", got, err, tt.want)
			}
			if tt.want == notAcceptable && (!errors.Is(err, wire.ErrNotAcceptable) || wire.StatusCode(err) != http.StatusNotAcceptable) {
				t.Fatalf("err = %v (status %d), want ErrNotAcceptable (406)", err, wire.StatusCode(err))
			}
			if tt.want != notAcceptable && err != nil {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestCheckMethodAllowsOnlyPOST(t *testing.T) {
	for _, method := range []string{"GET", "PUT", "DELETE", "post", ""} {
		if err := wire.CheckMethod(method); wire.StatusCode(err) != http.StatusMethodNotAllowed {
			t.Errorf("CheckMethod(%q) = %v, want a 405 error", method, err)
		}
	}
	if err := wire.CheckMethod("POST"); err != nil {
		t.Errorf("CheckMethod(POST) = %v", err)
	}
}

func TestStatusCodeMapsErrorsLikeMesos(t *testing.T) {
	decodeErr := wire.UnmarshalJSON([]byte(`{"name":1}`), &testpb.Sample{})
	missingErr := wire.UnmarshalJSON([]byte(`{}`), &testpb.Strict{})
	protoErr := wire.UnmarshalProto([]byte{0xff}, &testpb.Sample{})
	tests := []struct {
		err  error
		want int
	}{
		{err: nil, want: http.StatusOK},
		{err: wire.ErrMethodNotAllowed, want: http.StatusMethodNotAllowed},
		{err: wire.ErrMissingContentType, want: http.StatusBadRequest},
		{err: wire.ErrUnsupportedMediaType, want: http.StatusUnsupportedMediaType},
		{err: wire.ErrNotAcceptable, want: http.StatusNotAcceptable},
		{err: fmt.Errorf("scheduler: %w", wire.ErrNotAcceptable), want: http.StatusNotAcceptable},
		{err: decodeErr, want: http.StatusBadRequest},
		{err: missingErr, want: http.StatusBadRequest},
		{err: protoErr, want: http.StatusBadRequest},
		{err: errors.New("disk full"), want: http.StatusInternalServerError},
	}
	for _, tt := range tests {
		if got := wire.StatusCode(tt.err); got != tt.want {
			t.Errorf("StatusCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

func TestCodecsEncodeWithTheirMediaType(t *testing.T) {
	msg := &testpb.Inner{Value: proto.String("v"), Count: proto.Int32(1)}
	tests := []struct {
		codec     wire.Codec
		mediaType string
		marshal   func(proto.Message) ([]byte, error)
	}{
		{codec: wire.JSON, mediaType: "application/json", marshal: wire.MarshalJSON},
		{codec: wire.Protobuf, mediaType: "application/x-protobuf", marshal: wire.MarshalProto},
	}
	for _, tt := range tests {
		t.Run(tt.mediaType, func(t *testing.T) {
			if tt.codec.MediaType() != tt.mediaType || tt.codec.String() != tt.mediaType {
				t.Fatalf("MediaType = %q, String = %q; want %q", tt.codec.MediaType(), tt.codec, tt.mediaType)
			}
			got, err := tt.codec.Marshal(msg)
			want, _ := tt.marshal(msg)
			if err != nil || string(got) != string(want) {
				t.Fatalf("Marshal = %q, %v; want %q", got, err, want)
			}
			back := &testpb.Inner{}
			if err := tt.codec.Unmarshal(got, back); err != nil || !proto.Equal(back, msg) {
				t.Fatalf("Unmarshal = %v, %v; want %v", back, err, msg)
			}
		})
	}
}

func TestTheZeroCodecRefusesToWork(t *testing.T) {
	var c wire.Codec
	if _, err := c.Marshal(&testpb.Inner{}); err == nil {
		t.Error("Marshal with the zero Codec succeeded")
	}
	if err := c.Unmarshal(nil, &testpb.Inner{}); err == nil {
		t.Error("Unmarshal with the zero Codec succeeded")
	}
	if c.MediaType() != "" || c.String() != "Codec(0)" {
		t.Errorf("MediaType = %q, String = %q", c.MediaType(), c)
	}
}
