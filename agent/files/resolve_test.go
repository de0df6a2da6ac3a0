package files

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// sandboxTree builds a work directory with one sandbox and, beside it,
// a secret the sandbox must not lead to:
//
//	<tmp>/secret
//	<tmp>/sandbox/stdout
//	<tmp>/sandbox/dir/inner
//	<tmp>/sandbox/tasks/t1/stdout
//	<tmp>/sandbox/out      -> ../secret          (relative link out)
//	<tmp>/sandbox/abs-out  -> <tmp>/secret       (absolute link out)
//	<tmp>/sandbox/in       -> dir/inner          (link that stays in)
//	<tmp>/sandbox/abs-in   -> <tmp>/sandbox/dir  (absolute link that stays in)
//	<tmp>/sandbox/updir    -> ..                 (link to the parent)
//	<tmp>/sandbox/dangling -> nowhere
//	<tmp>/sandbox-evil/x   (shares a name prefix with the sandbox)
func sandboxTree(t testing.TB) (tmp, sandbox string) {
	t.Helper()
	tmp, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	sandbox = filepath.Join(tmp, "sandbox")
	mustWrite(t, filepath.Join(tmp, "secret"), "secret")
	mustWrite(t, filepath.Join(sandbox, "stdout"), "hello\n")
	mustWrite(t, filepath.Join(sandbox, "dir", "inner"), "inner")
	mustWrite(t, filepath.Join(sandbox, "tasks", "t1", "stdout"), "task")
	mustWrite(t, filepath.Join(tmp, "sandbox-evil", "x"), "evil")
	for link, target := range map[string]string{
		"out":      "../secret",
		"abs-out":  filepath.Join(tmp, "secret"),
		"in":       "dir/inner",
		"abs-in":   filepath.Join(sandbox, "dir"),
		"updir":    "..",
		"dangling": "nowhere",
	} {
		if err := os.Symlink(target, filepath.Join(sandbox, link)); err != nil {
			t.Fatal(err)
		}
	}
	return tmp, sandbox
}

func mustWrite(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestResolve(t *testing.T) {
	tmp, sandbox := sandboxTree(t)
	table := Table{}
	table.Add(sandbox, sandbox)
	table.Add("/frameworks/fw/executors/ex/runs/latest/", sandbox)

	tests := []struct {
		path    string
		wantRel string // when found
		wantErr error
	}{
		{sandbox, ".", nil},
		{sandbox + "/", ".", nil},
		{sandbox + "/stdout", "stdout", nil},
		{sandbox + "//dir///inner", "dir/inner", nil},
		{sandbox + "/tasks/t1/stdout", "tasks/t1/stdout", nil},
		{sandbox + "/dir/../stdout", "stdout", nil},
		{sandbox + "/./stdout", "stdout", nil},
		{"file://" + sandbox + "/stdout", "stdout", nil},
		{"/frameworks/fw/executors/ex/runs/latest", ".", nil},
		{"/frameworks/fw/executors/ex/runs/latest/stdout", "stdout", nil},
		// Links that stay inside are followed.
		{sandbox + "/in", "dir/inner", nil},
		{sandbox + "/abs-in/inner", "dir/inner", nil},
		// Everything that leaves the sandbox is refused.
		{sandbox + "/..", "", ErrInaccessible},
		{sandbox + "/../secret", "", ErrInaccessible},
		{sandbox + "/dir/../../secret", "", ErrInaccessible},
		{"/frameworks/fw/executors/ex/runs/latest/../../../../../../../../../../etc/passwd", "", ErrInaccessible},
		{sandbox + "/out", "", ErrInaccessible},
		{sandbox + "/abs-out", "", ErrInaccessible},
		{sandbox + "/updir/secret", "", ErrInaccessible},
		{sandbox + "/updir/sandbox-evil/x", "", ErrInaccessible},
		// Names that do not exist, or are not exposed at all.
		{sandbox + "/missing", "", ErrNotFound},
		{sandbox + "/../nothing-here", "", ErrNotFound},
		{sandbox + "/dangling", "", ErrNotFound},
		{sandbox + "/stdout/below-a-file", "", ErrNotFound},
		{tmp + "/secret", "", ErrNotFound},
		{tmp + "/sandbox-evil/x", "", ErrNotFound},
		{"/frameworks/fw/executors/other/runs/latest", "", ErrNotFound},
		{"/", "", ErrNotFound},
		{"", "", ErrNotFound},
		{"relative/stdout", "", ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := table.Resolve(tt.path)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Resolve = %+v, %v; want %v", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got.Root != sandbox || got.Rel != tt.wantRel {
				t.Fatalf("Resolve = %+v, %v; want %s in %s", got, err, tt.wantRel, sandbox)
			}
		})
	}
}

