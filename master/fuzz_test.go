package master

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// FuzzSchedulerAPI feeds arbitrary bodies, as JSON and as protobuf, to the
// scheduler and agent endpoints of a running master: whatever arrives, the
// master answers with a status code (never a panic) and keeps serving.
func FuzzSchedulerAPI(f *testing.F) {
	for _, seed := range []string{
		`{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n"}}}`,
		`{"type":"ACCEPT","framework_id":{"value":"x"},"accept":{"offer_ids":[{"value":"o"}]}}`,
		`{"type":"REGISTER","register":{"agent_info":{"hostname":"h"},"endpoint":"127.0.0.1:1"}}`,
		`{"type":"UPDATE","agent_id":{"value":"a"},"update":{"framework_id":{"value":"f"},"status":{"task_id":{"value":"t"},"state":"TASK_RUNNING"}}}`,
		"\x10\x01\x1a\x00", "", "{", "null", "[]",
	} {
		f.Add([]byte(seed))
	}
	m, err := New(Config{Hostname: "127.0.0.1", AllocationInterval: time.Hour})
	if err != nil {
		f.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.Cleanup(cancel)
	go m.Run(ctx)
	h := m.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, path := range []string{"/api/v1/scheduler", "/agora/v1/cluster", "/api/v1"} {
			for _, ct := range []string{"application/json", "application/x-protobuf"} {
				ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
				r := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body)).WithContext(ctx)
				r.Header.Set("Content-Type", ct)
				r.Header.Set("Mesos-Stream-Id", "fuzz")
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r) // streams end when ctx times out
				cancel()
				if w.Code < 200 || w.Code > 599 {
					t.Fatalf("%s %s: status %d", path, ct, w.Code)
				}
			}
		}
	})
}
