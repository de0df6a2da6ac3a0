package agent

import (
	"errors"
	"path/filepath"
	"testing"
)

func TestVolumePathFollowsMesosLayout(t *testing.T) {
	got, err := VolumePath("/w", "eng/web", "data")
	if err != nil || got != filepath.Join("/w", "volumes", "roles", "eng web", "data") {
		t.Errorf("VolumePath(eng/web, data) = %q, %v", got, err)
	}
	for _, tc := range []struct{ role, id string }{
		{"db", ".."}, {"db", "../../etc"}, {"db", "a/b"}, {"db", ""}, {"db", "x\x00"},
		{"*", "data"}, {"../x", "data"}, {"", "data"},
	} {
		if _, err := VolumePath("/w", tc.role, tc.id); !errors.Is(err, ErrInvalidVolume) {
			t.Errorf("VolumePath(%q, %q): %v, want ErrInvalidVolume", tc.role, tc.id, err)
		}
	}
}
