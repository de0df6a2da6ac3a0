// Package offer helps a scheduler use resource offers: find what a task
// needs inside an offer, respecting roles and reservations (built on
// agora/resources); split one offer among several tasks; and decide which
// offers' agents may take a task under placement constraints, given the
// tasks already placed (built on agora/constraints).
//
//	o, err := offer.New(mesosOffer)
//	want := resources.Must(resources.NewScalar("cpus", 0.5), resources.NewScalar("mem", 256))
//	for {
//		res, ok := o.Take(want) // found and removed from what is left
//		if !ok {
//			break
//		}
//		task.Resources = res // in the offer's own wire format
//	}
//
// Reserve, Unreserve, CreateVolumes and DestroyVolumes build the RESERVE,
// UNRESERVE, CREATE and DESTROY operations for an ACCEPT and apply them to
// what is left of the offer, so that a LAUNCH later in the same ACCEPT can
// Take the reserved resources and the new volumes:
//
//	reserve, err := o.Reserve("web", principal, want)
//	create, err := o.CreateVolumes(offer.Volume{ID: "data", ContainerPath: "data", MB: 512, Role: "web"})
//	res, ok := o.Take(wantReservedToWeb.Add(o.Remaining().PersistentVolumes()))
//	d.Accept(ctx, ids, []*mesospb.Offer_Operation{reserve, create, scheduler.LaunchOperation(t)}, nil)
//
// Resources come back in the format the offer was written in (with or
// without allocation_info, refined reservations or the older role and
// reservation fields), so they can be sent back to the same master as they
// are, whatever the framework's capabilities.
package offer
