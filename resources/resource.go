package resources

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Resource is one kind of resource on an agent with its value: "cpus
// reserved to web: 4", "ports unreserved: [31000-32000]".
//
// Everything except the value is the resource's identity. Two resources with
// the same identity are the same kind of thing and can be combined; a
// Resources collection holds each identity once (see Resources for the few
// exceptions Mesos makes). The identity is: Name, Kind, the Reservations
// stack, AllocationRole, the disk's source and persistence ID, Shared,
// Revocable and ProviderID.
type Resource struct {
	// Name is the resource name: "cpus", "mem", "disk", "ports", "gpus" or
	// any custom name.
	Name string

	// Value is a scalar, ranges or a set (never text).
	Value

	// Reservations is the reservation stack, bottom first. Empty means
	// unreserved. Each entry after the first refines the one below it to a
	// strict subrole (reservation refinement, docs/reservation.md).
	Reservations []Reservation

	// AllocationRole is the role the resource is allocated to
	// (Resource.allocation_info.role); "" when it is not allocated.
	AllocationRole string

	// Disk describes a disk resource's source and persistent volume; nil for
	// everything else and for plain root-disk space.
	Disk *DiskInfo

	// Revocable marks resources that may be taken back (oversubscription).
	Revocable bool

	// Shared marks a shared persistent volume: several tasks can use the
	// same copy at once.
	Shared bool

	// ProviderID is the resource provider that owns the resource; "" for
	// the agent's own resources.
	ProviderID string
}

// ReservationType tells static (operator, agent flag) from dynamic
// (framework or operator API) reservations.
type ReservationType uint8

// Reservation types, numbered as in Mesos's ReservationInfo.Type.
const (
	Static  ReservationType = 1
	Dynamic ReservationType = 2
)

// String returns the Mesos enum name.
func (t ReservationType) String() string {
	switch t {
	case Static:
		return "STATIC"
	case Dynamic:
		return "DYNAMIC"
	}
	return "ReservationType(" + strconv.Itoa(int(t)) + ")"
}

// Reservation is one level of a resource's reservation stack.
type Reservation struct {
	Type ReservationType
	Role string
	// Principal is who made a dynamic reservation; "" if unknown.
	Principal string
	// Labels are free-form labels of a dynamic reservation. Their order
	// is kept but does not matter for equality.
	Labels []Label
}

// StaticReservation reserves to role the way --resources="cpus(role):4" does.
func StaticReservation(role string) Reservation {
	return Reservation{Type: Static, Role: role}
}

// DynamicReservation is a RESERVE operation's reservation.
func DynamicReservation(role, principal string, labels ...Label) Reservation {
	return Reservation{Type: Dynamic, Role: role, Principal: principal, Labels: labels}
}

// Label is a key/value pair. Mesos compares labels by key and value only, an
// absent value being equal to ""; agora keeps no difference between the two.
type Label struct {
	Key, Value string
}

// DiskInfo describes a disk resource.
type DiskInfo struct {
	// Persistence makes the disk a persistent volume; nil otherwise.
	Persistence *Persistence
	// Volume says where a persistent volume is mounted in a container. It
	// is how the volume is used, not what it is, so it is not part of the
	// identity (as in Mesos).
	Volume *Volume
	// Source is where the disk comes from; nil means the agent's root disk.
	Source *DiskSource
}

// Persistence identifies a persistent volume.
type Persistence struct {
	// ID names the volume; it is unique per role on an agent.
	ID string
	// Principal created the volume. Not part of the identity.
	Principal string
}

// VolumeMode is a volume's access mode, numbered as Mesos's Volume.Mode.
type VolumeMode uint8

// Volume modes.
const (
	ReadWrite VolumeMode = 1
	ReadOnly  VolumeMode = 2
)

// Volume is the subset of Mesos's Volume message used by persistent volumes:
// the container path, an optional host path and the mode. Image and source
// volumes never appear in resources.
type Volume struct {
	ContainerPath string
	HostPath      string
	Mode          VolumeMode
}

// SourceType is a disk source's type, numbered as Mesos's
// DiskInfo.Source.Type.
type SourceType uint8

