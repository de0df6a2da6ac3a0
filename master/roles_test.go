package master_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	mesospb "agora/api/mesos/v1"
	masterpb "agora/api/mesos/v1/master"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/internal/testcluster"
	"agora/master"
	"agora/wire"
)

// startMaster runs a master without agents on loopback; stop ends it and
// waits, as a master process exiting would.
func startMaster(t *testing.T, cfg master.Config) (url string, stop func()) {
	t.Helper()
	m, err := master.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = m.Run(ctx); close(done) }()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
			srv.Close()
		}
	}
	t.Cleanup(stop)
	return srv.URL, stop
}

// operator posts a JSON operator call and returns the status and body.
func operator(t *testing.T, url, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/api/v1", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func decodeResponse(t *testing.T, body string) *masterpb.Response {
	t.Helper()
	resp := &masterpb.Response{}
	if err := wire.UnmarshalJSON([]byte(body), resp); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return resp
}

func TestWeightsPersistAcrossARestart(t *testing.T) {
	dir := t.TempDir()
	url, stop := startMaster(t, master.Config{WorkDir: dir, Weights: map[string]float64{"flag": 3}})

	code, body := operator(t, url, `{"type":"UPDATE_WEIGHTS","update_weights":{"weight_infos":[{"role":"prod","weight":2.5}]}}`)
	if code != http.StatusOK {
		t.Fatalf("UPDATE_WEIGHTS: %d %s", code, body)
	}
	// The Mesos /weights endpoint takes a JSON array of WeightInfo.
	req, _ := http.NewRequest(http.MethodPut, url+"/weights", strings.NewReader(`[{"role":"eng/web","weight":0.5}]`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT /weights: %d", resp.StatusCode)
	}
	stop()

	url, _ = startMaster(t, master.Config{WorkDir: dir, Weights: map[string]float64{"flag": 3}})
	code, body = operator(t, url, `{"type":"GET_WEIGHTS"}`)
	if code != http.StatusOK {
		t.Fatalf("GET_WEIGHTS: %d %s", code, body)
	}
	got := map[string]float64{}
	for _, w := range decodeResponse(t, body).GetGetWeights().GetWeightInfos() {
		got[w.GetRole()] = w.GetWeight()
	}
	want := map[string]float64{"prod": 2.5, "eng/web": 0.5, "flag": 3}
	if len(got) != len(want) {
		t.Fatalf("weights after restart = %v, want %v", got, want)
	}
	for role, w := range want {
		if got[role] != w {
			t.Errorf("weight of %s = %v, want %v", role, got[role], w)
		}
	}
	resp, err = http.Get(url + "/weights")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || len(list) != 3 {
		t.Errorf("GET /weights = %v, %v", list, err)
	}
}

func TestBadWeightsAreRefused(t *testing.T) {
	url, _ := startMaster(t, master.Config{})
	for _, body := range []string{
		`{"type":"UPDATE_WEIGHTS","update_weights":{"weight_infos":[{"role":"prod","weight":0}]}}`,
		`{"type":"UPDATE_WEIGHTS","update_weights":{"weight_infos":[{"role":"a//b","weight":1}]}}`,
		`{"type":"UPDATE_WEIGHTS","update_weights":{"weight_infos":[{"role":"ok","weight":1},{"role":"bad","weight":-2}]}}`,
	} {
		if code, msg := operator(t, url, body); code != http.StatusBadRequest || !strings.Contains(msg, "Failed to validate update weights request") {
			t.Errorf("%s: %d %q, want 400", body, code, msg)
		}
	}
	// All or nothing: "ok" was not set by the refused call.
	_, body := operator(t, url, `{"type":"GET_WEIGHTS"}`)
	if n := len(decodeResponse(t, body).GetGetWeights().GetWeightInfos()); n != 0 {
		t.Errorf("%d weights set by refused calls", n)
	}
	for _, tc := range []struct {
		method, body string
		code         int
	}{
		{http.MethodPut, `{"role":"x"}`, http.StatusBadRequest},
		{http.MethodPut, `[{"role":"x","weight":"heavy"}]`, http.StatusBadRequest},
		{http.MethodDelete, ``, http.StatusMethodNotAllowed},
	} {
		req, _ := http.NewRequest(tc.method, url+"/weights", strings.NewReader(tc.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.code {
			t.Errorf("%s /weights %s: %d, want %d", tc.method, tc.body, resp.StatusCode, tc.code)
		}
	}
}

func TestQuotaIsValidatedAndPersisted(t *testing.T) {
	dir := t.TempDir()
	url, stop := startMaster(t, master.Config{WorkDir: dir})

	for _, tc := range []struct {
		body, want string
	}{
		{`{"type":"UPDATE_QUOTA","update_quota":{"quota_configs":[{"role":"eng/web","limits":{"cpus":{"value":1}}}]}}`,
			"Updating quota on nested role 'eng/web' is not supported yet"},
		{`{"type":"UPDATE_QUOTA","update_quota":{"quota_configs":[{"role":"dev","guarantees":{"cpus":{"value":2}},"limits":{"cpus":{"value":1}}}]}}`,
			"is not contained within the 'QuotaConfig.limits'"},
		{`{"type":"UPDATE_QUOTA","update_quota":{"quota_configs":[{"role":"dev","limits":{"cpus":{"value":-1}}}]}}`,
			"Invalid limit configuration"},
		{`{"type":"UPDATE_QUOTA","update_quota":{"quota_configs":[{"role":"dev","guarantees":{"cpus":{"value":2}}}]}}`,
			"exceed cluster capacity"},
	} {
		if code, msg := operator(t, url, tc.body); code != http.StatusBadRequest || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: %d %q, want 400 with %q", tc.body, code, msg, tc.want)
		}
	}
	code, msg := operator(t, url, `{"type":"UPDATE_QUOTA","update_quota":{"force":true,"quota_configs":[`+
		`{"role":"dev","guarantees":{"cpus":{"value":2}},"limits":{"cpus":{"value":4},"mem":{"value":2048}}},`+
		`{"role":"test","limits":{"cpus":{"value":1}}}]}}`)
	if code != http.StatusOK {
		t.Fatalf("forced UPDATE_QUOTA: %d %s", code, msg)
	}
	stop()

	url, _ = startMaster(t, master.Config{WorkDir: dir})
	_, body := operator(t, url, `{"type":"GET_QUOTA"}`)
	st := decodeResponse(t, body).GetGetQuota().GetStatus()
	if len(st.GetConfigs()) != 2 {
		t.Fatalf("quota after restart: %s", body)
	}
	dev := st.GetConfigs()[0]
	if dev.GetRole() != "dev" || dev.GetGuarantees()["cpus"].GetValue() != 2 || dev.GetLimits()["mem"].GetValue() != 2048 {
		t.Errorf("dev's quota = %v", dev)
	}
	if len(st.GetInfos()) != 1 || st.GetInfos()[0].GetRole() != "dev" {
		t.Errorf("deprecated infos = %v, want dev's guarantee", st.GetInfos())
	}

	// An empty config removes a quota. (dev's guarantee still exceeds the
	// empty cluster, so this too needs force, as in Mesos.)
	if code, _ := operator(t, url, `{"type":"UPDATE_QUOTA","update_quota":{"quota_configs":[{"role":"test"}]}}`); code != http.StatusBadRequest {
		t.Errorf("unforced update with overcommitted guarantees: %d, want 400", code)
	}
	if code, msg := operator(t, url, `{"type":"UPDATE_QUOTA","update_quota":{"force":true,"quota_configs":[{"role":"test"}]}}`); code != http.StatusOK {
		t.Fatalf("removing quota: %d %s", code, msg)
	}
	_, body = operator(t, url, `{"type":"GET_QUOTA"}`)
	if n := len(decodeResponse(t, body).GetGetQuota().GetStatus().GetConfigs()); n != 1 {
		t.Errorf("%d quotas after removing one, want 1", n)
	}
}

// Roles report weights, quota and what frameworks hold, in GET_ROLES and
// /roles, and a quota limit bounds what a role is offered.
func TestRolesReportAllocationAndQuotaLimitsOffers(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 2, AgentResources: "cpus:2;mem:2048;disk:1000;ports:[31000-31010]"})
	code, msg := operator(t, c.MasterURL, `{"type":"UPDATE_QUOTA","update_quota":{"quota_configs":[{"role":"capped","limits":{"cpus":{"value":2}}}]}}`)
	if code != http.StatusOK {
		t.Fatalf("UPDATE_QUOTA: %d %s", code, msg)
	}
	info := testcluster.DefaultFrameworkInfo("capped")
	info.Roles = []string{"capped"}
	info.Capabilities = []*mesospb.FrameworkInfo_Capability{{Type: mesospb.FrameworkInfo_Capability_MULTI_ROLE.Enum()}}
	s := testcluster.Subscribe(t, c.MasterURL, wire.JSON, info)

	var cpus float64
	deadline := time.Now().Add(20 * time.Second)
	// Until the limit is reached, then a little longer to catch offers
	// beyond it.
	for wait := 10 * time.Second; time.Now().Before(deadline); {
		ev, err := s.NextWithin(schedulerpb.Event_OFFERS, wait)
		if err != nil {
			break
		}
		for _, o := range ev.GetOffers().GetOffers() {
			for _, r := range o.GetResources() {
				if r.GetName() == "cpus" {
					cpus += r.GetScalar().GetValue()
				}
			}
		}
		if cpus >= 2 {
			wait = 2 * time.Second
		}
	}
	if cpus != 2 {
		t.Fatalf("offered %v cpus in all, want the limit of 2", cpus)
	}

	code, body := operator(t, c.MasterURL, `{"type":"GET_ROLES"}`)
	if code != http.StatusOK {
		t.Fatalf("GET_ROLES: %d %s", code, body)
	}
	var capped *mesospb.Role
	for _, r := range decodeResponse(t, body).GetGetRoles().GetRoles() {
		if r.GetName() == "capped" {
			capped = r
		}
	}
	if capped == nil || len(capped.GetFrameworks()) != 1 || capped.GetWeight() != 1 {
		t.Fatalf("GET_ROLES = %s", body)
	}

	resp, err := http.Get(c.MasterURL + "/roles")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Roles []struct {
			Name  string `json:"name"`
			Quota struct {
				Limit    map[string]float64 `json:"limit"`
				Consumed map[string]float64 `json:"consumed"`
			} `json:"quota"`
			Offered    map[string]float64 `json:"offered"`
			Frameworks []string           `json:"frameworks"`
		} `json:"roles"`
	}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.NewDecoder(bytes.NewReader(raw)).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range doc.Roles {
		if r.Name == "capped" {
			found = true
			if r.Quota.Limit["cpus"] != 2 || r.Offered["cpus"] != 2 || len(r.Frameworks) != 1 {
				t.Errorf("/roles entry %+v", r)
			}
		}
	}
	if !found {
		t.Errorf("/roles = %s", raw)
	}
}

