// Package mesospb holds the Go types of package mesos.v1, generated from
// mesos.proto: agora's own copy of Apache Mesos 1.11's core messages (IDs,
// FrameworkInfo, Resource, Offer, TaskInfo, TaskStatus, ...) with Mesos's
// names, field numbers and enum values, so that bytes and JSON are
// interchangeable with Mesos. Regenerate with `make generate`.
package mesospb