// Disk source types.
const (
	SourcePath  SourceType = 1
	SourceMount SourceType = 2
	SourceBlock SourceType = 3
	SourceRaw   SourceType = 4
)

// String returns the Mesos enum name.
func (t SourceType) String() string {
	switch t {
	case SourcePath:
		return "PATH"
	case SourceMount:
		return "MOUNT"
	case SourceBlock:
		return "BLOCK"
	case SourceRaw:
		return "RAW"
	}
	return "SourceType(" + strconv.Itoa(int(t)) + ")"
}

// DiskSource is a disk's source: a directory (PATH), a whole mounted file
// system (MOUNT) or a block device (BLOCK, RAW), possibly from a CSI resource
// provider (Vendor, ID, Metadata, Profile).
type DiskSource struct {
	Type SourceType
	// Root is the directory of a PATH or MOUNT disk (source.path.root or
	// source.mount.root); BLOCK and RAW disks have none.
	Root     string
	Vendor   string
	ID       string
	Metadata []Label
	Profile  string
}

// NewScalar returns a scalar resource, rounding value to three decimals.
func NewScalar(name string, value float64) Resource {
	return Resource{Name: name, Value: Value{Kind: KindScalar, Scalar: ToMilli(value)}}
}

// NewRanges returns a ranges resource; the ranges are sorted and merged.
func NewRanges(name string, ranges ...Range) Resource {
	return Resource{Name: name, Value: Value{Kind: KindRanges, Ranges: normalizeRanges(ranges)}}
}

// NewSet returns a set resource; the items are sorted and de-duplicated.
func NewSet(name string, items ...string) Resource {
	return Resource{Name: name, Value: Value{Kind: KindSet, Set: normalizeSet(items)}}
}

// IsEmpty reports whether the resource holds nothing (zero scalar, no
// ranges, no items). Collections never keep empty resources.
func (r Resource) IsEmpty() bool {
	return r.Value.IsZero()
}

// IsUnreserved reports whether the reservation stack is empty.
func (r Resource) IsUnreserved() bool {
	return len(r.Reservations) == 0
}

// ReservationRole is the role of the top of the reservation stack, the role
// the resource is reserved to; "*" when unreserved.
func (r Resource) ReservationRole() string {
	if len(r.Reservations) == 0 {
		return UnreservedRole
	}
	return r.Reservations[len(r.Reservations)-1].Role
}

// IsReservedTo reports whether the resource is reserved to exactly role.
func (r Resource) IsReservedTo(role string) bool {
	return len(r.Reservations) > 0 && r.ReservationRole() == role
}

// IsReservedToRoleSubtree reports whether the resource is reserved to role
// or to one of its subroles.
func (r Resource) IsReservedToRoleSubtree(role string) bool {
	if len(r.Reservations) == 0 {
		return false
	}
	top := r.ReservationRole()
	return top == role || IsStrictSubroleOf(top, role)
}

// IsDynamicallyReserved reports whether the top reservation is dynamic.
func (r Resource) IsDynamicallyReserved() bool {
	return len(r.Reservations) > 0 && r.Reservations[len(r.Reservations)-1].Type == Dynamic
}

// HasRefinedReservations reports whether the stack has more than one level.
func (r Resource) HasRefinedReservations() bool {
	return len(r.Reservations) > 1
}

// IsAllocatableTo reports whether a framework in role may be offered the
// resource: it is unreserved, or reserved to role or one of its ancestors.
func (r Resource) IsAllocatableTo(role string) bool {
	if len(r.Reservations) == 0 {
		return true
	}
	top := r.ReservationRole()
	return role == top || IsStrictSubroleOf(role, top)
}

// IsPersistentVolume reports whether the resource is a persistent volume.
func (r Resource) IsPersistentVolume() bool {
	return r.Disk != nil && r.Disk.Persistence != nil
}

