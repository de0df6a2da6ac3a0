package containerizer

import (
	"path/filepath"
	"syscall"
	"testing"
)

func TestExecutorsDirectorySpreadsSandboxesOnExt4(t *testing.T) {
	work := t.TempDir()
	var st syscall.Statfs_t
	if err := syscall.Statfs(work, &st); err != nil {
		t.Fatal(err)
	}
	const ext4Magic = 0xEF53 // ext2, ext3 and ext4 share it
	if st.Type != ext4Magic {
		t.Skipf("the temporary directory is on file system type %#x, not ext2/3/4: FS_TOPDIR_FL means nothing there", st.Type)
	}
	sandbox, err := CreateSandbox(work, "agent", "fw", "task-1", "c1")
	if err != nil {
		t.Fatal(err)
	}
	executors := filepath.Join(work, "slaves", "agent", "frameworks", "fw", "executors")
	if filepath.Dir(filepath.Dir(filepath.Dir(sandbox))) != executors {
		t.Fatalf("sandbox %s is not under %s", sandbox, executors)
	}
	for dir, want := range map[string]bool{executors: true, filepath.Dir(executors): false, sandbox: false} {
		fd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
		if err != nil {
			t.Fatal(err)
		}
		flags, err := inodeFlags(fd)
		syscall.Close(fd)
		if err != nil {
			t.Fatal(err)
		}
		if got := flags&fsTopdirFl != 0; got != want {
			t.Errorf("%s: FS_TOPDIR_FL set = %v, want %v (flags %#x)", dir, got, want, flags)
		}
	}
	// A second sandbox of the same framework finds the directory marked.
	if _, err := CreateSandbox(work, "agent", "fw", "task-2", "c2"); err != nil {
		t.Fatal(err)
	}
}