// Setting a guarantee rescinds other roles' offers so that the guarantee
// can be met at once; the guaranteed role is then offered first.
func TestAQuotaGuaranteeRescindsOtherOffers(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 2, AgentResources: "cpus:2;mem:2048;disk:1000;ports:[31000-31010]"})
	greedy := testcluster.Subscribe(t, c.MasterURL, wire.JSON, testcluster.DefaultFrameworkInfo("greedy"))
	held := 0
	for held < 2 {
		held += len(greedy.Next(t, schedulerpb.Event_OFFERS).GetOffers().GetOffers())
	}
	info := testcluster.DefaultFrameworkInfo("guaranteed")
	info.Role = ptrString("q")
	q := testcluster.Subscribe(t, c.MasterURL, wire.JSON, info)

	code, msg := operator(t, c.MasterURL, `{"type":"UPDATE_QUOTA","update_quota":{"quota_configs":[{"role":"q","guarantees":{"cpus":{"value":2}}}]}}`)
	if code != http.StatusOK {
		t.Fatalf("UPDATE_QUOTA: %d %s", code, msg)
	}
	greedy.Next(t, schedulerpb.Event_RESCIND)
	var cpus float64
	for cpus < 2 {
		for _, o := range q.Next(t, schedulerpb.Event_OFFERS).GetOffers().GetOffers() {
			for _, r := range o.GetResources() {
				if r.GetName() == "cpus" {
					cpus += r.GetScalar().GetValue()
				}
			}
		}
	}
}

func ptrString(s string) *string { return &s }
