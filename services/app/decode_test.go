package app

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func mustDecode(t *testing.T, body string) *App {
	t.Helper()
	a, err := Decode([]byte(body))
	if err != nil {
		t.Fatalf("Decode(%s): %v", body, err)
	}
	return a
}

func TestDecodeMinimalAppGetsMarathonDefaults(t *testing.T) {
	a := mustDecode(t, `{"id":"web","cmd":"python3 -m http.server $PORT0"}`)
	want := Defaults()
	want.ID = "/web"
	want.Cmd = "python3 -m http.server $PORT0"
	if !reflect.DeepEqual(a, want) {
		t.Fatalf("got  %+v\nwant %+v", a, want)
	}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	// Printed as Marathon prints a stored app: no null lists or maps.
	js, _ := json.Marshal(a)
	for _, member := range []string{`"env":{}`, `"constraints":[]`, `"fetch":[]`, `"healthChecks":[]`, `"dependencies":[]`, `"labels":{}`,
		`"portDefinitions":[{"port":0,"protocol":"tcp","name":"default"}]`, `"upgradeStrategy":{"minimumHealthCapacity":1,"maximumOverCapacity":1}`,
		`"unreachableStrategy":{"inactiveAfterSeconds":0,"expungeAfterSeconds":0}`, `"killSelection":"YOUNGEST_FIRST"`,
		`"backoffFactor":1.15`, `"maxLaunchDelaySeconds":300`, `"cpus":1`, `"mem":128`, `"instances":1`} {
		if !strings.Contains(string(js), member) {
			t.Errorf("JSON lacks %s: %s", member, js)
		}
	}
}

// A body as github.com/gambol99/go-marathon v0.7.1 sends it: "ports" and "dependencies"
// always present as null, pointers left out, a default health check with "path": "".
func TestDecodeGoMarathonBody(t *testing.T) {
	body := `{"id":"/product/web","cmd":"sleep 1000","constraints":[["hostname","UNIQUE"]],"cpus":0.1,
		"instances":3,"mem":64,"ports":null,"dependencies":null,
		"healthChecks":[{"portIndex":0,"path":"","maxConsecutiveFailures":3,"protocol":"HTTP","gracePeriodSeconds":30,"intervalSeconds":10,"timeoutSeconds":5}],
		"upgradeStrategy":{"minimumHealthCapacity":0.5,"maximumOverCapacity":0.2},
		"unreachableStrategy":{"inactiveAfterSeconds":60,"expungeAfterSeconds":120},
		"labels":{"team":"web"},"env":{"MODE":"prod"}}`
	a := mustDecode(t, body)
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if a.Instances != 3 || a.CPUs != 0.1 || a.Mem != 64 || a.Disk != 0 {
		t.Errorf("resources: %+v", a)
	}
	if len(a.Dependencies) != 0 || a.Dependencies == nil {
		t.Errorf("dependencies null: want [], got %#v", a.Dependencies)
	}
	if !reflect.DeepEqual(a.PortDefinitions, DefaultPortDefinitions()) {
		t.Errorf("ports null: want the default port definition, got %+v", a.PortDefinitions)
	}
	h := a.HealthChecks[0]
	if h.Path != "/" || h.GracePeriodSeconds != 30 || h.IntervalSeconds != 10 || h.TimeoutSeconds != 5 || h.DelaySeconds != DefaultHealthDelaySeconds || *h.PortIndex != 0 {
		t.Errorf("health check: %+v", h)
	}
	if a.UpgradeStrategy != (UpgradeStrategy{0.5, 0.2}) || a.UnreachableStrategy != (UnreachableStrategy{InactiveAfterSeconds: 60, ExpungeAfterSeconds: 120}) {
		t.Errorf("strategies: %+v %+v", a.UpgradeStrategy, a.UnreachableStrategy)
	}
}

func TestDecodeNullMeansDefault(t *testing.T) {
	a := mustDecode(t, `{"id":"/a","cmd":"x","cpus":null,"mem":null,"instances":null,"env":null,"labels":null,
		"constraints":null,"portDefinitions":null,"fetch":null,"healthChecks":null,"upgradeStrategy":null,
		"unreachableStrategy":null,"killSelection":null,"backoffFactor":null,"args":null,"uris":null,"user":null}`)
	want := Defaults()
	want.ID, want.Cmd = "/a", "x"
	if !reflect.DeepEqual(a, want) {
		t.Fatalf("got  %+v\nwant %+v", a, want)
	}
}

