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
		`{"type":"UPDATE_QUOTA","update_quota":{"quota_configs":[{"role":"a","guarantees":{"cpus":{"value":1}},"limits":{"cpus":{"value":2}}}]}}`,
		`{"type":"UPDATE_WEIGHTS","update_weights":{"weight_infos":[{"role":"a","weight":2}]}}`,
		`{"type":"RESERVE_RESOURCES","reserve_resources":{"agent_id":{"value":"a"},"resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"reservations":[{"type":"DYNAMIC","role":"r"}]}]}}`,
		`{"type":"CREATE_VOLUMES","create_volumes":{"agent_id":{"value":"a"},"volumes":[{"name":"disk","type":"SCALAR","scalar":{"value":1},"disk":{"persistence":{"id":"v"}}}]}}`,
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

// FuzzWeightsEndpoint feeds arbitrary bodies to PUT /weights: a status code
// every time, never a panic, and the master keeps serving.
func FuzzWeightsEndpoint(f *testing.F) {
	for _, seed := range []string{
		`[{"role":"prod","weight":2}]`, `[{"role":"a//b","weight":1}]`, `[{"weight":-1}]`,
		`[{"role":"x","weight":"2"}]`, `{}`, `[`, `null`, `[null]`, "",
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
		r := httptest.NewRequest(http.MethodPut, "/weights", bytes.NewReader(body))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK && w.Code != http.StatusBadRequest {
			t.Fatalf("PUT /weights %q: status %d", body, w.Code)
		}
	})
}

// FuzzExplainEndpoint feeds arbitrary query strings to
// /allocator/explain: 200, 400 or 404 every time, never a panic.
func FuzzExplainEndpoint(f *testing.F) {
	for _, seed := range []string{
		"framework=f1", "framework=f1&agent=a1", "", "agent=a1", "framework=&agent=",
		"framework=a&framework=b", "x=1", "framework=%zz", "framework=f1;agent=a1", "&&&=",
	} {
		f.Add(seed)
	}
	m, err := New(Config{Hostname: "127.0.0.1", AllocationInterval: time.Hour})
	if err != nil {
		f.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.Cleanup(cancel)
	go m.Run(ctx)
	h := m.Handler()
	f.Fuzz(func(t *testing.T, query string) {
		r := httptest.NewRequest(http.MethodGet, "/allocator/explain", nil)
		r.URL.RawQuery = query
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusNotFound:
		default:
			t.Fatalf("GET /allocator/explain?%s: status %d", query, w.Code)
		}
	})
}
