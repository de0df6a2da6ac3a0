// Package allocatorpb holds the Go types of package mesos.v1.allocator
// (inverse offer statuses), which the maintenance messages use; generated
// from allocator.proto.
package allocatorpb
