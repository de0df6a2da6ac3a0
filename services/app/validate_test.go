package app

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestValidateReportsMarathonPathsAndMessages(t *testing.T) {
	tests := []struct {
		name, body, path, msg string
	}{
		{"no command", `{"id":"/a"}`, "/", "must either contain one of 'cmd' or 'args'"},
		{"both commands", `{"id":"/a","cmd":"x","args":["y"]}`, "/", "must either contain one of 'cmd' or 'args'"},
		{"upper case id", `{"id":"/Web","cmd":"x"}`, "/id", "must fully match regular expression"},
		{"underscore id", `{"id":"/my_app","cmd":"x"}`, "/id", "must fully match regular expression"},
		{"dash at end", `{"id":"/app-","cmd":"x"}`, "/id", "must fully match regular expression"},
		{"reserved", `{"id":"/a/tasks","cmd":"x"}`, "/id", "reserved keywords"},
		{"no id", `{"cmd":"x"}`, "/id", "at least one path element"},
		{"root id", `{"id":"/","cmd":"x"}`, "/id", "at least one path element"},
		{"negative cpus", `{"id":"/a","cmd":"x","cpus":-1}`, "/cpus", "got -1.0, expected 0.0 or more"},
		{"negative mem", `{"id":"/a","cmd":"x","mem":-0.5}`, "/mem", "got -0.5, expected 0.0 or more"},
		{"negative disk", `{"id":"/a","cmd":"x","disk":-3}`, "/disk", "got -3.0, expected 0.0 or more"},
		{"negative instances", `{"id":"/a","cmd":"x","instances":-3}`, "/instances", "got -3, expected 0 or more"},
		{"negative gpus", `{"id":"/a","cmd":"x","gpus":-1}`, "/gpus", "expected 0 or more"},
		{"backoff factor", `{"id":"/a","cmd":"x","backoffFactor":0.5}`, "/backoffFactor", "got 0.5, expected 1.0 or more"},
		{"backoff seconds", `{"id":"/a","cmd":"x","backoffSeconds":-1}`, "/backoffSeconds", "expected 0.0 or more"},
		{"max launch delay", `{"id":"/a","cmd":"x","maxLaunchDelaySeconds":-1}`, "/maxLaunchDelaySeconds", "expected 0.0 or more"},
		{"kill grace", `{"id":"/a","cmd":"x","taskKillGracePeriodSeconds":-1}`, "/taskKillGracePeriodSeconds", "expected 0.0 or more"},
		{"deployment timeout", `{"id":"/a","cmd":"x","deploymentTimeoutSeconds":-1}`, "/deploymentTimeoutSeconds", "expected 0.0 or more"},
		{"min health", `{"id":"/a","cmd":"x","upgradeStrategy":{"minimumHealthCapacity":1.5}}`, "/upgradeStrategy/minimumHealthCapacity", "got 1.5, expected 1.0 or less"},
		{"over capacity", `{"id":"/a","cmd":"x","upgradeStrategy":{"maximumOverCapacity":-0.1}}`, "/upgradeStrategy/maximumOverCapacity", "expected 0.0 or more"},
		{"unreachable order", `{"id":"/a","cmd":"x","unreachableStrategy":{"inactiveAfterSeconds":600,"expungeAfterSeconds":300}}`, "/unreachableStrategy/inactiveAfterSeconds", "inactiveAfterSeconds (600) must be less or equal to expungeAfterSeconds, which is 300"},
		{"unreachable negative", `{"id":"/a","cmd":"x","unreachableStrategy":{"inactiveAfterSeconds":-1}}`, "/unreachableStrategy/inactiveAfterSeconds", "must be greater than or equal to 0"},
		{"kill selection", `{"id":"/a","cmd":"x","killSelection":"RANDOM"}`, "/killSelection", "is not one of (YOUNGEST_FIRST,OLDEST_FIRST)"},
		{"executor", `{"id":"/a","cmd":"x","executor":"a//b"}`, "/executor", "must fully match"},
		{"constraint operator", `{"id":"/a","cmd":"x","constraints":[["hostname","UNIQUE"],["rack","SOMETIMES"]]}`, "/constraints(1)", "unknown operator"},
		{"constraint value", `{"id":"/a","cmd":"x","constraints":[["rack","GROUP_BY","many"]]}`, "/constraints(0)", "invalid value"},
		{"port range", `{"id":"/a","cmd":"x","portDefinitions":[{"port":70000}]}`, "/portDefinitions(0)/port", "got 70000, expected 65535 or less"},
		{"port protocol", `{"id":"/a","cmd":"x","portDefinitions":[{"port":0,"protocol":"sctp"}]}`, "/portDefinitions(0)/protocol", "is not one of"},
		{"port names", `{"id":"/a","cmd":"x","portDefinitions":[{"name":"http"},{"name":"http"}]}`, "/portDefinitions", "Port names must be unique."},
		{"port name form", `{"id":"/a","cmd":"x","portDefinitions":[{"name":"HTTP"}]}`, "/portDefinitions(0)/name", "must fully match"},
		{"ports unique", `{"id":"/a","cmd":"x","ports":[8080,8080]}`, "/portDefinitions", "Ports must be unique."},
		{"health port index", `{"id":"/a","cmd":"x","healthChecks":[{"portIndex":1}]}`, "/healthChecks(0)", "Health check port indices must address an element"},
		{"health no ports", `{"id":"/a","cmd":"x","portDefinitions":[],"healthChecks":[{"protocol":"TCP"}]}`, "/healthChecks(0)", "Health check port indices"},
		{"health both ports", `{"id":"/a","cmd":"x","healthChecks":[{"portIndex":0,"port":80}]}`, "/healthChecks(0)", "either port or portIndex"},
		{"health command", `{"id":"/a","cmd":"x","healthChecks":[{"protocol":"COMMAND"}]}`, "/healthChecks(0)/command", "needs a command"},
		{"health protocol", `{"id":"/a","cmd":"x","healthChecks":[{"protocol":"UDP"}]}`, "/healthChecks(0)/protocol", "is not one of (HTTP,"},
		{"health interval", `{"id":"/a","cmd":"x","healthChecks":[{"intervalSeconds":-1}]}`, "/healthChecks(0)/intervalSeconds", "got -1, expected 0 or more"},
		{"two mesos checks", `{"id":"/a","cmd":"x","healthChecks":[{"protocol":"MESOS_HTTP"},{"protocol":"MESOS_TCP"}]}`, "/", "at most one Mesos health check"},
		{"fetch uri", `{"id":"/a","cmd":"x","fetch":[{"uri":""}]}`, "/fetch(0)/uri", "must not be empty"},
		{"dependency", `{"id":"/a","cmd":"x","dependencies":["/B"]}`, "/dependencies(0)", "must fully match"},
		{"role", `{"id":"/a","cmd":"x","acceptedResourceRoles":["-web"]}`, "/acceptedResourceRoles(0)", "must not start with '-'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Decode([]byte(tt.body))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			err = a.Validate()
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("want a validation error, got %v", err)
			}
			js, _ := json.Marshal(ve)
			for _, d := range ve.Details {
				if d.Path == tt.path && strings.Contains(strings.Join(d.Errors, "\n"), tt.msg) {
					if ve.Message != "Object is not valid" {
						t.Errorf("message %q", ve.Message)
					}
					return
				}
			}
			t.Errorf("got %s, want path %s with %q", js, tt.path, tt.msg)
		})
	}
}

