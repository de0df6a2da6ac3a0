//go:build tools

package interop

// The tests build these two mesos-go programs from the module cache. Naming
// them here keeps their module requirement in go.mod when `go mod tidy` runs;
// the build tag keeps them out of every ordinary build.
import (
	_ "github.com/mesos/mesos-go/api/v1/cmd/example-executor"
	_ "github.com/mesos/mesos-go/api/v1/cmd/example-scheduler"
)