// sameIdentity compares everything but the value (Mesos's
// compareResourceMetadata). It is the inner loop of every operation, so
// the cheap fields go first and reservation stacks are compared from the
// top, where they usually differ.
func sameIdentity(a, b *Resource) bool {
	if a.Name != b.Name || a.Kind != b.Kind || len(a.Reservations) != len(b.Reservations) ||
		a.AllocationRole != b.AllocationRole || a.Revocable != b.Revocable ||
		a.Shared != b.Shared || a.ProviderID != b.ProviderID {
		return false
	}
	return equalReservations(a.Reservations, b.Reservations) && sameDisk(a.Disk, b.Disk)
}

// sameIdentityIgnoringPlacement compares identities without reservations and
// allocation: the question Find asks of an offer.
func sameIdentityIgnoringPlacement(a, b *Resource) bool {
	return a.Name == b.Name &&
		a.Kind == b.Kind &&
		a.Revocable == b.Revocable &&
		a.Shared == b.Shared &&
		a.ProviderID == b.ProviderID &&
		sameDisk(a.Disk, b.Disk)
}

func equalReservations(a, b []Reservation) bool {
	if len(a) != len(b) {
		return false
	}
	for i := len(a) - 1; i >= 0; i-- {
		if !equalReservation(&a[i], &b[i]) {
			return false
		}
	}
	return true
}

func equalReservation(a, b *Reservation) bool {
	return a.Role == b.Role && a.Type == b.Type && a.Principal == b.Principal &&
		equalLabels(a.Labels, b.Labels)
}

// Equal compares reservations as Mesos does: labels in any order.
func (a Reservation) Equal(b Reservation) bool {
	return equalReservation(&a, &b)
}

// equalLabels compares label lists regardless of order (type_utils.cpp).
func equalLabels(a, b []Label) bool {
	if len(a) != len(b) {
		return false
	}
	if slices.Equal(a, b) {
		return true
	}
	x, y := slices.Clone(a), slices.Clone(b)
	cmp := func(p, q Label) int {
		if c := strings.Compare(p.Key, q.Key); c != 0 {
			return c
		}
		return strings.Compare(p.Value, q.Value)
	}
	slices.SortFunc(x, cmp)
	slices.SortFunc(y, cmp)
	return slices.Equal(x, y)
}

// sameDisk compares the parts of DiskInfo that are identity: the source and
// the persistence ID. Volume and persistence principal describe use, not the
// disk (Mesos's DiskInfo operator==).
func sameDisk(a, b *DiskInfo) bool {
	if a == nil || b == nil {
		return a == b
	}
	if (a.Persistence == nil) != (b.Persistence == nil) {
		return false
	}
	if a.Persistence != nil && a.Persistence.ID != b.Persistence.ID {
		return false
	}
	if a.Source == nil || b.Source == nil {
		return a.Source == b.Source
	}
	s, t := a.Source, b.Source
	return s.Type == t.Type && s.Root == t.Root && s.Vendor == t.Vendor &&
		s.ID == t.ID && s.Profile == t.Profile && equalLabels(s.Metadata, t.Metadata)
}

// equalResource compares identity and value (Mesos's Resource operator==).
func equalResource(a, b *Resource) bool {
	return sameIdentity(a, b) && equalValues(&a.Value, &b.Value)
}

// isExclusiveDisk reports whether the resource is a disk that can be neither
// merged with nor split from another: a MOUNT or BLOCK disk, or a RAW disk
// with an identity. Mesos's addable/subtractable treat these as atoms.
func (r *Resource) isExclusiveDisk() bool {
	if r.Disk == nil || r.Disk.Source == nil {
		return false
	}
	switch r.Disk.Source.Type {
	case SourceMount, SourceBlock:
		return true
	case SourceRaw:
		return r.Disk.Source.ID != ""
	}
	return false
}

// isAtomic reports whether the resource is used whole or not at all: shared
// resources, persistent volumes and exclusive disks. Two atomic resources
// never merge, and an atomic resource is only subtracted by an equal one.
func (r *Resource) isAtomic() bool {
	return r.Shared || r.IsPersistentVolume() || r.isExclusiveDisk()
}

