// Package schedulerpb holds the Go types of package mesos.v1.scheduler: the
// Call, Event and Response messages of the Mesos v1 scheduler API
// (POST /api/v1/scheduler), generated from scheduler.proto.
package schedulerpb