func TestLookupPicksTheLongestPrefix(t *testing.T) {
	table := Table{}
	table.Add("/a", "/dirA")
	table.Add("/a/b/c", "/dirC")
	tests := []struct{ path, dir, suffix string }{
		{"/a", "/dirA", ""},
		{"/a/b", "/dirA", "b"},
		{"/a/b/c", "/dirC", ""},
		{"/a/b/c/", "/dirC", ""},
		{"/a/b/c/d/e", "/dirC", "d/e"},
		{"/a/b/cd", "/dirA", "b/cd"},
		{"//a//b//c//d", "/dirC", "d"},
		{"/a/b/c/../x", "/dirC", "../x"},
	}
	for _, tt := range tests {
		dir, suffix, ok := table.lookup(tt.path)
		if !ok || dir != tt.dir || suffix != tt.suffix {
			t.Errorf("lookup(%q) = %q, %q, %v; want %q, %q", tt.path, dir, suffix, ok, tt.dir, tt.suffix)
		}
	}
	for _, path := range []string{"/ab", "/", "", "a", "/b/a"} {
		if dir, suffix, ok := table.lookup(path); ok {
			t.Errorf("lookup(%q) = %q, %q; want nothing", path, dir, suffix)
		}
	}
}

// FuzzResolve checks the one property that matters: whatever the path,
// a file Resolve finds lies inside the sandbox, and the secret beside
// it is never reached.
func FuzzResolve(f *testing.F) {
	for _, seed := range []string{
		"stdout", "../secret", "out", "abs-out", "updir/secret", "in", "abs-in/inner", "dir/../../secret",
		"tasks/t1/../../stdout", "./././..", "updir/sandbox/out", "dangling", "%2e%2e/secret", "a\x00b",
	} {
		f.Add(seed)
	}
	tmp, sandbox := sandboxTree(f)
	table := Table{}
	table.Add("/frameworks/fw/executors/ex/runs/latest", sandbox)
	secret := filepath.Join(tmp, "secret")
	f.Fuzz(func(t *testing.T, suffix string) {
		got, err := table.Resolve("/frameworks/fw/executors/ex/runs/latest/" + suffix)
		if err != nil {
			if !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrInaccessible) && !errors.Is(err, ErrInvalid) {
				t.Fatalf("Resolve(%q): unclassified error %v", suffix, err)
			}
			return
		}
		full := got.Path()
		if full == secret || (full != sandbox && !strings.HasPrefix(full, sandbox+"/")) {
			t.Fatalf("Resolve(%q) = %s, outside the sandbox %s", suffix, full, sandbox)
		}
	})
}

// BenchmarkResolve resolves a file in one of many sandboxes, as the files
// API does for every request.
func BenchmarkResolve(b *testing.B) {
	_, sandbox := sandboxTree(b)
	table := Table{}
	for i := range 10000 {
		table.Add(filepath.Join("/frameworks/fw/executors", strconv.Itoa(i), "runs/latest"), sandbox)
	}
	table.Add("/frameworks/fw/executors/ex/runs/latest", sandbox)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := table.Resolve("/frameworks/fw/executors/ex/runs/latest/tasks/t1/stdout"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTable builds a table of 10,000 executor runs, each under its
// three paths: what the agent builds on its loop for /files/debug. Other
// requests get only the runs of the executor their path names.
func BenchmarkTable(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		table := Table{}
		for i := range 10000 {
			id := strconv.Itoa(i)
			dir := "/var/lib/agora/slaves/a/frameworks/fw/executors/" + id + "/runs/0f3c2a9e-1111-2222-3333-444455556666"
			table.Add(dir, dir)
			table.Add("/var/lib/agora/slaves/a/frameworks/fw/executors/"+id+"/runs/latest", dir)
			table.Add("/frameworks/fw/executors/"+id+"/runs/latest", dir)
		}
	}
}