func TestDecodeDeprecatedForms(t *testing.T) {
	a := mustDecode(t, `{"id":"/a","cmd":"x","ports":[0,8080],"uris":["http://h/app.tgz","http://h/run.sh"]}`)
	wantPorts := []PortDefinition{{Port: 0, Protocol: "tcp"}, {Port: 8080, Protocol: "tcp"}}
	if !reflect.DeepEqual(a.PortDefinitions, wantPorts) {
		t.Errorf("ports: got %+v", a.PortDefinitions)
	}
	wantFetch := []Fetch{{URI: "http://h/app.tgz", Extract: true}, {URI: "http://h/run.sh"}}
	if !reflect.DeepEqual(a.Fetch, wantFetch) {
		t.Errorf("uris: got %+v", a.Fetch)
	}
	// "ports": [] is no ports at all.
	if a := mustDecode(t, `{"id":"/a","cmd":"x","ports":[]}`); len(a.PortDefinitions) != 0 {
		t.Errorf("ports []: got %+v", a.PortDefinitions)
	}
	// Equivalent ports and portDefinitions are accepted (clients echo both).
	mustDecode(t, `{"id":"/a","cmd":"x","ports":[80],"portDefinitions":[{"port":80}]}`)
	for _, body := range []string{
		`{"id":"/a","cmd":"x","ports":[81],"portDefinitions":[{"port":80}]}`,
		`{"id":"/a","cmd":"x","uris":["http://a"],"fetch":[{"uri":"http://b"}]}`,
	} {
		_, err := Decode([]byte(body))
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: want ErrInvalid, got %v", body, err)
		}
	}
}

func TestDecodeFetchDefaults(t *testing.T) {
	a := mustDecode(t, `{"id":"/a","cmd":"x","fetch":[{"uri":"http://h/f"},{"uri":"http://h/g","extract":false,"executable":true,"destPath":"bin/g"}]}`)
	want := []Fetch{{URI: "http://h/f", Extract: true}, {URI: "http://h/g", Executable: true, DestPath: "bin/g"}}
	if !reflect.DeepEqual(a.Fetch, want) {
		t.Errorf("got %+v", a.Fetch)
	}
}

func TestDecodeHealthChecks(t *testing.T) {
	a := mustDecode(t, `{"id":"/a","cmd":"x","portDefinitions":[{"port":0,"name":"http"}],"healthChecks":[
		{"protocol":"tcp"},{"protocol":"COMMAND","command":{"value":"true"}},{"path":"/health","port":9000},{}]}`)
	hc := a.HealthChecks
	if hc[0].Protocol != ProtocolTCP || hc[0].Path != "" || hc[0].PortIndex == nil || *hc[0].PortIndex != 0 {
		t.Errorf("TCP: %+v", hc[0])
	}
	if hc[1].PortIndex != nil || hc[1].Command.Value != "true" {
		t.Errorf("COMMAND: %+v", hc[1])
	}
	if hc[2].PortIndex != nil || *hc[2].Port != 9000 || hc[2].Protocol != ProtocolHTTP || hc[2].Path != "/health" {
		t.Errorf("HTTP with port: %+v", hc[2])
	}
	want := DefaultHealthCheck(ProtocolHTTP)
	zero := 0
	want.PortIndex = &zero
	if !reflect.DeepEqual(hc[3], want) {
		t.Errorf("empty: got %+v want %+v", hc[3], want)
	}
	if err := a.Validate(); err != nil {
		t.Error(err)
	}
}

func TestDecodeUnreachableDisabled(t *testing.T) {
	a := mustDecode(t, `{"id":"/a","cmd":"x","unreachableStrategy":"disabled"}`)
	if !a.UnreachableStrategy.Disabled {
		t.Fatalf("got %+v", a.UnreachableStrategy)
	}
	js, _ := json.Marshal(a)
	if !strings.Contains(string(js), `"unreachableStrategy":"disabled"`) {
		t.Errorf("printed %s", js)
	}
	b := mustDecode(t, string(js))
	if !reflect.DeepEqual(a, b) {
		t.Errorf("round trip: %+v != %+v", a, b)
	}
	if _, err := Decode([]byte(`{"id":"/a","cmd":"x","unreachableStrategy":"sometimes"}`)); !errors.Is(err, ErrInvalidJSON) {
		t.Errorf("bad string: %v", err)
	}
}

func TestDecodeEnv(t *testing.T) {
	a := mustDecode(t, `{"id":"/a","cmd":"x","env":{"A":"1","N":3,"B":true},"labels":{"l":"v"}}`)
	if !reflect.DeepEqual(a.Env, map[string]string{"A": "1", "N": "3", "B": "true"}) {
		t.Errorf("env: %v", a.Env)
	}
	_, err := Decode([]byte(`{"id":"/a","cmd":"x","env":{"PASSWORD":{"secret":"pw"}}}`))
	var ve *ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, ErrInvalid) || ve.Details[0].Path != "/env/PASSWORD" || !strings.Contains(ve.Details[0].Errors[0], "secret") {
		t.Errorf("secret env: %v", err)
	}
	_, err = Decode([]byte(`{"id":"/a","cmd":"x","env":{"L":["a"]}}`))
	if !errors.As(err, &ve) || ve.Details[0].Path != "/env/L" || !errors.Is(err, ErrInvalidJSON) {
		t.Errorf("list env: %v", err)
	}
}

