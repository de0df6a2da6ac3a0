package containerizer

import (
	"io"
	"log/slog"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// reportCPU reports the CPU time per operation of this process and of the
// processes it waited for: figures that, unlike ns/op, hold on a loaded
// machine.
func reportCPU(b *testing.B, run func()) {
	var self0, kids0 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self0)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids0)
	run()
	var self1, kids1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self1)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids1)
	cpu := func(a, b syscall.Rusage) time.Duration {
		return time.Duration(b.Utime.Nano() + b.Stime.Nano() - a.Utime.Nano() - a.Stime.Nano())
	}
	n := float64(b.N)
	b.ReportMetric(float64(cpu(self0, self1).Microseconds())/n, "self-cpu-µs/op")
	b.ReportMetric(float64(cpu(kids0, kids1).Microseconds())/n, "children-cpu-µs/op")
}

// BenchmarkLaunch is one container's launch-to-end under its supervisor:
// /bin/true started, waited for, its status reported. The supervisor is
// this test binary started again, as the agent's is the agora binary.
func BenchmarkLaunch(b *testing.B) {
	sandbox := b.TempDir()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	reportCPU(b, func() {
		for b.Loop() {
			p, err := Launch(ProcessSpec{Sandbox: sandbox, Value: "/bin/true", Env: map[string]string{}, Logger: quiet})
			if err != nil {
				b.Fatal(err)
			}
			if s := p.Wait(); !s.Success() {
				b.Fatalf("status %v", s)
			}
		}
	})
}

// BenchmarkExecWithoutSupervisor is the same command started directly: what
// the supervisor adds is the difference.
func BenchmarkExecWithoutSupervisor(b *testing.B) {
	reportCPU(b, func() {
		for b.Loop() {
			if err := exec.Command("/bin/true").Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
