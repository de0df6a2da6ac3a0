package resources

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	mesospb "agora/api/mesos/v1"
	"google.golang.org/protobuf/proto"
)

// ReservationFormat selects how reservations are written on the wire
// (Mesos's ResourceFormat, src/common/resources_utils.cpp).
type ReservationFormat uint8

const (
	// PostRefinement writes the reservation stack in `reservations` and
	// leaves the deprecated `role` and `reservation` unset. Frameworks with
	// the RESERVATION_REFINEMENT capability, agents and storage use it.
	PostRefinement ReservationFormat = iota

	// PreRefinement writes `role` ("*" when unreserved) and, for a dynamic
	// reservation, `reservation` with its principal and labels, and no
	// `reservations`: what frameworks without RESERVATION_REFINEMENT read.
	// Refined reservations cannot be written this way.
	PreRefinement

	// Endpoint writes both forms where both are possible, as Mesos does for
	// its HTTP endpoints: the stack, plus `role` and `reservation` unless
	// the reservations are refined.
	Endpoint
)

// Format is how a Resources is written for one reader.
type Format struct {
	// StripAllocation leaves out allocation_info, for frameworks without
	// the MULTI_ROLE capability.
	StripAllocation bool
	// Reservations chooses the reservation fields.
	Reservations ReservationFormat
}

// FormatFor returns the format a framework reads, given whether it has the
// MULTI_ROLE and RESERVATION_REFINEMENT capabilities; the master
// down-converts offers and task resources with it.
func FormatFor(multiRole, reservationRefinement bool) Format {
	f := Format{StripAllocation: !multiRole}
	if !reservationRefinement {
		f.Reservations = PreRefinement
	}
	return f
}

// FromProto converts wire resources to a normalised collection. It accepts
// both the post-refinement format (`reservations`) and the pre-refinement
// format (`role` and `reservation`), and validates each resource with
// Mesos's rules (Resources::validate): a name and a type, a value matching
// the type (a finite non-negative scalar that does not round to zero,
// non-overlapping ranges with begin ≤ end, a set without duplicates, never
// TEXT), disk info only on "disk" with a supported source, valid roles and
// correctly refined reservations, consistent old and new reservation
// fields, an allocation role, sharing only for persistent volumes.
//
// Errors wrap ErrInvalidResource (and ErrInvalidRole for a bad role) and
// name the resource by position and name. Empty resources are dropped.
func FromProto(list []*mesospb.Resource) (Resources, error) {
	var out builder
	for i, p := range list {
		r, err := resourceFromProto(p, fmt.Sprintf("resource %d (%q)", i, p.GetName()))
		if err != nil {
			return Resources{}, err
		}
		out.add(&r, 1)
	}
	return out.resources(), nil
}

