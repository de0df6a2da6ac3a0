//go:build unix

package containerizer

import (
	"fmt"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"
)

// ExitStatus is how a launched process ended.
type ExitStatus struct {
	// Code is the exit code if the process exited; 0 if it was signalled.
	Code int
	// Signal is the signal that terminated the process; 0 if it exited.
	Signal syscall.Signal
	// CoreDumped is set when the terminating signal dumped core.
	CoreDumped bool
	// Killed is set when Kill was called before the process ended, so the
	// end is the result of a kill: Mesos reports such a task TASK_KILLED
	// whatever its exit status.
	Killed bool
	// Unknown is set when a recovered process ended while no agent
	// watched it and left no record of how (see Recover).
	Unknown bool
}

// Exited reports whether the process exited rather than being signalled.
func (s ExitStatus) Exited() bool { return s.Signal == 0 }

// Success reports a zero exit code (Mesos's WSUCCEEDED): the task FINISHED.
func (s ExitStatus) Success() bool { return !s.Unknown && s.Signal == 0 && s.Code == 0 }

// String describes the status the way stout's WSTRINGIFY does:
// "exited with status 3" or "terminated with signal Killed".
func (s ExitStatus) String() string {
	if s.Unknown {
		return "ended while the agent was down, with an unknown exit status"
	}
	if s.Signal == 0 {
		return fmt.Sprintf("exited with status %d", s.Code)
	}
	msg := "terminated with signal " + signalName(s.Signal)
	if s.CoreDumped {
		msg += " (core dumped)"
	}
	return msg
}

// Message is the task status message the Mesos command executor sends when
// its command ends: "Command exited with status 1", "Command terminated
// with signal Killed".
func (s ExitStatus) Message() string { return "Command " + s.String() }

// Linux real-time signals as glibc numbers them (SIGRTMIN is 34 because
// glibc keeps 32 and 33 for itself).
const (
	sigRTMin = 34
	sigRTMax = 64
)

// signalName returns what glibc's strsignal returns, the text Mesos puts in
// status messages: "Killed", "Terminated", "Segmentation fault". Go's signal
// table holds glibc's descriptions with a lower-case first letter.
func signalName(sig syscall.Signal) string {
	if sig >= sigRTMin && sig <= sigRTMax {
		return fmt.Sprintf("Real-time signal %d", sig-sigRTMin)
	}
	name := sig.String()
	if strings.HasPrefix(name, "signal ") {
		return fmt.Sprintf("Unknown signal %d", int(sig))
	}
	r, size := utf8.DecodeRuneInString(name)
	return string(unicode.ToUpper(r)) + name[size:]
}

// exitStatusOf reads a wait status.
func exitStatusOf(ws syscall.WaitStatus) ExitStatus {
	if ws.Signaled() {
		return ExitStatus{Signal: ws.Signal(), CoreDumped: ws.CoreDump()}
	}
	return ExitStatus{Code: ws.ExitStatus()}
}
