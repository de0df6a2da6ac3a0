package registry

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func sample() State {
	return State{
		Version: Version,
		Weights: map[string]float64{"prod": 2, "eng/web": 0.5},
		Quota: map[string]Quota{
			"prod": {Guarantees: map[string]float64{"cpus": 4}, Limits: map[string]float64{"cpus": 8, "mem": 4096}},
		},
		Agents: map[string]AgentResources{
			"S1": {Resources: []json.RawMessage{json.RawMessage(`{"name":"cpus","type":"SCALAR","scalar":{"value":1}}`)}},
		},
	}
}

func TestFileStoreRoundTripsAndSurvivesReopening(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master", "registry.json")
	s, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	empty, err := s.Load()
	if err != nil || len(empty.Weights) != 0 || empty.Version != Version {
		t.Fatalf("Load before any Save = %+v, %v", empty, err)
	}
	if err := s.Save(sample()); err != nil {
		t.Fatal(err)
	}
	again, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := again.Load()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, sample()) {
		t.Errorf("loaded %+v, want %+v", got, sample())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d files, want only the registry (no temporaries)", len(entries))
	}
}

func TestFileStoreRefusesCorruptOrNewerState(t *testing.T) {
	for name, content := range map[string]string{
		"not json":      "{weights",
		"newer version": `{"version": 99}`,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "registry.json")
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			s, _ := OpenFile(path)
			if _, err := s.Load(); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Load = %v, want ErrCorrupt", err)
			}
		})
	}
}

func TestCloneIsDeep(t *testing.T) {
	a := sample()
	b := a.Clone()
	b.Weights["prod"] = 9
	b.Quota["prod"].Limits["cpus"] = 1
	if a.Weights["prod"] != 2 || a.Quota["prod"].Limits["cpus"] != 8 {
		t.Errorf("changing a clone changed the original: %+v", a)
	}
	m := &Memory{}
	if err := m.Save(a); err != nil {
		t.Fatal(err)
	}
	got, _ := m.Load()
	if !reflect.DeepEqual(got, a) {
		t.Errorf("memory store gave %+v", got)
	}
}
