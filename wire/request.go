package wire

import (
	"fmt"
	"io"
	"net/http"

	"google.golang.org/protobuf/proto"
)

// DefaultMaxRequestBytes bounds a call's body when the caller gives no bound.
const DefaultMaxRequestBytes = 64 << 20

// DecodeRequest does what every v1 API endpoint does first: it checks the
// method (POST, else ErrMethodNotAllowed) and the Content-Type (RequestCodec),
// reads at most maxBytes of body (0: DefaultMaxRequestBytes) and decodes it
// into call. It returns the request's codec. Errors map to Mesos's status
// codes through StatusCode (405, 400, 415; 400 for a body that does not
// decode). Choosing the reply's codec (ResponseCodec) is left to the caller,
// which Mesos does after validating the call.
func DecodeRequest(w http.ResponseWriter, r *http.Request, call proto.Message, maxBytes int64) (Codec, error) {
	if err := CheckMethod(r.Method); err != nil {
		return 0, err
	}
	codec, err := RequestCodec(r.Header.Get("Content-Type"))
	if err != nil {
		return 0, err
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxRequestBytes
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBytes))
	if err != nil {
		return 0, &FieldError{Problem: fmt.Sprintf("failed to read the request body: %v", err)}
	}
	if err := codec.Unmarshal(body, call); err != nil {
		return 0, err
	}
	return codec, nil
}
