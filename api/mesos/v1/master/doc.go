// Package masterpb holds the Go types of package mesos.v1.master: the Call,
// Response and Event messages of the Mesos v1 operator API on the master
// (POST /api/v1), generated from master.proto.
package masterpb