// resourceFromProto converts and validates one resource; where names it in
// errors.
func resourceFromProto(p *mesospb.Resource, where string) (Resource, error) {
	fail := func(format string, args ...any) (Resource, error) {
		return Resource{}, errorf(ErrInvalidResource, "%s: %s", where, fmt.Sprintf(format, args...))
	}
	if p == nil {
		return fail("missing resource")
	}
	if p.GetName() == "" {
		return fail("empty resource name")
	}
	if p.Type == nil {
		return fail("no type")
	}

	r := Resource{Name: p.GetName()}
	switch p.GetType() {
	case mesospb.Value_SCALAR:
		if p.Scalar == nil || p.Ranges != nil || p.Set != nil {
			return fail("a SCALAR resource needs a scalar and nothing else")
		}
		m, reason := scalarFromFloat(p.Scalar.GetValue())
		if reason != "" {
			return fail("%s", reason)
		}
		r.Value = Value{Kind: KindScalar, Scalar: m}
	case mesospb.Value_RANGES:
		if p.Ranges == nil || p.Scalar != nil || p.Set != nil {
			return fail("a RANGES resource needs ranges and nothing else")
		}
		ranges, reason := rangesFromProto(p.Ranges, true)
		if reason != "" {
			return fail("%s", reason)
		}
		r.Value = Value{Kind: KindRanges, Ranges: ranges}
	case mesospb.Value_SET:
		if p.Set == nil || p.Scalar != nil || p.Ranges != nil {
			return fail("a SET resource needs a set and nothing else")
		}
		items := slices.Sorted(slices.Values(p.Set.Item))
		for i := 1; i < len(items); i++ {
			if items[i] == items[i-1] {
				return fail("duplicate set item %q", items[i])
			}
		}
		if len(items) > 0 {
			r.Value = Value{Kind: KindSet, Set: items}
		} else {
			r.Value = Value{Kind: KindSet}
		}
	case mesospb.Value_TEXT:
		return fail("resources cannot be TEXT; use a scalar, ranges or a set")
	default:
		return fail("unknown type %d", int32(p.GetType()))
	}

	if p.Disk != nil {
		d, reason := diskFromProto(p.Disk)
		if reason != "" {
			return fail("%s", reason)
		}
		r.Disk = d
	}

	reservations, err := reservationsFromProto(p, where)
	if err != nil {
		return Resource{}, err
	}
	r.Reservations = reservations

	if p.AllocationInfo != nil {
		if p.AllocationInfo.Role == nil {
			return fail("allocation_info without a role")
		}
		r.AllocationRole = p.AllocationInfo.GetRole()
	}
	r.Revocable = p.Revocable != nil
	r.Shared = p.Shared != nil
	if p.ProviderId != nil {
		if p.ProviderId.GetValue() == "" {
			return fail("provider_id without a value")
		}
		r.ProviderID = p.ProviderId.GetValue()
	}

	if reason := r.problem(); reason != "" {
		return fail("%s", reason)
	}
	if err := r.validateRoles(where); err != nil {
		return Resource{}, err
	}
	return r, nil
}

// rangesFromProto validates ranges (begin ≤ end; for resources, no
// overlaps) and returns them normalised.
func rangesFromProto(p *mesospb.Value_Ranges, rejectOverlap bool) ([]Range, string) {
	if len(p.Range) == 0 {
		return nil, ""
	}
	ranges := make([]Range, 0, len(p.Range))
	for _, pr := range p.Range {
		if pr == nil || pr.Begin == nil || pr.End == nil {
			return nil, "range without begin or end"
		}
		rg := Range{pr.GetBegin(), pr.GetEnd()}
		if rg.Begin > rg.End {
			return nil, "range " + formatRange(rg) + " has begin greater than end"
		}
		ranges = append(ranges, rg)
	}
	if rangesSorted(ranges) {
		return ranges, ""
	}
	if rejectOverlap {
		sorted := slices.Clone(ranges)
		slices.SortFunc(sorted, func(a, b Range) int {
			switch {
			case a.Begin < b.Begin:
				return -1
			case a.Begin > b.Begin:
				return 1
			}
			return 0
		})
		for i := 1; i < len(sorted); i++ {
			if sorted[i].Begin <= sorted[i-1].End {
				return nil, "ranges " + formatRange(sorted[i-1]) + " and " + formatRange(sorted[i]) + " overlap"
			}
		}
	}
	return normalizeRanges(ranges), ""
}

func diskFromProto(p *mesospb.Resource_DiskInfo) (*DiskInfo, string) {
	d := &DiskInfo{}
	if pp := p.Persistence; pp != nil {
		if pp.GetId() == "" {
			return nil, "persistent volume without an ID"
		}
		d.Persistence = &Persistence{ID: pp.GetId(), Principal: pp.GetPrincipal()}
	}
	if pv := p.Volume; pv != nil {
		d.Volume = &Volume{
			ContainerPath: pv.GetContainerPath(),
			HostPath:      pv.GetHostPath(),
			Mode:          VolumeMode(pv.GetMode()),
		}
	}
	if ps := p.Source; ps != nil {
		s := &DiskSource{
			Type:     SourceType(ps.GetType()),
			Vendor:   ps.GetVendor(),
			ID:       ps.GetId(),
			Profile:  ps.GetProfile(),
			Metadata: labelsFromProto(ps.Metadata),
		}
		switch s.Type {
		case SourcePath:
			s.Root = ps.GetPath().GetRoot()
		case SourceMount:
			s.Root = ps.GetMount().GetRoot()
		case SourceBlock, SourceRaw:
			if ps.Mount != nil {
				return nil, "mount must not be set for a " + s.Type.String() + " disk source"
			}
			if ps.Path != nil {
				return nil, "path must not be set for a " + s.Type.String() + " disk source"
			}
		default:
			return nil, "unsupported disk source type " + ps.GetType().String()
		}
		d.Source = s
	}
	return d, ""
}

