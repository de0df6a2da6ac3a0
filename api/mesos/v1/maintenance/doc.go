// Package maintenancepb holds the Go types of package mesos.v1.maintenance,
// which the operator API's maintenance calls use; generated from
// maintenance.proto.
package maintenancepb
