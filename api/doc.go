// Package api holds agora's own .proto files, wire-compatible with the Apache
// Mesos 1.11 v1 API (same package, message and field names, field numbers and
// enum values), and the Go code generated from them. Nothing else lives here.
//
// Layout (proto path = this directory):
//
//	mesos/v1/mesos.proto                  package mesos.v1            -> agora/api/mesos/v1 (mesospb)
//	mesos/v1/scheduler/scheduler.proto    package mesos.v1.scheduler  -> agora/api/mesos/v1/scheduler (schedulerpb)
//	mesos/v1/executor/executor.proto      package mesos.v1.executor   -> agora/api/mesos/v1/executor (executorpb)
//	mesos/v1/master/master.proto          package mesos.v1.master     -> agora/api/mesos/v1/master (masterpb)
//	mesos/v1/agent/agent.proto            package mesos.v1.agent      -> agora/api/mesos/v1/agent (agentpb)
//	mesos/v1/{quota,maintenance,allocator}/*.proto                    imported by the operator API
//	agora/cluster/v1/cluster.proto        package agora.cluster.v1    -> agora/api/agora/cluster/v1 (clusterpb)
//
// cluster.proto is agora's own master<->agent protocol (docs/agent-protocol.md);
// everything under mesos/ matches Mesos.
//
// Regenerate with `make generate` (needs protoc and protoc-gen-go, see
// docs/development.md). The generated files are committed so that building
// agora needs only Go.
package api

//go:generate sh -c "protoc -I . --go_out=. --go_opt=module=agora/api $(find . -name '*.proto' | sed 's|^[.]/||' | sort | tr '\\n' ' ')"
