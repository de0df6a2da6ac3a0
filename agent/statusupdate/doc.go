// Package statusupdate is the agent's task status update manager: it makes
// every status update of a task reach the master, in order, exactly until
// the framework acknowledges it.
//
// It reproduces Mesos's TaskStatusUpdateManager
// (src/slave/task_status_update_manager.cpp) without writing the
// checkpoint itself: its owner writes each update and acknowledgement and
// says when the record is durable (UpdatePersisting, AcknowledgePersisting,
// then Persisted), and until then the Manager forwards neither that update
// nor, after that acknowledgement, the next one, as Mesos forwards only
// what it has checkpointed. Per
// task it keeps a stream: an ordered queue of updates, each with a uuid. The
// head of the queue is forwarded to the master; it is forwarded again with
// bounded exponential backoff (10 s doubling to 10 min) until an
// acknowledgement with its uuid arrives, and only then is the next update
// forwarded. Once a terminal update has been acknowledged the stream is
// closed. Duplicate updates and duplicate or unexpected acknowledgements are
// reported with sentinel errors and change nothing.
//
// A Manager is a pure core: it does no I/O, starts no goroutines and reads
// time from an injected Clock. Its owner (the agent's main loop) feeds it
// updates, acknowledgements and ticks, and sends whatever Update values the
// methods return. It is not safe for concurrent use.
//
// While the agent has no master (before registration or after the stream to
// the master broke) the Manager is paused: updates queue up but nothing is
// forwarded; Resume forwards the head of every stream again.
package statusupdate
