package scheduler

import (
	"context"
	"fmt"

	mesospb "agora/api/mesos/v1"
)

var _ Reconciler = (*recorder)(nil)

func (r *recorder) Registered(_ context.Context, _ *Driver, id *mesospb.FrameworkID, _ *mesospb.MasterInfo) {
	r.got <- "registered " + id.GetValue()
}
func (r *recorder) Reregistered(context.Context, *Driver, *mesospb.MasterInfo) {
	r.got <- "reregistered"
}
func (r *recorder) Disconnected(context.Context, *Driver) { r.got <- "disconnected" }
func (r *recorder) ResourceOffers(_ context.Context, _ *Driver, offers []*mesospb.Offer) {
	s := "offers"
	for _, o := range offers {
		s += " " + o.GetId().GetValue()
	}
	r.got <- s
}
func (r *recorder) OfferRescinded(_ context.Context, _ *Driver, id *mesospb.OfferID) {
	r.got <- "rescinded " + id.GetValue()
}
func (r *recorder) StatusUpdate(ctx context.Context, d *Driver, st *mesospb.TaskStatus) {
	if r.onUpdate != nil {
		r.onUpdate(ctx, d, st)
	}
	r.got <- fmt.Sprintf("update %s %v", st.GetTaskId().GetValue(), st.GetState())
}
func (r *recorder) FrameworkMessage(_ context.Context, _ *Driver, e *mesospb.ExecutorID, a *mesospb.AgentID, data []byte) {
	r.got <- fmt.Sprintf("message %s %s %s", e.GetValue(), a.GetValue(), data)
}
func (r *recorder) AgentLost(_ context.Context, _ *Driver, a *mesospb.AgentID) {
	r.got <- "agent lost " + a.GetValue()
}
func (r *recorder) ExecutorLost(_ context.Context, _ *Driver, e *mesospb.ExecutorID, a *mesospb.AgentID, status int) {
	r.got <- fmt.Sprintf("executor lost %s %s %d", e.GetValue(), a.GetValue(), status)
}
func (r *recorder) Error(_ context.Context, _ *Driver, msg string) { r.got <- "error " + msg }
func (r *recorder) Reconciled(context.Context, *Driver)            { r.got <- "reconciled" }
