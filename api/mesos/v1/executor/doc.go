// Package executorpb holds the Go types of package mesos.v1.executor: the
// Call and Event messages of the Mesos v1 executor API
// (POST /api/v1/executor on an agent), generated from executor.proto.
package executorpb
