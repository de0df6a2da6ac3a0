// Package quotapb holds the Go types of package mesos.v1.quota, which the
// operator API's quota calls use; generated from quota.proto.
package quotapb
