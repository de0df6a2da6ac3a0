package master_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	mesospb "agora/api/mesos/v1"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/internal/testcluster"
	"agora/wire"
)

func getExplain(t *testing.T, base, query string) (int, map[string]any, string) {
	t.Helper()
	resp, err := http.Get(base + "/allocator/explain?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var doc map[string]any
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
	}
	return resp.StatusCode, doc, string(b)
}

// /allocator/explain tells an operator why a framework is not offered an
// agent: here, a refuse filter in one role and a suppression in the other.
func TestAllocatorExplainEndpoint(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1})
	s := testcluster.Subscribe(t, c.MasterURL, wire.JSON, multiRoleInfo("explained", "a", "b"))
	s.MustCall(t, &schedulerpb.Call{Type: schedulerpb.Call_SUPPRESS.Enum(), Suppress: &schedulerpb.Call_Suppress{Roles: []string{"b"}}})
	o := firstOffer(t, s)
	agentID := o.GetAgentId().GetValue()
	fwID := s.FrameworkID.GetValue()
	// Decline everything for an hour, in whichever role it came.
	hour := 3600.0
	var ids []*mesospb.OfferID
	ids = append(ids, o.GetId())
	s.MustCall(t, &schedulerpb.Call{Type: schedulerpb.Call_DECLINE.Enum(),
		Decline: &schedulerpb.Call_Decline{OfferIds: ids, Filters: &mesospb.Filters{RefuseSeconds: &hour}}})

	q := url.Values{"framework": {fwID}, "agent": {agentID}}.Encode()
	var doc map[string]any
	waitFor(t, "the decline to reach the allocator", func() bool {
		code, d, body := getExplain(t, c.MasterURL, q)
		if code != http.StatusOK {
			t.Fatalf("explain: %d %s", code, body)
		}
		doc = d
		return len(d["outstanding_offers"].([]any)) == 0
	})
	if doc["agent_active"] != true || doc["framework_active"] != true {
		t.Errorf("explain: %v", doc)
	}
	reasons := map[string]string{}
	for _, r := range doc["roles"].([]any) {
		role := r.(map[string]any)
		reasons[role["role"].(string)] = role["reason"].(string)
		if role["meaning"] == "" {
			t.Errorf("role %v without a meaning", role)
		}
	}
	if o.GetAllocationInfo().GetRole() == "a" && reasons["a"] != "refuse filter" || reasons["b"] != "suppressed" {
		t.Errorf("reasons %v, want a: refuse filter, b: suppressed", reasons)
	}

	code, summary, body := getExplain(t, c.MasterURL, url.Values{"framework": {fwID}}.Encode())
	if code != http.StatusOK || summary["active_agents"] != 1.0 || !strings.Contains(summary["summary"].(string), "suppressed 1") {
		t.Errorf("summary: %d %s", code, body)
	}

	for _, tc := range []struct {
		query string
		code  int
		says  string
	}{
		{"", http.StatusBadRequest, "Missing 'framework'"},
		{"agent=" + agentID, http.StatusBadRequest, "Missing 'framework'"},
		{"framework=" + fwID + "&framework=x", http.StatusBadRequest, "given 2 times"},
		{"framework=" + fwID + "&role=a", http.StatusBadRequest, "Unknown query parameter 'role'"},
		{"framework=&agent=" + agentID, http.StatusBadRequest, "is empty"},
		{"framework=nobody", http.StatusNotFound, "Framework 'nobody'"},
		{"framework=" + fwID + "&agent=nowhere", http.StatusNotFound, "Agent 'nowhere'"},
		{"framework=%zz", http.StatusBadRequest, ""},
	} {
		code, _, body := getExplain(t, c.MasterURL, tc.query)
		if code != tc.code || !strings.Contains(body, tc.says) {
			t.Errorf("?%s: %d %q, want %d saying %q", tc.query, code, body, tc.code, tc.says)
		}
	}
	resp, err := http.Post(c.MasterURL+"/allocator/explain?framework="+fwID, "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", resp.StatusCode)
	}
}
