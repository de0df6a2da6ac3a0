package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"agora/agent/containerizer"
)

// durationFlag is a duration flag that reads Mesos units ("15secs",
// "5mins") and Go's ("15s", "1m30s"), so both Mesos habits and Go habits work.
type durationFlag struct{ d *time.Duration }

func (f durationFlag) String() string {
	if f.d == nil || *f.d == 0 {
		return ""
	}
	return containerizer.FormatDuration(*f.d)
}

func (f durationFlag) Set(s string) error {
	if d, err := containerizer.ParseDuration(s); err == nil {
		*f.d = d
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration (examples: 15secs, 5mins, 1hrs, 30s)", s)
	}
	*f.d = d
	return nil
}

func durationVar(fs *flag.FlagSet, d *time.Duration, name string, value time.Duration, usage string) {
	*d = value
	fs.Var(durationFlag{d}, name, usage)
}

// millisFlag is a duration flag of Marathon's: a bare number is
// milliseconds ("15000"), as Marathon reads it; units work too.
type millisFlag struct{ durationFlag }

func (f millisFlag) Set(s string) error {
	if ms, err := strconv.ParseUint(s, 10, 32); err == nil {
		*f.d = time.Duration(ms) * time.Millisecond
		return nil
	}
	return f.durationFlag.Set(s)
}

func millisVar(fs *flag.FlagSet, d *time.Duration, name string, value time.Duration, usage string) {
	*d = value
	fs.Var(millisFlag{durationFlag{d}}, name, usage)
}

// weightsFlag parses Mesos's --weights: "role1=2,role2=0.5".
type weightsFlag map[string]float64

func (w weightsFlag) String() string {
	var parts []string
	for k, v := range w {
		parts = append(parts, k+"="+strconv.FormatFloat(v, 'g', -1, 64))
	}
	return strings.Join(parts, ",")
}

func (w weightsFlag) Set(s string) error {
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		role, value, ok := strings.Cut(part, "=")
		if !ok {
			return fmt.Errorf("%q: expected role=weight", part)
		}
		f, err := strconv.ParseFloat(value, 64)
		if err != nil || f <= 0 {
			return fmt.Errorf("%q: weight must be a positive number", part)
		}
		w[role] = f
	}
	return nil
}

// newLogger returns the process logger: text to stderr at the given level.
func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--logging_level %q: use debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

func defaultHostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "localhost"
	}
	return h
}

// flagSet reports whether the command line set the named flag.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
