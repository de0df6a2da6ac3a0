package containerizer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSandboxPathLayout(t *testing.T) {
	got, err := SandboxPath("/var/lib/agora", "a1-S0", "fw-0001", "web.1", "c0ffee-42")
	if err != nil {
		t.Fatal(err)
	}
	want := "/var/lib/agora/slaves/a1-S0/frameworks/fw-0001/executors/web.1/runs/c0ffee-42"
	if got != want {
		t.Errorf("SandboxPath = %q, want %q", got, want)
	}
	latest, err := LatestRunPath("/var/lib/agora", "a1-S0", "fw-0001", "web.1")
	if err != nil {
		t.Fatal(err)
	}
	if want := "/var/lib/agora/slaves/a1-S0/frameworks/fw-0001/executors/web.1/runs/latest"; latest != want {
		t.Errorf("LatestRunPath = %q, want %q", latest, want)
	}
}

func TestSandboxPathRejectsIDsThatEscape(t *testing.T) {
	ok := []string{"a", "fw", "ex", "c"}
	tests := []struct {
		name string
		at   int // which ID to replace: agent, framework, executor, container
		id   string
	}{
		{"empty agent", 0, ""},
		{"dot-dot framework", 1, ".."},
		{"dot executor", 2, "."},
		{"slash executor", 2, "../../etc"},
		{"backslash agent", 0, `a\b`},
		{"newline framework", 1, "fw\n"},
		{"NUL executor", 2, "ex\x00"},
		{"too long executor", 2, strings.Repeat("x", 256)},
		{"period in container", 3, "c.child"},
		{"space in container", 3, "c 1"},
		{"slash in container", 3, "c/1"},
		{"too long container", 3, strings.Repeat("c", 243)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids := append([]string(nil), ok...)
			ids[tt.at] = tt.id
			_, err := SandboxPath("/work", ids[0], ids[1], ids[2], ids[3])
			if !errors.Is(err, ErrInvalidID) {
				t.Errorf("SandboxPath(%q) = %v, want ErrInvalidID", ids, err)
			}
		})
	}
	if _, err := SandboxPath("", "a", "fw", "ex", "c"); !errors.Is(err, ErrInvalidID) {
		t.Errorf("empty work dir: %v, want ErrInvalidID", err)
	}
}

func TestValidateIDAcceptsMesosIDs(t *testing.T) {
	for _, id := range []string{
		"2b4ec6c5-6c2d-4d5c-a7c8-2d4a1a0f44d7-S0",
		"2b4ec6c5-0000",
		"my-app.instance-42",
		"...",
		"ünïcode",
		strings.Repeat("x", 255),
	} {
		if err := ValidateID(id); err != nil {
			t.Errorf("ValidateID(%q) = %v, want nil", id, err)
		}
	}
}

func TestCreateSandboxPointsLatestAtNewestRun(t *testing.T) {
	work := t.TempDir()
	first, err := CreateSandbox(work, "a", "fw", "ex", "run1")
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(first)
	if err != nil {
		t.Fatal(err)
	}
	if !info.IsDir() || info.Mode().Perm() != 0o750 {
		t.Errorf("sandbox mode = %v, want a 0750 directory", info.Mode())
	}
	latest, _ := LatestRunPath(work, "a", "fw", "ex")
	assertLatest(t, latest, first)

	second, err := CreateSandbox(work, "a", "fw", "ex", "run2")
	if err != nil {
		t.Fatal(err)
	}
	assertLatest(t, latest, second)
	if _, err := os.Stat(first); err != nil {
		t.Errorf("the earlier run is gone: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(first))
	if len(entries) != 3 {
		t.Errorf("runs holds %d entries, want run1, run2 and latest", len(entries))
	}

	// Creating the same run again (agent recovery) is not an error.
	if _, err := CreateSandbox(work, "a", "fw", "ex", "run2"); err != nil {
		t.Errorf("CreateSandbox again: %v", err)
	}
}

func assertLatest(t *testing.T, latest, want string) {
	t.Helper()
	got, err := filepath.EvalSymlinks(latest)
	if err != nil {
		t.Fatal(err)
	}
	wantReal, _ := filepath.EvalSymlinks(want)
	if got != wantReal {
		t.Errorf("latest -> %q, want %q", got, wantReal)
	}
}

func TestCreateTaskSandboxNestsTasksInTheExecutorSandbox(t *testing.T) {
	executor := t.TempDir()
	got, err := CreateTaskSandbox(executor, "web.1")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(executor, "tasks", "web.1"); got != want {
		t.Errorf("task sandbox %q, want %q", got, want)
	}
	info, err := os.Stat(got)
	if err != nil || !info.IsDir() || info.Mode().Perm() != 0o750 {
		t.Errorf("task sandbox %v, %v; want a 0750 directory", info, err)
	}
	if _, err := CreateTaskSandbox(executor, "web.1"); err != nil {
		t.Errorf("CreateTaskSandbox again: %v", err)
	}
	for _, bad := range []string{"", ".", "..", "../escape", `a\b`, "t\n"} {
		if _, err := CreateTaskSandbox(executor, bad); !errors.Is(err, ErrInvalidID) {
			t.Errorf("CreateTaskSandbox(%q) = %v, want ErrInvalidID", bad, err)
		}
	}
	if _, err := TaskSandboxPath("", "t"); !errors.Is(err, ErrInvalidID) {
		t.Errorf("TaskSandboxPath without an executor sandbox = %v, want ErrInvalidID", err)
	}
}
