package wire

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"
)

// The two media types of the Mesos v1 HTTP APIs. Replies carry exactly these
// strings as Content-Type, without parameters: mesos-go refuses
// "application/json; charset=utf-8".
const (
	MediaTypeJSON     = "application/json"
	MediaTypeProtobuf = "application/x-protobuf"
)

// Codec is one of the two encodings of the v1 API messages. The zero Codec
// is not valid; use JSON or Protobuf, or get one from RequestCodec and
// ResponseCodec.
type Codec int

const (
	// JSON is Mesos-style JSON (MarshalJSON, UnmarshalJSON).
	JSON Codec = iota + 1
	// Protobuf is the protobuf binary encoding (MarshalProto, UnmarshalProto).
	Protobuf
)

// MediaType returns the Content-Type of the codec's encoding.
func (c Codec) MediaType() string {
	switch c {
	case JSON:
		return MediaTypeJSON
	case Protobuf:
		return MediaTypeProtobuf
	default:
		return ""
	}
}

// String returns the media type, or "Codec(n)" for an invalid codec.
func (c Codec) String() string {
	if mt := c.MediaType(); mt != "" {
		return mt
	}
	return "Codec(" + strconv.Itoa(int(c)) + ")"
}

// Marshal encodes m with the codec.
func (c Codec) Marshal(m proto.Message) ([]byte, error) {
	switch c {
	case JSON:
		return MarshalJSON(m)
	case Protobuf:
		return MarshalProto(m)
	default:
		return nil, fmt.Errorf("wire: marshal with invalid codec %v", c)
	}
}

// Unmarshal decodes data into m with the codec, replacing m's contents.
func (c Codec) Unmarshal(data []byte, m proto.Message) error {
	switch c {
	case JSON:
		return UnmarshalJSON(data, m)
	case Protobuf:
		return UnmarshalProto(data, m)
	default:
		return fmt.Errorf("wire: unmarshal with invalid codec %v", c)
	}
}

// CheckMethod returns nil for POST and an error matching ErrMethodNotAllowed
// (405) otherwise. Mesos also sends "Allow: POST" with the 405.
func CheckMethod(method string) error {
	if method == http.MethodPost {
		return nil
	}
	return fmt.Errorf("%w (got %s)", ErrMethodNotAllowed, method)
}

// RequestCodec returns the codec for a request's Content-Type header value.
// Like Mesos, it compares the whole value literally: an empty value is a
// missing header (ErrMissingContentType, 400); anything but the two exact
// media types is ErrUnsupportedMediaType (415).
func RequestCodec(contentType string) (Codec, error) {
	switch contentType {
	case "":
		return 0, ErrMissingContentType
	case MediaTypeJSON:
		return JSON, nil
	case MediaTypeProtobuf:
		return Protobuf, nil
	default:
		return 0, fmt.Errorf("%w (got %q)", ErrUnsupportedMediaType, contentType)
	}
}

// ResponseCodec chooses the reply codec from a request's Accept header value:
// JSON if Accept allows it, else protobuf if allowed, else ErrNotAcceptable
// (406). An empty value means the header is absent, which accepts anything,
// so the answer is JSON.
//
// Matching follows Mesos (libprocess Request::acceptsMediaType): spaces,
// tabs and newlines are ignored; media ranges match case-insensitively; for
// each media type the exact range is looked for first, then "type/*", then
// "*/*", and the first range that matches decides: acceptable unless it has
// a single q parameter that is not a number greater than 0. So
// "application/json;q=0, */*" refuses JSON (and allows protobuf).
func ResponseCodec(accept string) (Codec, error) {
	if strings.TrimSpace(accept) == "" {
		return JSON, nil
	}
	if accepts(accept, MediaTypeJSON) {
		return JSON, nil
	}
	if accepts(accept, MediaTypeProtobuf) {
		return Protobuf, nil
	}
	return 0, fmt.Errorf("%w (got %q)", ErrNotAcceptable, accept)
}

// accepts reports whether the Accept header value allows mediaType
// ("type/subtype").
func accepts(accept, mediaType string) bool {
	accept = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' {
			return -1
		}
		return r
	}, accept)

	typ, _, _ := strings.Cut(mediaType, "/")
	for _, candidate := range [...]string{mediaType, typ + "/*", "*/*"} {
		for _, mediaRange := range strings.Split(accept, ",") {
			params := tokenize(mediaRange, ';')
			if len(params) == 0 || !strings.EqualFold(params[0], candidate) {
				continue
			}
			return qualityAllows(params[1:])
		}
	}
	return false
}

// qualityAllows applies Mesos's reading of a matching range's parameters:
// no q, or more than one, means acceptable; a single q must parse as a
// number greater than 0.
func qualityAllows(params []string) bool {
	var qs []string
	for _, p := range params {
		kv := tokenize(p, '=')
		if len(kv) == 2 && kv[0] == "q" {
			qs = append(qs, kv[1])
		}
	}
	if len(qs) != 1 {
		return true
	}
	q, err := strconv.ParseFloat(qs[0], 64)
	return err == nil && q > 0
}

// tokenize splits s at sep and drops empty pieces, as stout's
// strings::tokenize does.
func tokenize(s string, sep byte) []string {
	var out []string
	for s != "" {
		i := strings.IndexByte(s, sep)
		if i < 0 {
			out = append(out, s)
			break
		}
		if i > 0 {
			out = append(out, s[:i])
		}
		s = s[i+1:]
	}
	return out
}
