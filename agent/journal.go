package agent

import (
	"log/slog"
	"sync"

	"agora/agent/checkpoint"
)

// journal writes the agent's checkpoint (recovery.go) on a goroutine of its
// own, so that the loop never waits for the file system: on a busy VM a
// file creation, mkdir or rename costs about half a millisecond and an
// fsync more, several per task, and a loop that wrote them itself could not
// take the TASK_RUNNING of its first task before it had written the records
// of the last one of a large offer.
//
// The loop (and the workers it starts) add entries; the journal carries
// them out one by one in the order they were added, so a record is never
// overtaken by a later one of the same thing (a run is removed after its
// last update is logged; a framework removed and then launched again is
// written again after its removal). What waits for an entry says so in
// one of two ways:
//
//   - done, a channel closed as soon as the entry's own writes are done,
//     for workers: the preparing worker of a run waits for the run's
//     records before it reports the run prepared, so no process starts
//     that a restarted agent would not find;
//   - then, a function run on the loop afterwards, in the order the
//     entries were added: the status update manager forwards an update
//     only once its record is durable (UpdatePersisting, Persisted).
//
// Appends to the status update logs are fsynced; the journal takes
// everything queued at once and syncs each log once for the lot (group
// commit): a task's TASK_STARTING and TASK_RUNNING, or a hundred tasks'
// acknowledgements, cost one fsync per log and one trip to the loop.
// Record files are not fsynced (checkpoint's package documentation), so
// their entries are done once written.
type journal struct {
	post func(func()) bool // Agent.post
	log  *slog.Logger

	mu      sync.Mutex
	queue   []journalEntry
	closing bool
	wake    chan struct{} // capacity 1: something was queued, or closing
	stopped chan struct{} // closed when run returns
}

// journalEntry is one thing to write.
type journalEntry struct {
	// write does the writing. Appends to update logs go into b, which the
	// journal syncs before the entry counts as done.
	write func(b *checkpoint.Batch) error
	// appends says that write appends to update logs.
	appends bool
	done    chan struct{} // closed when done; may be nil
	then    func()        // run on the loop when done; may be nil
}

func newJournal(post func(func()) bool, log *slog.Logger) *journal {
	return &journal{post: post, log: log, wake: make(chan struct{}, 1), stopped: make(chan struct{})}
}

// add queues e. It never blocks, so the loop can call it. An entry added
// after close is written at once on the caller's goroutine (recovery at
// start-up and workers finishing late are the only writers then).
func (j *journal) add(e journalEntry) {
	j.mu.Lock()
	if j.closing {
		j.mu.Unlock()
		var b checkpoint.Batch
		j.flush([]journalEntry{e}, &b)
		return
	}
	j.queue = append(j.queue, e)
	j.mu.Unlock()
	select {
	case j.wake <- struct{}{}:
	default:
	}
}

// run writes queued entries until close; it returns once everything added
// before close is written.
func (j *journal) run() {
	defer close(j.stopped)
	var batch checkpoint.Batch
	for {
		<-j.wake
		j.mu.Lock()
		entries, closing := j.queue, j.closing
		j.queue = nil
		j.mu.Unlock()
		j.flush(entries, &batch)
		if closing {
			return
		}
	}
}

// flush writes entries in order, syncs the update logs they appended to
// once, and then reports them done: a plain record as soon as it is
// written, an append once synced; their then functions run on the loop in
// one trip.
func (j *journal) flush(entries []journalEntry, batch *checkpoint.Batch) {
	var synced []journalEntry // appends, done once the batch is synced
	var thens []func()
	for _, e := range entries {
		if err := e.write(batch); err != nil {
			j.log.Error("cannot checkpoint; a restarted agent may not recover this", "err", err)
		}
		if e.appends {
			synced = append(synced, e)
		} else if e.done != nil {
			close(e.done)
		}
		if e.then != nil {
			thens = append(thens, e.then)
		}
	}
	if err := batch.Sync(); err != nil {
		j.log.Error("cannot checkpoint status updates; a restarted agent may not recover them", "err", err)
	}
	for _, e := range synced {
		if e.done != nil {
			close(e.done)
		}
	}
	if len(thens) > 0 {
		// If the loop has ended nobody waits for these any more.
		j.post(func() {
			for _, f := range thens {
				f()
			}
		})
	}
}

// close makes run write what is queued and return, and waits for it.
func (j *journal) close() {
	j.mu.Lock()
	j.closing = true
	j.mu.Unlock()
	select {
	case j.wake <- struct{}{}:
	default:
	}
	<-j.stopped
}
