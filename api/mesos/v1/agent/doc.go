// Package agentpb holds the Go types of package mesos.v1.agent: the Call and
// Response messages of the Mesos v1 operator API on an agent (POST /api/v1),
// generated from agent.proto.
package agentpb
