package scheduler_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	"agora/sdk/scheduler"
)

// sleeper launches one command task and stops when it ends.
type sleeper struct {
	scheduler.Base // declines offers and ignores what sleeper does not handle
	launched       bool
}

func (s *sleeper) ResourceOffers(ctx context.Context, d *scheduler.Driver, offers []*mesospb.Offer) {
	for _, o := range offers {
		if s.launched {
			_ = d.Decline(ctx, 0, o.GetId())
			continue
		}
		task := &mesospb.TaskInfo{
			Name:      proto.String("sleep"),
			TaskId:    &mesospb.TaskID{Value: proto.String("sleep-1")},
			AgentId:   o.GetAgentId(),
			Command:   &mesospb.CommandInfo{Value: proto.String("sleep 1")},
			Resources: o.GetResources(), // the whole offer, for brevity
		}
		if err := d.Launch(ctx, o.GetId(), task); err == nil {
			s.launched = true
		}
	}
}

func (s *sleeper) StatusUpdate(ctx context.Context, d *scheduler.Driver, st *mesospb.TaskStatus) {
	fmt.Println(st.GetTaskId().GetValue(), st.GetState())
	if scheduler.IsTerminal(st.GetState()) {
		d.Stop()
	}
}

// A scheduler that launches one task on the first offer, against the
// master of `agora dev`.
func ExampleNew() {
	d, err := scheduler.New(scheduler.Config{
		Master:    "127.0.0.1:5050",
		Framework: &mesospb.FrameworkInfo{User: proto.String("nobody"), Name: proto.String("sleeper")},
	}, &sleeper{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()
	if err := d.Run(ctx); err != nil {
		fmt.Println(err)
	}
}