// reservationsFromProto reads either reservation format into a stack,
// checking that the old and new fields agree where both are set (the
// checks of Resources::validate).
func reservationsFromProto(p *mesospb.Resource, where string) ([]Reservation, error) {
	fail := func(format string, args ...any) ([]Reservation, error) {
		return nil, errorf(ErrInvalidResource, "%s: %s", where, fmt.Sprintf(format, args...))
	}
	if len(p.Reservations) == 0 {
		// Pre-refinement format: role (default "*") and reservation.
		role := p.GetRole()
		if reason := roleProblem(role); reason != "" {
			return nil, roleErrorf("%s: role %q %s", where, role, reason)
		}
		if p.Reservation == nil {
			if role == UnreservedRole {
				return nil, nil
			}
			return []Reservation{StaticReservation(role)}, nil
		}
		if p.Reservation.Type != nil {
			return fail("reservation.type must not be set in the `reservation` field")
		}
		if p.Reservation.Role != nil {
			return fail("reservation.role must not be set in the `reservation` field")
		}
		if role == UnreservedRole {
			return fail("role \"*\" cannot be dynamically reserved")
		}
		return []Reservation{{
			Type:      Dynamic,
			Role:      role,
			Principal: p.Reservation.GetPrincipal(),
			Labels:    labelsFromProto(p.Reservation.Labels),
		}}, nil
	}

	stack := make([]Reservation, len(p.Reservations))
	for i, pr := range p.Reservations {
		if pr == nil || pr.Type == nil {
			return fail("reservation %d has no type (STATIC or DYNAMIC)", i)
		}
		if pr.Role == nil {
			return fail("reservation %d has no role", i)
		}
		t := ReservationType(pr.GetType())
		if t != Static && t != Dynamic {
			return fail("reservation %d has unsupported type %s", i, pr.GetType())
		}
		stack[i] = Reservation{
			Type:      t,
			Role:      pr.GetRole(),
			Principal: pr.GetPrincipal(),
			Labels:    labelsFromProto(pr.Labels),
		}
	}
	if len(stack) > 1 {
		if p.Role != nil {
			return fail("role must not be set when there is more than one reservation")
		}
		if p.Reservation != nil {
			return fail("reservation must not be set when there is more than one reservation")
		}
		return stack, nil
	}
	// One reservation: the old fields may be present but must agree.
	only := stack[0]
	if p.Role != nil && p.GetRole() != only.Role {
		return fail("role %q does not match the role %q in reservations", p.GetRole(), only.Role)
	}
	switch only.Type {
	case Static:
		if p.Reservation != nil {
			return fail("reservation must not be set when the single reservation is STATIC")
		}
	case Dynamic:
		if (p.Role != nil) != (p.Reservation != nil) {
			return fail("role and reservation must be set together or not at all when the single reservation is DYNAMIC")
		}
		if p.Reservation != nil {
			if p.Reservation.GetPrincipal() != only.Principal {
				return fail("reservation.principal %q does not match the principal %q in reservations", p.Reservation.GetPrincipal(), only.Principal)
			}
			if !equalLabels(labelsFromProto(p.Reservation.Labels), only.Labels) {
				return fail("reservation.labels do not match the labels in reservations")
			}
		}
	}
	return stack, nil
}

func labelsFromProto(p *mesospb.Labels) []Label {
	if p == nil || len(p.Labels) == 0 {
		return nil
	}
	out := make([]Label, 0, len(p.Labels))
	for _, l := range p.Labels {
		out = append(out, Label{Key: l.GetKey(), Value: l.GetValue()})
	}
	return out
}

func labelsToProto(labels []Label) *mesospb.Labels {
	if len(labels) == 0 {
		return nil
	}
	out := &mesospb.Labels{Labels: make([]*mesospb.Label, len(labels))}
	for i, l := range labels {
		pl := &mesospb.Label{Key: proto.String(l.Key)}
		if l.Value != "" {
			pl.Value = proto.String(l.Value)
		}
		out.Labels[i] = pl
	}
	return out
}

