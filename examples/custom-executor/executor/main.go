// Command executor is the custom executor of the custom-executor example.
// An agent starts it (fetched from the URI the scheduler gives) with the
// Mesos executor environment. Each task's data is a number n; the executor
// counts the primes up to n in-process, reports progress as framework
// messages, and finishes the task with the count as the update's data. It
// answers a "hello" message from the scheduler, and on SHUTDOWN it stops
// its work, reports each unfinished task killed and exits.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"

	mesospb "agora/api/mesos/v1"
	"agora/sdk/executor"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg, err := executor.ConfigFromEnv()
	if err != nil {
		log.Error("not started by an agent?", "err", err)
		os.Exit(2)
	}
	cfg.Logger = log
	p := &primes{running: map[string]context.CancelFunc{}}
	d, err := executor.New(cfg, p)
	if err != nil {
		log.Error("executor", "err", err)
		os.Exit(2)
	}
	if err := d.Run(context.Background()); err != nil {
		log.Error("executor ended", "err", err)
		os.Exit(1)
	}
	p.wg.Wait() // the last updates of killed tasks
}

type primes struct {
	executor.Base
	host string

	mu      sync.Mutex
	running map[string]context.CancelFunc
	wg      sync.WaitGroup
}

func (p *primes) Registered(ctx context.Context, d *executor.Driver, ex *mesospb.ExecutorInfo, _ *mesospb.FrameworkInfo, agent *mesospb.AgentInfo) {
	p.host = agent.GetHostname()
	_ = d.Message(ctx, []byte(fmt.Sprintf("executor %s ready on %s", ex.GetExecutorId().GetValue(), p.host)))
}

func (p *primes) LaunchTask(ctx context.Context, d *executor.Driver, t *mesospb.TaskInfo) {
	id := t.GetTaskId()
	n, err := strconv.Atoi(string(t.GetData()))
	if err != nil || n < 0 {
		_ = d.Update(ctx, id, mesospb.TaskState_TASK_FAILED, fmt.Sprintf("task data %q is not a non-negative number", t.GetData()))
		return
	}
	work, cancel := context.WithCancel(context.Background())
	p.mu.Lock()
	p.running[id.GetValue()] = cancel
	p.mu.Unlock()
	_ = d.Update(ctx, id, mesospb.TaskState_TASK_RUNNING, "")
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer cancel()
		count, ok := countPrimes(work, n)
		p.mu.Lock()
		delete(p.running, id.GetValue())
		p.mu.Unlock()
		bg := context.Background()
		if !ok {
			_ = d.Update(bg, id, mesospb.TaskState_TASK_KILLED, "killed while counting")
			return
		}
		_ = d.Message(bg, []byte(fmt.Sprintf("%s: %d primes up to %d", id.GetValue(), count, n)))
		_ = d.SendStatusUpdate(bg, &mesospb.TaskStatus{
			TaskId: id, State: mesospb.TaskState_TASK_FINISHED.Enum(), Data: []byte(strconv.Itoa(count)),
		})
	}()
}

func (p *primes) KillTask(_ context.Context, _ *executor.Driver, id *mesospb.TaskID, _ *mesospb.KillPolicy) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if cancel, ok := p.running[id.GetValue()]; ok {
		cancel() // the task's goroutine reports TASK_KILLED
	}
}

func (p *primes) FrameworkMessage(ctx context.Context, d *executor.Driver, data []byte) {
	if string(data) == "hello" {
		_ = d.Message(ctx, []byte("hello back from "+p.host))
	}
}

func (p *primes) Shutdown(context.Context, *executor.Driver) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, cancel := range p.running {
		cancel()
	}
}

// countPrimes counts the primes ≤ n with a sieve, checking ctx now and then.
func countPrimes(ctx context.Context, n int) (int, bool) {
	if n < 2 {
		return 0, true
	}
	composite := make([]bool, n+1)
	count := 0
	for i := 2; i <= n; i++ {
		if i%4096 == 0 && ctx.Err() != nil {
			return 0, false
		}
		if composite[i] {
			continue
		}
		count++
		for j := i * i; j <= n; j += i {
			composite[j] = true
		}
	}
	return count, true
}
