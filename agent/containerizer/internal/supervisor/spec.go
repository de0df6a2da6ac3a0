//go:build unix

package supervisor

import (
	"errors"
	"syscall"
)

// EnvVar carries a supervisor's spec. A process started with it set runs
// as a supervisor (see init) instead of as whatever the binary is.
const EnvVar = "AGORA_CONTAINER_SUPERVISOR"

// Arg0 names supervisors in ps.
const Arg0 = "agora-container-supervisor"

// ReportFD is the supervisor's end of the pipe to the agent.
const ReportFD = 3

// SigKillTree asks a supervisor to SIGKILL the whole container; SIGTERM
// passes SIGTERM (and SIGCONT) on to it.
const SigKillTree = syscall.SIGUSR1

// ErrSpec reports a spec that cannot be decoded.
var ErrSpec = errors.New("supervisor: malformed spec")

// Spec is what a supervisor runs: a resolved command.
type Spec struct {
	Path string
	Argv []string
	Env  []string
	Dir  string
	// UID, when set, is who the command runs as, with GID and Groups.
	UID    *uint32
	GID    uint32
	Groups []uint32
	// StatusPath receives the command's exit status when it ends.
	StatusPath string
	// CgroupProcs are cgroup.procs files the supervisor joins before it
	// starts the command, so that the command and all it starts are in
	// the container's cgroups.
	CgroupProcs []string
}

// Encode renders the spec for EnvVar.
func (s Spec) Encode() string {
	var b []byte
	field := func(v string) {
		b = appendUint(b, uint64(len(v)))
		b = append(b, ':')
		b = append(b, v...)
	}
	list := func(vs []string) {
		field(string(appendUint(nil, uint64(len(vs)))))
		for _, v := range vs {
			field(v)
		}
	}
	field(s.Path)
	list(s.Argv)
	list(s.Env)
	field(s.Dir)
	if s.UID == nil {
		field("")
	} else {
		field(string(appendUint(nil, uint64(*s.UID))))
	}
	field(string(appendUint(nil, uint64(s.GID))))
	groups := make([]string, len(s.Groups))
	for i, g := range s.Groups {
		groups[i] = string(appendUint(nil, uint64(g)))
	}
	list(groups)
	field(s.StatusPath)
	list(s.CgroupProcs)
	return string(b)
}

// Decode reads a spec rendered by Encode.
func Decode(encoded string) (Spec, error) {
	d := decoder{rest: encoded}
	var s Spec
	s.Path = d.field()
	s.Argv = d.list()
	s.Env = d.list()
	s.Dir = d.field()
	if uid := d.field(); uid != "" {
		v := uint32(d.number(uid))
		s.UID = &v
	}
	s.GID = uint32(d.number(d.field()))
	for _, g := range d.list() {
		s.Groups = append(s.Groups, uint32(d.number(g)))
	}
	s.StatusPath = d.field()
	s.CgroupProcs = d.list()
	if d.err != nil || d.rest != "" {
		return Spec{}, ErrSpec
	}
	return s, nil
}

type decoder struct {
	rest string
	err  error
}

func (d *decoder) field() string {
	if d.err != nil {
		return ""
	}
	i := 0
	for i < len(d.rest) && d.rest[i] != ':' {
		i++
	}
	if i == len(d.rest) {
		d.err = ErrSpec
		return ""
	}
	n := d.number(d.rest[:i])
	if d.err != nil || n > uint64(len(d.rest)-i-1) {
		d.err = ErrSpec
		return ""
	}
	v := d.rest[i+1 : i+1+int(n)]
	d.rest = d.rest[i+1+int(n):]
	return v
}

func (d *decoder) list() []string {
	n := d.number(d.field())
	if d.err != nil || n > uint64(len(d.rest)) {
		d.err = ErrSpec
		return nil
	}
	vs := make([]string, 0, n)
	for range n {
		vs = append(vs, d.field())
	}
	return vs
}

// number parses a decimal that fits in 32 bits (lengths, ids, counts).
func (d *decoder) number(s string) uint64 {
	if s == "" || len(s) > 10 {
		d.err = ErrSpec
		return 0
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			d.err = ErrSpec
			return 0
		}
		n = n*10 + uint64(c-'0')
	}
	if n > 1<<32-1 {
		d.err = ErrSpec
		return 0
	}
	return n
}

// appendUint appends n in decimal.
func appendUint(b []byte, n uint64) []byte {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return append(b, buf[i:]...)
}

// StatusJSON renders an exit status as the status file holds it.
func StatusJSON(code, signal int, coreDumped bool) []byte {
	b := []byte(`{"code":`)
	b = appendInt(b, code)
	if signal != 0 {
		b = append(b, `,"signal":`...)
		b = appendInt(b, signal)
	}
	if coreDumped {
		b = append(b, `,"core_dumped":true`...)
	}
	return append(b, '}')
}

func appendInt(b []byte, n int) []byte {
	if n < 0 {
		return appendUint(append(b, '-'), uint64(-n))
	}
	return appendUint(b, uint64(n))
}