// ToProto writes the collection for the wire in format f, one Resource per
// entry (a shared resource once, whatever its number of copies, as Mesos
// does). It fails with ErrNotRepresentable only for PreRefinement when a
// resource has refined reservations: a framework without
// RESERVATION_REFINEMENT must not be sent such resources at all.
func (rs Resources) ToProto(f Format) ([]*mesospb.Resource, error) {
	out := make([]*mesospb.Resource, 0, len(rs.entries))
	for i := range rs.entries {
		r := &rs.entries[i].Resource
		p := &mesospb.Resource{
			Name: proto.String(r.Name),
			Type: valueTypeToProto(r.Kind).Enum(),
		}
		setValueToProto(&r.Value, &p.Scalar, &p.Ranges, &p.Set, nil)
		if r.AllocationRole != "" && !f.StripAllocation {
			p.AllocationInfo = &mesospb.Resource_AllocationInfo{Role: proto.String(r.AllocationRole)}
		}
		if f.Reservations != PreRefinement {
			for _, res := range r.Reservations {
				p.Reservations = append(p.Reservations, reservationToProto(res))
			}
		}
		if f.Reservations != PostRefinement {
			switch len(r.Reservations) {
			case 0:
				p.Role = proto.String(UnreservedRole)
			case 1:
				only := r.Reservations[0]
				p.Role = proto.String(only.Role)
				if only.Type == Dynamic {
					p.Reservation = &mesospb.Resource_ReservationInfo{Labels: labelsToProto(only.Labels)}
					if only.Principal != "" {
						p.Reservation.Principal = proto.String(only.Principal)
					}
				}
			default:
				if f.Reservations == PreRefinement {
					return nil, errorf(ErrNotRepresentable, "%s has refined reservations, which a framework without RESERVATION_REFINEMENT cannot read", r)
				}
			}
		}
		if r.Disk != nil {
			p.Disk = diskToProto(r.Disk)
		}
		if r.Revocable {
			p.Revocable = &mesospb.Resource_RevocableInfo{}
		}
		if r.Shared {
			p.Shared = &mesospb.Resource_SharedInfo{}
		}
		if r.ProviderID != "" {
			p.ProviderId = &mesospb.ResourceProviderID{Value: proto.String(r.ProviderID)}
		}
		out = append(out, p)
	}
	return out, nil
}

func reservationToProto(res Reservation) *mesospb.Resource_ReservationInfo {
	p := &mesospb.Resource_ReservationInfo{
		Type:   mesospb.Resource_ReservationInfo_Type(res.Type).Enum(),
		Role:   proto.String(res.Role),
		Labels: labelsToProto(res.Labels),
	}
	if res.Principal != "" {
		p.Principal = proto.String(res.Principal)
	}
	return p
}

func diskToProto(d *DiskInfo) *mesospb.Resource_DiskInfo {
	p := &mesospb.Resource_DiskInfo{}
	if d.Persistence != nil {
		p.Persistence = &mesospb.Resource_DiskInfo_Persistence{Id: proto.String(d.Persistence.ID)}
		if d.Persistence.Principal != "" {
			p.Persistence.Principal = proto.String(d.Persistence.Principal)
		}
	}
	if v := d.Volume; v != nil {
		p.Volume = &mesospb.Volume{
			ContainerPath: proto.String(v.ContainerPath),
			Mode:          mesospb.Volume_Mode(v.Mode).Enum(),
		}
		if v.HostPath != "" {
			p.Volume.HostPath = proto.String(v.HostPath)
		}
	}
	if s := d.Source; s != nil {
		ps := &mesospb.Resource_DiskInfo_Source{
			Type:     mesospb.Resource_DiskInfo_Source_Type(s.Type).Enum(),
			Metadata: labelsToProto(s.Metadata),
		}
		switch s.Type {
		case SourcePath:
			ps.Path = &mesospb.Resource_DiskInfo_Source_Path{}
			if s.Root != "" {
				ps.Path.Root = proto.String(s.Root)
			}
		case SourceMount:
			ps.Mount = &mesospb.Resource_DiskInfo_Source_Mount{}
			if s.Root != "" {
				ps.Mount.Root = proto.String(s.Root)
			}
		}
		if s.Vendor != "" {
			ps.Vendor = proto.String(s.Vendor)
		}
		if s.ID != "" {
			ps.Id = proto.String(s.ID)
		}
		if s.Profile != "" {
			ps.Profile = proto.String(s.Profile)
		}
		p.Source = ps
	}
	return p
}