// mergeable reports whether b can be folded into a giving one resource
// (Mesos's addable, with shared resources counted rather than summed).
func mergeable(a, b *Resource) bool {
	if a.Shared || b.Shared {
		return a.Shared == b.Shared && equalResource(a, b)
	}
	return sameIdentity(a, b) && !a.isAtomic()
}

// subtractable reports whether b can be taken out of a (Mesos's
// subtractable): same identity, and for atomic resources also the same value.
func subtractable(a, b *Resource) bool {
	if !sameIdentity(a, b) {
		return false
	}
	if a.isAtomic() {
		return equalValues(&a.Value, &b.Value)
	}
	return true
}

// Validate checks the resource with Mesos's rules (Resources::validate): a
// name, a value matching its kind (non-negative scalar, well-formed ranges,
// a set without duplicates), disk info only on "disk", valid roles, a
// correctly refined reservation stack and sharing only for persistent
// volumes. The error wraps ErrInvalidResource or ErrInvalidRole.
func (r Resource) Validate() error {
	if reason := r.problem(); reason != "" {
		return errorf(ErrInvalidResource, "resource %q: %s", r.Name, reason)
	}
	return r.validateRoles(fmt.Sprintf("resource %q", r.Name))
}

// problem returns why the resource is invalid, roles aside, or "".
func (r *Resource) problem() string {
	if r.Name == "" {
		return "empty resource name"
	}
	if reason := valueProblem(&r.Value); reason != "" {
		return reason
	}
	if r.Disk != nil {
		if r.Name != "disk" {
			return "disk info is only allowed on \"disk\" resources"
		}
		if reason := diskProblem(r.Disk); reason != "" {
			return reason
		}
	}
	if r.Shared && !r.IsPersistentVolume() {
		return "only persistent volumes can be shared"
	}
	return ""
}

// valueProblem checks a resource value: only scalars, ranges and sets, in
// normal form.
func valueProblem(v *Value) string {
	switch v.Kind {
	case KindScalar:
		if v.Ranges != nil || v.Set != nil || v.Text != "" {
			return "a SCALAR resource carries another kind of value"
		}
		if v.Scalar < 0 {
			return "scalar value " + v.Scalar.String() + " is negative"
		}
	case KindRanges:
		if v.Set != nil || v.Text != "" {
			return "a RANGES resource carries another kind of value"
		}
		for _, r := range v.Ranges {
			if r.Begin > r.End {
				return "range " + formatRange(r) + " has begin greater than end"
			}
		}
		if !rangesSorted(v.Ranges) {
			return "ranges are not sorted, disjoint and merged"
		}
	case KindSet:
		if v.Ranges != nil || v.Text != "" {
			return "a SET resource carries another kind of value"
		}
		for i := 1; i < len(v.Set); i++ {
			if v.Set[i-1] >= v.Set[i] {
				return "set items are not sorted and unique"
			}
		}
	case KindText:
		return "resources cannot be TEXT; use a scalar, ranges or a set"
	default:
		return "unknown value type " + v.Kind.String()
	}
	return ""
}

func diskProblem(d *DiskInfo) string {
	if d.Persistence != nil && d.Persistence.ID == "" {
		return "persistent volume without an ID"
	}
	if d.Volume != nil {
		if d.Volume.ContainerPath == "" {
			return "volume without a container path"
		}
		if d.Volume.Mode != ReadWrite && d.Volume.Mode != ReadOnly {
			return "volume mode must be RW or RO"
		}
	}
	if s := d.Source; s != nil {
		switch s.Type {
		case SourcePath, SourceMount:
		case SourceBlock, SourceRaw:
			if s.Root != "" {
				return s.Type.String() + " disk source cannot have a root"
			}
		default:
			return "unsupported disk source type " + s.Type.String()
		}
	}
	return ""
}

