package master_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/internal/testcluster"
	"agora/wire"
)

// Bad requests get Mesos's status codes and a message, and change nothing:
// the master keeps serving a well-behaved framework afterwards.
func TestSchedulerAPIRejectsBadRequests(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{})
	url := c.MasterURL + "/api/v1/scheduler"
	s := testcluster.Subscribe(t, c.MasterURL, wire.JSON, testcluster.DefaultFrameworkInfo("good"))
	subscribe := `{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n"}}}`
	revive := `{"type":"REVIVE","framework_id":{"value":"` + s.FrameworkID.GetValue() + `"}}`
	json := map[string]string{"Content-Type": "application/json"}
	tests := []struct {
		name    string
		method  string
		body    string
		headers map[string]string
		code    int
		message string
	}{
		{"GET", http.MethodGet, "", nil, 405, "POST"},
		{"no content type", http.MethodPost, subscribe, nil, 400, "Content-Type"},
		{"charset content type", http.MethodPost, subscribe, map[string]string{"Content-Type": "application/json; charset=utf-8"}, 415, "Content-Type"},
		{"text content type", http.MethodPost, subscribe, map[string]string{"Content-Type": "text/plain"}, 415, "Content-Type"},
		{"unacceptable accept", http.MethodPost, subscribe, map[string]string{"Content-Type": "application/json", "Accept": "text/html"}, 406, "Accept"},
		{"malformed JSON", http.MethodPost, `{"type":`, json, 400, "JSON"},
		{"malformed protobuf", http.MethodPost, "\xff\xff\xff", map[string]string{"Content-Type": "application/x-protobuf"}, 400, "protobuf"},
		{"missing required user", http.MethodPost, `{"type":"SUBSCRIBE","subscribe":{"framework_info":{"name":"n"}}}`, json, 400, "user"},
		{"subscribe with stream id", http.MethodPost, subscribe, map[string]string{"Content-Type": "application/json", "Mesos-Stream-Id": "x"}, 400, "Mesos-Stream-Id"},
		{"unknown framework", http.MethodPost, `{"type":"REVIVE","framework_id":{"value":"nope"}}`, json, 400, "Framework cannot be found"},
		{"missing stream id", http.MethodPost, revive, json, 400, "Mesos-Stream-Id"},
		{"wrong stream id", http.MethodPost, revive, map[string]string{"Content-Type": "application/json", "Mesos-Stream-Id": "wrong"}, 400, "didn't match"},
		{"accept without accept", http.MethodPost, `{"type":"ACCEPT","framework_id":{"value":"f"}}`, json, 400, "Expecting 'accept' to be present"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, url, strings.NewReader(tt.body))
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b := new(bytes.Buffer)
			_, _ = b.ReadFrom(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.code {
				t.Fatalf("status %d, want %d (body %q)", resp.StatusCode, tt.code, b)
			}
			if !strings.Contains(b.String(), tt.message) {
				t.Fatalf("body %q does not mention %q", b, tt.message)
			}
		})
	}
	// The good framework is unaffected: its calls still work.
	s.MustCall(t, &schedulerpb.Call{Type: schedulerpb.Call_REVIVE.Enum()})
}

func TestSubscribeStreamsSubscribedAndHeartbeats(t *testing.T) {
	for _, codec := range []wire.Codec{wire.JSON, wire.Protobuf} {
		t.Run(codec.String(), func(t *testing.T) {
			c := testcluster.Start(t, testcluster.Options{})
			s, err := testcluster.TrySubscribe(c.MasterURL, codec, testcluster.DefaultFrameworkInfo("hb"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(s.Close)
			if s.StreamID == "" {
				t.Fatal("no Mesos-Stream-Id header")
			}
			ev := s.Next(t, schedulerpb.Event_SUBSCRIBED)
			sub := ev.GetSubscribed()
			if sub.GetFrameworkId().GetValue() == "" || sub.GetHeartbeatIntervalSeconds() != 1 || sub.GetMasterInfo().GetId() == "" {
				t.Fatalf("SUBSCRIBED = %v", sub)
			}
			s.Next(t, schedulerpb.Event_HEARTBEAT)
		})
	}
}

func TestSubscribeReplyHeaders(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{})
	body := []byte(`{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n","capabilities":null}}}`)
	req, _ := http.NewRequest(http.MethodPost, c.MasterURL+"/api/v1/scheduler", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got := resp.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type %q, want exactly application/json", got)
	}
	if resp.Header.Get("Mesos-Stream-Id") == "" {
		t.Error("no Mesos-Stream-Id")
	}
	if resp.ContentLength != -1 {
		t.Errorf("Content-Length %d; a stream must be chunked", resp.ContentLength)
	}
}

// A framework that re-subscribes with its id inside failover_timeout keeps
// its id; the old stream's calls are refused; past the timeout it is gone
// and re-subscribing is refused with an ERROR.
func TestFrameworkFailover(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{})
	info := testcluster.DefaultFrameworkInfo("failover")
	info.FailoverTimeout = proto.Float64(1)
	s1 := testcluster.Subscribe(t, c.MasterURL, wire.JSON, info)
	id := s1.FrameworkID

	info2 := proto.Clone(info).(*mesospb.FrameworkInfo)
	info2.Id = id
	s2 := testcluster.Subscribe(t, c.MasterURL, wire.JSON, info2)
	if s2.FrameworkID.GetValue() != id.GetValue() {
		t.Fatalf("re-subscribed as %v, want %v", s2.FrameworkID, id)
	}
	// The first stream hears it was replaced and its stream id is stale.
	if ev := s1.Next(t, schedulerpb.Event_ERROR); !strings.Contains(ev.GetError().GetMessage(), "failed over") {
		t.Fatalf("old stream got %v", ev)
	}
	if code, _, _ := s1.Call(&schedulerpb.Call{Type: schedulerpb.Call_REVIVE.Enum()}); code != 400 {
		t.Fatalf("call on the replaced stream: %d, want 400", code)
	}
	// Disconnect and come back within the timeout: same framework.
	s2.Close()
	time.Sleep(200 * time.Millisecond)
	s3 := testcluster.Subscribe(t, c.MasterURL, wire.JSON, info2)
	s3.MustCall(t, &schedulerpb.Call{Type: schedulerpb.Call_REVIVE.Enum()})
	// Disconnect for longer than the timeout: removed for good.
	s3.Close()
	time.Sleep(2500 * time.Millisecond)
	s4, err := testcluster.TrySubscribe(c.MasterURL, wire.JSON, info2)
	if err != nil {
		t.Fatal(err)
	}
	defer s4.Close()
	if ev := s4.Next(t, schedulerpb.Event_ERROR); !strings.Contains(ev.GetError().GetMessage(), "removed") {
		t.Fatalf("got %v", ev)
	}
}

func TestTeardownRemovesFramework(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{})
	s := testcluster.Subscribe(t, c.MasterURL, wire.Protobuf, testcluster.DefaultFrameworkInfo("td"))
	s.MustCall(t, &schedulerpb.Call{Type: schedulerpb.Call_TEARDOWN.Enum()})
	state, err := c.State()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(state["frameworks"].([]any)); n != 0 {
		t.Fatalf("%d frameworks after teardown", n)
	}
	if n := len(state["completed_frameworks"].([]any)); n != 1 {
		t.Fatalf("%d completed frameworks, want 1", n)
	}
	if code, _, _ := s.Call(&schedulerpb.Call{Type: schedulerpb.Call_REVIVE.Enum()}); code != 400 {
		t.Fatalf("call after teardown: %d, want 400", code)
	}
}
