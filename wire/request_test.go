package wire_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/wire"
)

func TestDecodeRequest(t *testing.T) {
	subscribe := `{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n"}}}`
	tests := []struct {
		name        string
		method      string
		contentType string
		body        string
		code        int // 0: success
	}{
		{"json", http.MethodPost, "application/json", subscribe, 0},
		{"get", http.MethodGet, "application/json", subscribe, 405},
		{"no content type", http.MethodPost, "", subscribe, 400},
		{"other content type", http.MethodPost, "text/plain", subscribe, 415},
		{"malformed", http.MethodPost, "application/json", `{"type"`, 400},
		{"missing required", http.MethodPost, "application/json", `{"type":"SUBSCRIBE","subscribe":{"framework_info":{"name":"n"}}}`, 400},
		{"too large", http.MethodPost, "application/json", strings.Repeat(" ", 2000) + subscribe, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "/api/v1/scheduler", strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			call := &schedulerpb.Call{}
			codec, err := wire.DecodeRequest(httptest.NewRecorder(), r, call, 1024)
			if tt.code == 0 {
				if err != nil || codec != wire.JSON || call.GetType() != schedulerpb.Call_SUBSCRIBE {
					t.Fatalf("got %v, %v, %v", codec, err, call)
				}
				return
			}
			if got := wire.StatusCode(err); got != tt.code {
				t.Fatalf("status %d (%v), want %d", got, err, tt.code)
			}
		})
	}
}