// validateRoles checks the reservation stack and the allocation role;
// subject names the resource in errors.
func (r *Resource) validateRoles(subject string) error {
	for i, res := range r.Reservations {
		if res.Type != Static && res.Type != Dynamic {
			return errorf(ErrInvalidResource, "%s: reservation %d has no type (STATIC or DYNAMIC)", subject, i)
		}
		if res.Role == UnreservedRole {
			return errorf(ErrInvalidResource, "%s: role \"*\" cannot be reserved", subject)
		}
		if reason := roleProblem(res.Role); reason != "" {
			return roleErrorf("%s: reservation role %q %s", subject, res.Role, reason)
		}
		if i == 0 {
			continue
		}
		if res.Type == Static {
			return errorf(ErrInvalidResource, "%s: a refined reservation cannot be STATIC", subject)
		}
		if parent := r.Reservations[i-1].Role; !IsStrictSubroleOf(res.Role, parent) {
			return errorf(ErrInvalidResource, "%s: reservation role %q is not a refinement of %q", subject, res.Role, parent)
		}
	}
	if r.AllocationRole != "" {
		if reason := roleProblem(r.AllocationRole); reason != "" {
			return roleErrorf("%s: allocation role %q %s", subject, r.AllocationRole, reason)
		}
	}
	return nil
}

// String renders the resource the way Mesos prints it, with the reservation
// role in parentheses so that simple resources read back with Parse:
//
//	cpus(*):2
//	mem(web):1024                                   static reservation
//	disk(web/a)(reservations: [(STATIC,web),(DYNAMIC,web/a,ops)])[vol1:/data]:100
//	cpus(*)(allocated: web){REV}:0.5
func (r Resource) String() string {
	var b strings.Builder
	b.WriteString(r.Name)
	b.WriteByte('(')
	b.WriteString(r.ReservationRole())
	b.WriteByte(')')
	if r.AllocationRole != "" {
		b.WriteString("(allocated: ")
		b.WriteString(r.AllocationRole)
		b.WriteByte(')')
	}
	// A single static reservation is fully described by "(role)" above.
	if len(r.Reservations) > 1 || r.IsDynamicallyReserved() {
		b.WriteString("(reservations: [")
		for i, res := range r.Reservations {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('(')
			b.WriteString(res.Type.String())
			b.WriteByte(',')
			b.WriteString(res.Role)
			if res.Principal != "" {
				b.WriteByte(',')
				b.WriteString(res.Principal)
			}
			if len(res.Labels) > 0 {
				b.WriteByte(',')
				writeLabels(&b, res.Labels)
			}
			b.WriteByte(')')
		}
		b.WriteString("])")
	}
	if r.Disk != nil {
		b.WriteByte('[')
		writeDisk(&b, r.Disk)
		b.WriteByte(']')
	}
	if r.Revocable {
		b.WriteString("{REV}")
	}
	if r.Shared {
		b.WriteString("<SHARED>")
	}
	b.WriteByte(':')
	b.WriteString(r.Value.format(", "))
	return b.String()
}

func writeLabels(b *strings.Builder, labels []Label) {
	b.WriteByte('{')
	for i, l := range labels {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(l.Key)
		if l.Value != "" {
			b.WriteString(": ")
			b.WriteString(l.Value)
		}
	}
	b.WriteByte('}')
}

// writeDisk follows Mesos's DiskInfo printing: source, persistence ID, then
// ":" and the volume.
func writeDisk(b *strings.Builder, d *DiskInfo) {
	if s := d.Source; s != nil {
		b.WriteString(s.Type.String())
		switch {
		case s.ID != "" || s.Profile != "":
			b.WriteString("(" + s.Vendor + "," + s.ID + "," + s.Profile + ")")
		case s.Root != "":
			b.WriteString(":" + s.Root)
		}
	}
	if d.Persistence != nil {
		if d.Source != nil {
			b.WriteByte(',')
		}
		b.WriteString(d.Persistence.ID)
	}
	if v := d.Volume; v != nil {
		b.WriteByte(':')
		if v.HostPath != "" {
			b.WriteString(v.HostPath + ":" + v.ContainerPath)
			if v.Mode == ReadOnly {
				b.WriteString(":ro")
			} else {
				b.WriteString(":rw")
			}
		} else {
			b.WriteString(v.ContainerPath)
		}
	}
}

func formatRange(r Range) string {
	return strconv.FormatUint(r.Begin, 10) + "-" + strconv.FormatUint(r.End, 10)
}