func TestDecodeTypeErrorsAreInvalidJSON(t *testing.T) {
	tests := []struct {
		body, path, msg string
	}{
		{`{"id":"/a","cmd":"x","cpus":"one"}`, "/cpus", "expected a number, got a string"},
		{`{"id":"/a","cmd":"x","instances":1.5}`, "/instances", "expected an integer"},
		{`{"id":5}`, "/id", "expected a string"},
		{`{"id":"/a","cmd":"x","portDefinitions":[{"port":"http"}]}`, "/portDefinitions(0)/port", "expected an integer"},
		{`{"id":"/a","cmd":"x","healthChecks":[{"portIndex":"0"}]}`, "/healthChecks(0)/portIndex", "expected an integer"},
		{`{"id":"/a","cmd":"x","upgradeStrategy":{"minimumHealthCapacity":"all"}}`, "/upgradeStrategy/minimumHealthCapacity", "expected a number"},
		{`{"id":"/a","cmd":"x","constraints":"hostname:UNIQUE"}`, "/constraints", "expected an array"},
		{`[1,2]`, "/", "expected a JSON object"},
		{`{"id":`, "/", "malformed JSON"},
		{``, "/", "expected a JSON object"},
		{`null`, "/", "expected a JSON object"},
	}
	for _, tt := range tests {
		_, err := Decode([]byte(tt.body))
		var ve *ValidationError
		if !errors.As(err, &ve) || !errors.Is(err, ErrInvalidJSON) {
			t.Errorf("%s: want an invalid JSON error, got %v", tt.body, err)
			continue
		}
		js, _ := json.Marshal(ve)
		if ve.Message != "Invalid JSON" || ve.Details[0].Path != tt.path || !strings.Contains(ve.Details[0].Errors[0], tt.msg) {
			t.Errorf("%s: got %s, want path %s and %q", tt.body, js, tt.path, tt.msg)
		}
	}
}

func TestDecodeIgnoresUnknownMembersAndIsCaseSensitive(t *testing.T) {
	a := mustDecode(t, `{"id":"/a","cmd":"x","tty":true,"networks":[{"mode":"host"}],"CPUS":4,"residency":null,"readinessChecks":[]}`)
	if a.CPUs != DefaultCPUs {
		t.Errorf("CPUS is not cpus: got %v", a.CPUs)
	}
}

func TestDecodeRefusesContainers(t *testing.T) {
	_, err := Decode([]byte(`{"id":"/a","container":{"type":"DOCKER","docker":{"image":"nginx"}}}`))
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "/container") {
		t.Errorf("got %v", err)
	}
	// A Mesos container without an image changes nothing agora needs.
	mustDecode(t, `{"id":"/a","cmd":"x","container":{"type":"MESOS","volumes":[]}}`)
}

// Tasks run in the agent's host network: a container network is refused,
// not silently given the host's.
func TestDecodeNetworks(t *testing.T) {
	mustDecode(t, `{"id":"/a","cmd":"x","networks":[{"mode":"host"}]}`)
	mustDecode(t, `{"id":"/a","cmd":"x","networks":[]}`)
	mustDecode(t, `{"id":"/a","cmd":"x","networks":null}`)
	for _, tc := range []struct{ body, path, msg string }{
		{`{"id":"/a","cmd":"x","networks":[{"mode":"container","name":"dcos"}]}`, "/networks(0)/mode", "container networks are not supported"},
		{`{"id":"/a","cmd":"x","networks":[{"mode":"container/bridge"}]}`, "/networks(0)/mode", "mode host"},
		{`{"id":"/a","cmd":"x","networks":[{"mode":"overlay"}]}`, "/networks(0)/mode", `got "overlay", expected one of host, container, container/bridge`},
		{`{"id":"/a","cmd":"x","networks":[{"mode":"host"},{"mode":"host"}]}`, "/networks", "host networking must be the only network"},
	} {
		_, err := Decode([]byte(tc.body))
		var ve *ValidationError
		if !errors.As(err, &ve) || !errors.Is(err, ErrInvalid) || ve.Details[0].Path != tc.path || !strings.Contains(ve.Details[0].Errors[0], tc.msg) {
			t.Errorf("%s: got %v, want 422 at %s saying %q", tc.body, err, tc.path, tc.msg)
		}
	}
	if _, err := Decode([]byte(`{"id":"/a","cmd":"x","networks":{"mode":"host"}}`)); !errors.Is(err, ErrInvalidJSON) {
		t.Errorf("networks as an object: %v, want invalid JSON", err)
	}
}