func valueTypeToProto(k Kind) mesospb.Value_Type {
	switch k {
	case KindRanges:
		return mesospb.Value_RANGES
	case KindSet:
		return mesospb.Value_SET
	case KindText:
		return mesospb.Value_TEXT
	}
	return mesospb.Value_SCALAR
}

// setValueToProto fills the value field matching v.Kind. text may be nil
// for resources, which have no text.
func setValueToProto(v *Value, scalar **mesospb.Value_Scalar, ranges **mesospb.Value_Ranges, set **mesospb.Value_Set, text **mesospb.Value_Text) {
	switch v.Kind {
	case KindScalar:
		*scalar = &mesospb.Value_Scalar{Value: proto.Float64(v.Scalar.Float64())}
	case KindRanges:
		pr := &mesospb.Value_Ranges{Range: make([]*mesospb.Value_Range, len(v.Ranges))}
		for i, rg := range v.Ranges {
			pr.Range[i] = &mesospb.Value_Range{Begin: proto.Uint64(rg.Begin), End: proto.Uint64(rg.End)}
		}
		*ranges = pr
	case KindSet:
		*set = &mesospb.Value_Set{Item: slices.Clone(v.Set)}
	case KindText:
		if text != nil {
			*text = &mesospb.Value_Text{Value: proto.String(v.Text)}
		}
	}
}

// AttributesFromProto converts wire attributes, checking them as Mesos
// does (Attributes::isValid): a name, a type and the matching value; sets
// are not allowed. Scalars must be finite and are kept to three decimals
// (negative values are allowed on the wire); ranges are sorted and merged.
// Errors wrap ErrInvalidAttribute.
func AttributesFromProto(list []*mesospb.Attribute) (Attributes, error) {
	out := make(Attributes, 0, len(list))
	for i, p := range list {
		fail := func(reason string) (Attributes, error) {
			return nil, errorf(ErrInvalidAttribute, "attribute %d (%q): %s", i, p.GetName(), reason)
		}
		if p == nil {
			return fail("missing attribute")
		}
		if p.GetName() == "" {
			return fail("empty attribute name")
		}
		if p.Type == nil {
			return fail("no type")
		}
		a := Attribute{Name: p.GetName()}
		switch p.GetType() {
		case mesospb.Value_SCALAR:
			if p.Scalar == nil {
				return fail("a SCALAR attribute needs a scalar")
			}
			f := p.Scalar.GetValue()
			if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > maxScalar {
				return fail("scalar value is not finite or too large")
			}
			a.Value = Value{Kind: KindScalar, Scalar: ToMilli(f)}
		case mesospb.Value_RANGES:
			if p.Ranges == nil {
				return fail("a RANGES attribute needs ranges")
			}
			ranges, reason := rangesFromProto(p.Ranges, false)
			if reason != "" {
				return fail(reason)
			}
			a.Value = Value{Kind: KindRanges, Ranges: ranges}
		case mesospb.Value_TEXT:
			if p.Text == nil {
				return fail("a TEXT attribute needs text")
			}
			a.Value = Value{Kind: KindText, Text: p.Text.GetValue()}
		case mesospb.Value_SET:
			return fail("sets are not valid attribute values")
		default:
			return fail("unknown type " + strconv.Itoa(int(p.GetType())))
		}
		out = append(out, a)
	}
	return out, nil
}

// AttributesToProto writes attributes for the wire.
func AttributesToProto(as Attributes) []*mesospb.Attribute {
	out := make([]*mesospb.Attribute, len(as))
	for i := range as {
		a := &as[i]
		p := &mesospb.Attribute{
			Name: proto.String(a.Name),
			Type: valueTypeToProto(a.Kind).Enum(),
		}
		setValueToProto(&a.Value, &p.Scalar, &p.Ranges, &p.Set, &p.Text)
		out[i] = p
	}
	return out
}
