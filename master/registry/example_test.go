package registry_test

import (
	"fmt"
	"os"
	"path/filepath"

	"agora/master/registry"
)

func Example() {
	dir, _ := os.MkdirTemp("", "registry")
	defer os.RemoveAll(dir)
	store, err := registry.OpenFile(filepath.Join(dir, "registry.json"))
	if err != nil {
		panic(err)
	}
	state, _ := store.Load()
	state.Weights = map[string]float64{"prod": 2}
	if err := store.Save(state); err != nil {
		panic(err)
	}

	// After a restart the master reads it back.
	again, _ := registry.OpenFile(filepath.Join(dir, "registry.json"))
	loaded, _ := again.Load()
	fmt.Println(loaded.Weights["prod"])
	// Output: 2
}
