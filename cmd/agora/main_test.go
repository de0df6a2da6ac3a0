package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestRunCommands(t *testing.T) {
	tests := []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"version"}, 0, "agora "},
		{nil, 2, "usage: agora"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"master", "--no_such_flag"}, 2, "flag provided but not defined"},
		{[]string{"master", "--offer_timeout=soon"}, 2, "is not a duration"},
		{[]string{"master", "--weights=a"}, 2, "expected role=weight"},
		{[]string{"agent"}, 2, "no master address"},
		{[]string{"agent", "--master=127.0.0.1:5050"}, 2, "no work directory"},
		{[]string{"services", "--work_dir=/nonexistent", "--new_group_enforce_role=always"}, 2, `got "always", want off or top`},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		code := run(tt.args, &stdout, &stderr)
		if code != tt.code {
			t.Errorf("agora %v: exit %d, want %d (stderr %q)", tt.args, code, tt.code, stderr.String())
		}
		if out := stdout.String() + stderr.String(); !strings.Contains(out, tt.out) {
			t.Errorf("agora %v: output %q does not mention %q", tt.args, out, tt.out)
		}
	}
}

func TestDurationFlagReadsMesosAndGoUnits(t *testing.T) {
	for in, want := range map[string]time.Duration{"5secs": 5 * time.Second, "2mins": 2 * time.Minute, "1.5s": 1500 * time.Millisecond} {
		var d time.Duration
		if err := (durationFlag{&d}).Set(in); err != nil || d != want {
			t.Errorf("Set(%q) = %v, %v; want %v", in, d, err, want)
		}
	}
}

// Marathon's duration flags are milliseconds; units work too.
func TestMillisFlag(t *testing.T) {
	for in, want := range map[string]time.Duration{"15000": 15 * time.Second, "600000": 10 * time.Minute, "2mins": 2 * time.Minute} {
		var d time.Duration
		if err := (millisFlag{durationFlag{&d}}).Set(in); err != nil || d != want {
			t.Errorf("Set(%q) = %v, %v; want %v", in, d, err, want)
		}
	}
	var d time.Duration
	if err := (millisFlag{durationFlag{&d}}).Set("-5"); err == nil {
		t.Error("Set(-5) succeeded")
	}
}

func TestWeightsFlag(t *testing.T) {
	w := weightsFlag{}
	if err := w.Set("prod=2, dev=0.5"); err != nil || w["prod"] != 2 || w["dev"] != 0.5 {
		t.Fatalf("got %v, %v", w, err)
	}
	if err := w.Set("prod=-1"); err == nil {
		t.Fatal("a negative weight was accepted")
	}
}
