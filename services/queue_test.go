package services

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestWorkQueueOneWorkerKeepsOrder(t *testing.T) {
	q := newWorkQueue()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var got []int
	done := make(chan struct{})
	for i := range 1000 {
		q.push(func(context.Context) {
			mu.Lock()
			got = append(got, i)
			n := len(got)
			mu.Unlock()
			if n == 1000 {
				close(done)
			}
		})
	}
	go q.run(ctx)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("calls not run")
	}
	for i, v := range got {
		if v != i {
			t.Fatalf("call %d ran at position %d", v, i)
		}
	}
}

func TestWorkQueueManyWorkersRunEverythingOnce(t *testing.T) {
	q := newWorkQueue()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() { defer wg.Done(); q.run(ctx) }()
	}
	var mu sync.Mutex
	seen := make(map[int]int)
	all := make(chan struct{})
	for i := range 500 {
		q.push(func(context.Context) {
			mu.Lock()
			seen[i]++
			if len(seen) == 500 {
				close(all)
			}
			mu.Unlock()
		})
	}
	select {
	case <-all:
	case <-time.After(30 * time.Second):
		t.Fatal("calls not run")
	}
	cancel()
	wg.Wait()
	for i, n := range seen {
		if n != 1 {
			t.Fatalf("call %d ran %d times", i, n)
		}
	}
}
