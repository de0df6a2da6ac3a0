package app

import (
	"encoding/json"
	"reflect"
	"testing"
)

var fuzzSeeds = []string{
	`{"id":"web","cmd":"python3 -m http.server $PORT0"}`,
	`{"id":"/product/web","cmd":"sleep 1000","constraints":[["hostname","UNIQUE"]],"cpus":0.1,"instances":3,"mem":64,"ports":null,"dependencies":null,"healthChecks":[{"portIndex":0,"path":"","maxConsecutiveFailures":3,"protocol":"HTTP","gracePeriodSeconds":30,"intervalSeconds":10,"timeoutSeconds":5}]}`,
	`{"id":"/a","cmd":"x","ports":[0,8080],"uris":["http://h/app.tgz"],"env":{"A":"1","N":3},"unreachableStrategy":"disabled"}`,
	`{"id":"/a","args":["x"],"portDefinitions":[{"port":0,"name":"http","labels":{"a":"b"}}],"healthChecks":[{"protocol":"COMMAND","command":{"value":"true"}}],"upgradeStrategy":{"minimumHealthCapacity":0.5},"fetch":[{"uri":"http://x","destPath":"d"}]}`,
	`{"id":"/a","cmd":"x","env":{"S":{"secret":"s"}},"container":{"type":"DOCKER"}}`,
	`{"id":"/a","cmd":"x","role":"dev","networks":[{"mode":"host"},{"mode":"container","name":"n"}]}`,
	`{"cpus":"x","instances":1.5}`,
	`[1]`,
	`{"version":"2026-01-01T00:00:00.000Z","versionInfo":{"lastScalingAt":"a","lastConfigChangeAt":"b"}}`,
}

// FuzzDecode: Decode never panics; an app that decodes and validates prints as JSON that
// decodes to the same app.
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Decode(data)
		if err != nil {
			if _, ok := err.(*ValidationError); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if a.Validate() != nil {
			return
		}
		js, err := json.Marshal(a)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		b, err := Decode(js)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", js, err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("round trip changed the app:\n%+v\n%+v\n%s", a, b, js)
		}
		_ = NeedsRestart(a, b)
	})
}

// FuzzPatch: Patch never panics and never changes its base.
func FuzzPatch(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"instances":5,"ports":null,"dependencies":null}`))
	f.Add([]byte(`{"cmd":"y","healthChecks":null,"args":["z"]}`))
	base, err := Decode([]byte(fuzzSeeds[3]))
	if err != nil {
		f.Fatal(err)
	}
	before, _ := json.Marshal(base)
	f.Fuzz(func(t *testing.T, data []byte) {
		next, err := Patch(base, data)
		if after, _ := json.Marshal(base); string(after) != string(before) {
			t.Fatalf("Patch changed its base: %s", after)
		}
		if err != nil {
			return
		}
		_ = next.Validate()
		_ = NeedsRestart(base, next)
		_, _, _ = RollbackVersion(data)
	})
}

// FuzzDecodeFile: DecodeFile never panics on JSON or YAML, apps, groups or lists.
func FuzzDecodeFile(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add("app.json", []byte(s))
	}
	f.Add("shop.yaml", []byte("id: /shop\ndependencies: [/infra]\napps:\n  - id: web\n    cmd: x\n    dependencies: [../db]\ngroups:\n  - id: data\n    apps: [{id: db, cmd: y}]\n"))
	f.Add("list.json", []byte(`[{"id":"a","cmd":"x"},{"id":"b","cmd":"y","dependencies":["a"]}]`))
	f.Add("x", []byte("- id: a\n  cmd: x\n"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		apps, g, err := DecodeFile(name, data)
		if err != nil {
			return
		}
		for _, a := range apps {
			_ = a.Validate()
		}
		if g != nil {
			_ = g.Validate()
			_ = g.Flatten()
			_, _ = g.Order()
		} else {
			_, _ = Order(apps)
		}
	})
}
