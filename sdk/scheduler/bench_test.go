package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"testing"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
)

// counter counts updates; it is the whole scheduler of the benchmark.
type counter struct {
	Base
	n chan struct{}
}

func (c *counter) StatusUpdate(context.Context, *Driver, *mesospb.TaskStatus) { c.n <- struct{}{} }

// BenchmarkStatusUpdate measures one status update through the driver:
// decoding from the stream, the StatusUpdate callback, the task store and
// the automatic ACKNOWLEDGE call (an HTTP round trip to a loopback fake
// master).
func BenchmarkStatusUpdate(b *testing.B) {
	for _, codec := range codecs {
		b.Run(codec.String(), func(b *testing.B) {
			m := newFakeMaster(b)
			c := &counter{n: make(chan struct{}, 1024)}
			cfg := Config{Master: m.hostPort(), Codec: codec, Logger: slog.New(slog.DiscardHandler),
				Framework: &mesospb.FrameworkInfo{User: proto.String("u"), Name: proto.String("bench")}}
			d, err := New(cfg, c)
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- d.Run(ctx) }()
			sub := m.nextSub(b)
			go func() { // the fake master's recorded ACKNOWLEDGEs are not needed
				for {
					select {
					case <-m.calls:
					case <-ctx.Done():
						return
					}
				}
			}()
			// Encoded beforehand: the benchmark measures the driver.
			events := make([][]byte, b.N)
			for i := range events {
				ev, err := codec.Marshal(update(fmt.Sprintf("t%d", i), "a1", mesospb.TaskState_TASK_RUNNING, []byte(fmt.Sprintf("%016d", i))))
				if err != nil {
					b.Fatal(err)
				}
				events[i] = ev
			}
			b.ResetTimer()
			go func() {
				for _, ev := range events {
					select {
					case sub.events <- ev:
					case <-ctx.Done():
						return
					}
				}
			}()
			for range b.N {
				<-c.n
			}
			b.StopTimer()
			cancel()
			<-done
		})
	}
}
