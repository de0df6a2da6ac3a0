//go:build unix

package containerizer

import (
	"bufio"
	"strings"
	"syscall"
	"testing"
)

func TestReadReport(t *testing.T) {
	r := bufio.NewReader(strings.NewReader("started 42\nerror /x: no such file or directory\nexited 3 0 0\nexited 0 9 1\n"))
	want := []supervisorReport{
		{Started: 42},
		{Error: "/x: no such file or directory"},
		{Exited: &ExitStatus{Code: 3}},
		{Exited: &ExitStatus{Signal: syscall.SIGKILL, CoreDumped: true}},
	}
	for _, w := range want {
		got, err := readReport(r)
		if err != nil {
			t.Fatal(err)
		}
		if got.Started != w.Started || got.Error != w.Error || (got.Exited == nil) != (w.Exited == nil) ||
			(got.Exited != nil && *got.Exited != *w.Exited) {
			t.Errorf("report %+v, want %+v", got, w)
		}
	}
	for _, bad := range []string{"started\n", "started -1\n", "exited 1 2\n", "exited 1 2 3\n", "finished\n", `{"started":1}` + "\n"} {
		if _, err := readReport(bufio.NewReader(strings.NewReader(bad))); err == nil {
			t.Errorf("readReport(%q) accepted it", bad)
		}
	}
}
