package containerizer_test

import (
	"fmt"
	"time"

	"agora/agent/containerizer"
)

func ExampleFormatDuration() {
	fmt.Println(containerizer.FormatDuration(5 * time.Second))
	fmt.Println(containerizer.FormatDuration(15 * time.Minute))
	fmt.Println(containerizer.FormatDuration(3140 * time.Millisecond))
	fmt.Println(containerizer.FormatDuration(14 * 24 * time.Hour))
	// Output:
	// 5secs
	// 15mins
	// 3140ms
	// 2weeks
}

func ExampleParseDuration() {
	d, err := containerizer.ParseDuration("1.5mins")
	fmt.Println(d, err)
	_, err = containerizer.ParseDuration("90s")
	fmt.Println(err)
	// Output:
	// 1m30s <nil>
	// containerizer: invalid duration: "90s": unknown unit "s"; supported units are ns, us, ms, secs, mins, hrs, days and weeks
}

func ExampleSandboxPath() {
	sandbox, err := containerizer.SandboxPath("/var/lib/agora", "a1-S0", "fw-0001", "web.1", "c0ffee")
	fmt.Println(sandbox, err)
	_, err = containerizer.SandboxPath("/var/lib/agora", "a1-S0", "fw-0001", "../../etc", "c0ffee")
	fmt.Println(err)
	// Output:
	// /var/lib/agora/slaves/a1-S0/frameworks/fw-0001/executors/web.1/runs/c0ffee <nil>
	// containerizer: invalid ID: executor ID "../../etc" contains "/"; IDs must not contain control characters, '/' or '\'
}