func TestDecodeResolvesIDsAndDependencies(t *testing.T) {
	a := mustDecode(t, `{"id":"prod/web/","cmd":"x","dependencies":["db","../shared/cache","/ops/log"]}`)
	if a.ID != "/prod/web" {
		t.Errorf("id: %s", a.ID)
	}
	want := []string{"/prod/db", "/shared/cache", "/ops/log"}
	if !reflect.DeepEqual(a.Dependencies, want) {
		t.Errorf("dependencies: got %v want %v", a.Dependencies, want)
	}
	b, err := DecodeIn([]byte(`{"id":"web","cmd":"x"}`), "/prod")
	if err != nil || b.ID != "/prod/web" {
		t.Errorf("DecodeIn: %v %v", b, err)
	}
}

func TestPatch(t *testing.T) {
	base := mustDecode(t, `{"id":"/a","cmd":"x","instances":2,"env":{"A":"1"},"dependencies":["/b"],"labels":{"k":"v"},
		"healthChecks":[{"protocol":"TCP"}],"upgradeStrategy":{"minimumHealthCapacity":0.5,"maximumOverCapacity":0}}`)
	base.Version = "2026-01-01T00:00:00.000Z"
	before, _ := json.Marshal(base)

	got, err := Patch(base, []byte(`{"id":"/other","instances":5,"env":{"B":"2"},"ports":null,"dependencies":null,"version":"2030-01-01T00:00:00.000Z",
		"upgradeStrategy":{"minimumHealthCapacity":0}}`))
	if err != nil {
		t.Fatal(err)
	}
	after, _ := json.Marshal(base)
	if string(before) != string(after) {
		t.Fatalf("Patch changed its base:\n%s\n%s", before, after)
	}
	if got.ID != "/a" || got.Instances != 5 || !reflect.DeepEqual(got.Env, map[string]string{"B": "2"}) {
		t.Errorf("patched: %+v", got)
	}
	if !reflect.DeepEqual(got.Dependencies, []string{"/b"}) || got.Labels["k"] != "v" || got.Version != base.Version {
		t.Errorf("absent or null members must keep their values: %+v", got)
	}
	// A nested object replaces the whole value; its missing members take defaults.
	if got.UpgradeStrategy != (UpgradeStrategy{0, 1}) {
		t.Errorf("upgradeStrategy: %+v", got.UpgradeStrategy)
	}
	if !NeedsRestart(base, got) {
		t.Errorf("env changed: a restart is needed")
	}

	// Switching between cmd and args in one update.
	args, err := Patch(base, []byte(`{"args":["/bin/server","--port","0"]}`))
	if err != nil || args.Cmd != "" || len(args.Args) != 3 || args.Validate() != nil {
		t.Errorf("cmd to args: %+v %v", args, err)
	}
	cmd, err := Patch(args, []byte(`{"cmd":"sleep 1"}`))
	if err != nil || cmd.Cmd != "sleep 1" || cmd.Args != nil {
		t.Errorf("args to cmd: %+v %v", cmd, err)
	}

	// Ports given later: health checks without a port get portIndex 0.
	noPorts := mustDecode(t, `{"id":"/a","cmd":"x","portDefinitions":[],"healthChecks":[{"protocol":"HTTP"}]}`)
	if noPorts.HealthChecks[0].PortIndex != nil || noPorts.Validate() == nil {
		t.Errorf("a check without ports must be invalid: %+v", noPorts.HealthChecks[0])
	}
	withPorts, err := Patch(noPorts, []byte(`{"ports":[0]}`))
	if err != nil || withPorts.HealthChecks[0].PortIndex == nil || withPorts.Validate() != nil {
		t.Errorf("ports added: %+v %v", withPorts, err)
	}

	if _, err := Patch(base, []byte(`{"instances":"many"}`)); !errors.Is(err, ErrInvalidJSON) {
		t.Errorf("bad patch: %v", err)
	}
}

func TestRollbackVersion(t *testing.T) {
	v, ok, err := RollbackVersion([]byte(`{"id":"/a","version":"2026-11-24T23:37:44.123Z"}`))
	if err != nil || !ok || v != "2026-11-24T23:37:44.123Z" {
		t.Errorf("got %q %v %v", v, ok, err)
	}
	if _, ok, err := RollbackVersion([]byte(`{"instances":3}`)); ok || err != nil {
		t.Errorf("not a rollback: %v %v", ok, err)
	}
	if _, _, err := RollbackVersion([]byte(`{"instances":3,"version":"2026-11-24T23:37:44.123Z"}`)); !errors.Is(err, ErrInvalid) {
		t.Errorf("version with other members: %v", err)
	}
}
