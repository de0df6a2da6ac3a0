// Package interop holds agora's interoperability tests: it builds the
// unmodified mesos-go v1 example programs (github.com/mesos/mesos-go
// v0.0.11, pinned in this module's go.mod) and runs them against a real
// `agora dev` cluster, to show that a framework written for Apache Mesos runs
// on agora without change.
//
// It is a separate Go module so that mesos-go and its old dependencies never
// enter agora's own module graph: `go test ./...` in the repository root does
// not see it. Run it with `make interop` (part of `make test`) or
// `cd interop && go test ./...`. See README.md.
package interop
