// Package stream is what the SDK's scheduler and executor drivers share as
// clients of a Mesos v1 streaming API (POST /api/v1/scheduler,
// POST /api/v1/executor): sending a call in the chosen codec, reading and
// classifying the answer, and the lifecycle of a driver's Run (one at a
// time, ended by Stop or its context).
package stream
