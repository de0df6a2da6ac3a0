// Package resources is agora's resource model: the CPUs, memory, disks,
// ports and custom resources of agents, the roles and reservations they are
// held for, and the agent attributes frameworks place tasks by. It follows
// Apache Mesos 1.11 (src/common/resources.cpp, values.cpp, attributes.cpp,
// roles.cpp, resources_utils.cpp; docs/attributes-resources.md,
// reservation.md, roles.md), and the master, the allocator and the agent all
// build on it.
//
// It owns:
//   - parsing the agent's --resources (text or JSON) and --attributes flags
//     (Parse, ParseAttributes) and the default resources of a machine
//     (WithDefaults);
//   - resource arithmetic: Add, Subtract, Contains, Equal, filters such as
//     Unreserved, ReservedTo and AllocatableTo, Flatten, allocation, and
//     reservation refinement (PushReservation, PopReservation);
//   - finding a task's resources in an offer (Find);
//   - role names (ValidateRole, IsStrictSubroleOf);
//   - conversion to and from the wire messages of agora/api/mesos/v1
//     (FromProto, ToProto with a per-framework Format, AttributesFromProto,
//     AttributesToProto).
//
// # Using it
//
//	agent, err := resources.Parse("cpus:8;mem:16384;ports:[31000-32000]", "*")
//	task, err := resources.FromProto(launch.GetResources())   // validated
//	if !agent.Contains(task) { ... }
//	agent = agent.Subtract(task)
//	list, err := offer.ToProto(resources.FormatFor(multiRole, refinement))
//
// # The model, and why it looks like this
//
// The protobuf messages are built for the wire, not for arithmetic: doubles,
// optional pointers, two reservation formats. Resource is a plain value
// instead. Its Value holds a scalar as Milli, an int64 count of
// thousandths, because Mesos does all scalar math on round(x*1000)
// (values.cpp); storing that integer makes sums exact and comparisons cheap,
// and conversion to and from doubles happens only at the edges, the way
// Mesos converts. Ranges are kept sorted, disjoint and merged and sets sorted
// and unique, so union, difference and containment are linear merges or
// binary searches rather than Mesos's pairwise loops. Reservations are only
// the post-refinement stack (bottom first); the deprecated role/reservation
// fields exist only in FromProto and ToProto.
//
// Resources is an immutable, normalised collection: each identity (name,
// kind, reservation stack, allocation role, disk source and persistence ID,
// shared, revocable, provider) appears once with the values combined, as in
// Mesos's Resources::add. Every operation returns a new collection; entries
// are shared between collections and never written, so a Subtract copies a
// slice of pointers and allocates only the entries it changes. Snapshots
// can be handed to other goroutines without copying or locking. Slices
// inside returned resources (Ranges, Set, Reservations) are shared too and
// must be treated as read-only.
//
// As in Mesos some resources are atomic, used whole or not at all, and are
// never merged: persistent volumes, MOUNT and BLOCK disks and RAW disks
// with an ID each stay a separate entry; a shared volume held several times
// is one entry with a number of copies (Count).
//
// # Mesos behaviour followed
//
//   - Subtract is Mesos's operator-: it never goes negative; a scalar that
//     would reach zero or below, or ranges or a set that become empty,
//     disappear; what is not held is ignored. SubtractContained is the
//     checked form (ErrNotContained) for amounts that come from outside, the
//     check Mesos makes before applying an operation.
//   - Contains compares each resource with the entry of the same identity;
//     reservations, allocation, disk, revocability and provider are part of
//     the identity. Equal is containment both ways.
//   - Validation (FromProto, New) is Mesos's Resources::validate, including
//     the refinement rules (refinements are dynamic, each to a strict
//     subrole) and the consistency of the old and new reservation fields.
//   - ToProto's formats are Mesos's: allocation_info stripped for frameworks
//     without MULTI_ROLE; role plus reservation for frameworks without
//     RESERVATION_REFINEMENT, for which refined reservations cannot be
//     written (ErrNotRepresentable); both for endpoints.
//   - Flag values: spaces removed, ranges merged, non-negative finite
//     scalars; "name(role)" is a static reservation; the same name with two
//     types is an error; attribute values are scalars, ranges or text, never
//     sets, and a negative number is text.
//   - Defaults: cpus from the CPU count, memory minus 1 GB (or half below
//     2 GB), disk minus 5 GB (or half below 10 GB), ports [31000-32000], each
//     only when the flag does not name it.
//
// # Where agora departs from Mesos
//
//   - Find takes the overlap of every compatible entry (by preference: the
//     target's role, unreserved, any other), so it finds a solution whenever
//     one exists; Mesos gives up on ranges spread over partly overlapping
//     entries.
//   - The text flag grammar is strict where Mesos's tokenizer silently
//     accepted malformed input ("cpus::1", "cpus(a)x:1", "ports:[1-2,]",
//     text that is not valid UTF-8); newlines separate resources as they do
//     attributes; errors name the token.
//   - FromProto rejects every pair of overlapping ranges (Mesos's check
//     misses one direction) and an allocation_info without a role; the JSON
//     flag also refuses allocation_info.
//   - An absent label value, principal or labels message equals an empty
//     one (Mesos compares label values the same way); ToProto leaves empty
//     ones out.
//   - Disk volumes keep container path, host path and mode; the image and
//     source of a Volume never describe a disk resource and are dropped.
//   - Attribute scalars are kept to three decimals, like resource scalars.
//   - String always names the reservation role, "cpus(*):2", as Mesos did
//     before 1.4, so that unreserved and statically reserved resources print
//     in the --resources form and parse back.
//   - Default memory and disk are whole megabytes rounded down; Mesos prints
//     six significant digits, which can round up.
package resources
