package depcheck_test

import (
	"os/exec"
	"strings"
	"testing"
)

// allowed are the prefixes of the non-standard packages the SDK may
// build on. Everything in them is either Mesos's own wire format (the
// messages are generated from .proto files wire-compatible with Mesos
// 1.11) or pure models with no network behaviour of their own.
var allowed = []string{
	"agora/sdk/",
	"agora/api/mesos/v1", // Mesos's v1 messages
	"agora/wire",         // Mesos's JSON and protobuf encodings, RecordIO
	"agora/resources",    // Mesos's resource model
	"agora/constraints",  // Marathon's constraint language
	"google.golang.org/protobuf/",
}

// The SDK's non-test packages and everything they import stay within the
// allowed packages; in particular nothing of agora's master, agent or
// agent protocol.
func TestSDKDependsOnNothingAgoraSpecific(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go tool is needed to list the SDK's dependencies: %v", err)
	}
	out, err := exec.Command(goTool, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}",
		"agora/sdk/scheduler", "agora/sdk/executor", "agora/sdk/offer", "agora/sdk/task").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	var deps []string
	for _, p := range strings.Fields(string(out)) {
		deps = append(deps, p)
		ok := false
		for _, a := range allowed {
			if p == strings.TrimSuffix(a, "/") || strings.HasPrefix(p, a) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("the SDK depends on %s, which is not part of Mesos's wire format", p)
		}
	}
	if len(deps) < 5 {
		t.Fatalf("go list found only %v", deps)
	}
}