func TestValidateAcceptsMarathonExamples(t *testing.T) {
	for _, body := range []string{
		`{"id":"/a","args":["/bin/sleep","100"],"cpus":0,"mem":16}`,
		`{"id":"/prod/db.primary","cmd":"x","instances":0,"constraints":[["hostname","UNIQUE"],["rack","GROUP_BY","3"],["zone","LIKE","us-.*"]]}`,
		`{"id":"/a","cmd":"x","executor":"//cmd"}`,
		`{"id":"/a","cmd":"x","acceptedResourceRoles":["*","web","eng/web"]}`,
		`{"id":"/a","cmd":"x","portDefinitions":[{"port":0,"name":"http","protocol":"udp,tcp"},{"port":0,"name":"admin"}],
		  "healthChecks":[{"portIndex":1,"protocol":"HTTP","path":"/ping"},{"protocol":"COMMAND","command":{"value":"curl -f localhost:$PORT0"}}]}`,
		`{"id":"/a","cmd":"x","unreachableStrategy":"disabled","upgradeStrategy":{"minimumHealthCapacity":0,"maximumOverCapacity":0}}`,
		`{"id":"/a","cmd":"x","killSelection":"OLDEST_FIRST","deploymentTimeoutSeconds":600,"rollbackOnTimeout":true}`,
	} {
		a, err := Decode([]byte(body))
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if err := a.Validate(); err != nil {
			t.Errorf("%s: %v", body, err)
		}
	}
}

func TestValidationErrorJSON(t *testing.T) {
	a := Defaults()
	a.ID = "/a"
	a.Cmd = "x"
	a.CPUs = -1
	a.Instances = -2
	err := a.Validate()
	js, _ := json.Marshal(err)
	want := `{"message":"Object is not valid","details":[{"path":"/cpus","errors":["got -1.0, expected 0.0 or more"]},{"path":"/instances","errors":["got -2, expected 0 or more"]}]}`
	if string(js) != want {
		t.Errorf("got  %s\nwant %s", js, want)
	}
	if got := err.Error(); got != "app: object is not valid: /cpus: got -1.0, expected 0.0 or more; /instances: got -2, expected 0 or more" {
		t.Errorf("Error() = %q", got)
	}
}
