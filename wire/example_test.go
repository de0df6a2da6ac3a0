package wire_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/wire"
)

func ExampleMarshalJSON() {
	call := &schedulerpb.Call{
		Type: schedulerpb.Call_SUBSCRIBE.Enum(),
		Subscribe: &schedulerpb.Call_Subscribe{
			FrameworkInfo: &mesospb.FrameworkInfo{
				User:  proto.String("root"),
				Name:  proto.String("épée"),
				Roles: []string{"web"},
			},
		},
	}
	data, err := wire.MarshalJSON(call)
	if err != nil {
		panic(err)
	}
	// failover_timeout and checkpoint are unset but have defaults, so they
	// are printed, as Mesos does; non-ASCII is escaped.
	fmt.Println(string(data))
	// Output:
	// {"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root","name":"\u00e9p\u00e9e","failover_timeout":0.0,"checkpoint":false,"roles":["web"]}}}
}

func ExampleUnmarshalJSON() {
	// What mesos-go and the npm client send: numbers as strings, nulls.
	body := `{"type":"DECLINE","framework_id":{"value":"f-1"},
	          "decline":{"offer_ids":[{"value":"o-1"}],"filters":{"refuse_seconds":"30"}},
	          "subscribe":null}`
	var call schedulerpb.Call
	if err := wire.UnmarshalJSON([]byte(body), &call); err != nil {
		panic(err)
	}
	fmt.Println(call.GetType(), call.GetDecline().GetFilters().GetRefuseSeconds())

	// A required field is missing: the error names it.
	err := wire.UnmarshalJSON([]byte(`{"type":"SUBSCRIBE","subscribe":{"framework_info":{"name":"x"}}}`), &call)
	fmt.Println(err)
	fmt.Println(wire.StatusCode(err))
	// Output:
	// DECLINE 30
	// wire: missing required field "subscribe.framework_info.user"
	// 400
}

func ExampleResponseCodec() {
	for _, accept := range []string{
		"",
		"application/x-protobuf",
		"application/x-protobuf, application/json",
		"application/json;q=0, */*",
		"text/html",
	} {
		codec, err := wire.ResponseCodec(accept)
		if err != nil {
			fmt.Printf("%q: %d\n", accept, wire.StatusCode(err))
			continue
		}
		fmt.Printf("%q: %s\n", accept, codec.MediaType())
	}
	// Output:
	// "": application/json
	// "application/x-protobuf": application/x-protobuf
	// "application/x-protobuf, application/json": application/json
	// "application/json;q=0, */*": application/x-protobuf
	// "text/html": 406
}

// A thin HTTP handler: the wire package checks the envelope and decodes,
// StatusCode turns its errors into Mesos's status codes.
func Example_handler() {
	handler := func(w http.ResponseWriter, r *http.Request) {
		var call schedulerpb.Call
		err := wire.CheckMethod(r.Method)
		var in wire.Codec
		if err == nil {
			in, err = wire.RequestCodec(r.Header.Get("Content-Type"))
		}
		if err == nil {
			body, _ := io.ReadAll(r.Body)
			err = in.Unmarshal(body, &call)
		}
		if err != nil {
			http.Error(w, err.Error(), wire.StatusCode(err))
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}

	for _, req := range []*http.Request{
		httptest.NewRequest("GET", "/api/v1/scheduler", nil),
		httptest.NewRequest("POST", "/api/v1/scheduler", strings.NewReader(`{"type":"REVIVE"}`)),
		withContentType("text/plain", `{"type":"REVIVE"}`),
		withContentType("application/json", `{"type":"REVIVE"`),
		withContentType("application/json", `{"type":"REVIVE"}`),
	} {
		rec := httptest.NewRecorder()
		handler(rec, req)
		fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	// Output:
	// 405 wire: method not allowed; the Mesos v1 API accepts only POST (got GET)
	// 400 wire: missing Content-Type header; expected application/json or application/x-protobuf
	// 415 wire: unsupported Content-Type; expected exactly application/json or application/x-protobuf (got "text/plain")
	// 400 wire: malformed JSON at offset 16: unexpected end of input
	// 202
}

func withContentType(contentType, body string) *http.Request {
	r := httptest.NewRequest("POST", "/api/v1/scheduler", strings.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	return r
}
