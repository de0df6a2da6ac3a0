// Package jsonshape compares a JSON document an SDK driver sent with the
// shape of the same call in Apache Mesos's API documentation
// (docs/scheduler-http-api.md, docs/executor-http-api.md), so tests can
// show the SDK speaks Mesos's wire format and nothing of agora's own.
package jsonshape
