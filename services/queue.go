package services

import (
	"context"
	"sync"
)

// workQueue is an unbounded queue of calls run by the goroutines that call
// run: with one, in the order they were pushed. push never blocks, so the
// engine's loop can queue calls to the master without waiting for them.
type workQueue struct {
	mu    sync.Mutex
	items []func(context.Context)
	wake  chan struct{}
}

func newWorkQueue() *workQueue { return &workQueue{wake: make(chan struct{}, 1)} }

func (q *workQueue) push(fn func(context.Context)) {
	q.mu.Lock()
	q.items = append(q.items, fn)
	q.mu.Unlock()
	q.signal()
}

func (q *workQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// run takes calls one at a time until ctx ends.
func (q *workQueue) run(ctx context.Context) {
	for {
		q.mu.Lock()
		var fn func(context.Context)
		if len(q.items) > 0 {
			fn = q.items[0]
			q.items[0] = nil
			q.items = q.items[1:]
		}
		more := len(q.items) > 0
		q.mu.Unlock()
		if fn == nil {
			select {
			case <-ctx.Done():
				return
			case <-q.wake:
			}
			continue
		}
		if more {
			q.signal() // another worker may take the next one
		}
		if ctx.Err() != nil {
			return
		}
		fn(ctx)
	}
}
