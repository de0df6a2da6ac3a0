package app

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestDecodeFileYAMLMeansTheSameAsJSON(t *testing.T) {
	js := `{"id":"/web","cmd":"serve","instances":2,"env":{"PORT_NAME":"http","WORKERS":"4"},"constraints":[["hostname","UNIQUE"],["rack","GROUP_BY","3"]],
		"healthChecks":[{"protocol":"HTTP","path":"/health"}],"ports":null}`
	yml := `
id: /web
cmd: serve
instances: 2
env:
  PORT_NAME: http
  WORKERS: 4
constraints:
  - [hostname, UNIQUE]
  - [rack, GROUP_BY, 3]
healthChecks:
  - protocol: HTTP
    path: /health
ports: null
`
	fromJSON, g1, err := DecodeFile("web.json", []byte(js))
	if err != nil || g1 != nil {
		t.Fatal(err)
	}
	fromYAML, g2, err := DecodeFile("web.yaml", []byte(yml))
	if err != nil || g2 != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromJSON, fromYAML) {
		t.Errorf("JSON %+v\nYAML %+v", fromJSON[0], fromYAML[0])
	}
	// No suffix: the content decides.
	if apps, _, err := DecodeFile("web", []byte(yml)); err != nil || apps[0].ID != "/web" {
		t.Errorf("YAML without suffix: %v", err)
	}
}

func TestDecodeFileGroupsAndLists(t *testing.T) {
	apps, g, err := DecodeFile("shop.yml", []byte("id: /shop\napps:\n  - id: web\n    cmd: x\n"))
	if err != nil || apps != nil || g == nil || g.Apps[0].ID != "/shop/web" {
		t.Fatalf("group: %v %+v %v", apps, g, err)
	}
	apps, g, err = DecodeFile("list.json", []byte(`[{"id":"a","cmd":"x"},{"id":"b","cmd":"y"}]`))
	if err != nil || g != nil || len(apps) != 2 || apps[1].ID != "/b" {
		t.Fatalf("list: %v %v %v", apps, g, err)
	}
}

func TestDecodeFileErrors(t *testing.T) {
	tests := []struct{ name, data, want string }{
		{"a.json", `{"id":`, "malformed JSON"},
		{"a.json", `"just a string"`, "expected an app, a group or a list of apps"},
		{"a.json", ``, "empty"},
		{"a.yaml", "id: [unclosed", "not JSON or YAML"},
		{"a.yaml", "just text", "expected an app"},
		{"a.json", `[]`, "lists no apps"},
		{"a.json", `[{"id":"a","cpus":"x"}]`, "/(0)/cpus"},
		{"a.json", `[{"id":"a","cmd":"x","env":{"S":{"secret":"s"}}}]`, "/(0)/env/S"},
		{"a.yaml", "id: a\ncpus: lots\n", "/cpus"},
	}
	for _, tt := range tests {
		_, _, err := DecodeFile(tt.name, []byte(tt.data))
		var ve *ValidationError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s %q: got %v, want %q", tt.name, tt.data, err, tt.want)
		}
	}
}
