package resources

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// Milli is a scalar quantity in thousandths: 1.5 cpus is Milli(1500).
//
// Mesos keeps scalars as doubles on the wire but does all arithmetic on
// round(x*1000) so that clients see predictable results
// (src/common/values.cpp, convertToFixed). agora stores that fixed-point
// integer directly, so sums and differences are exact and never drift.
type Milli int64

// milliPerUnit is the fixed-point scale: three decimal digits, as in Mesos.
const milliPerUnit = 1000

// maxScalar is the largest float that still fits in a Milli.
const maxScalar = float64(math.MaxInt64/milliPerUnit) - 1

// ToMilli converts x to thousandths, rounding halfway cases away from zero
// (Mesos uses llround). It is meant for values written in code; it clamps
// out-of-range values and maps NaN to zero instead of failing. Parsing and
// wire decoding reject such values with an error instead.
func ToMilli(x float64) Milli {
	switch {
	case math.IsNaN(x):
		return 0
	case x >= maxScalar:
		return math.MaxInt64
	case x <= -maxScalar:
		return math.MinInt64
	}
	return Milli(math.Round(x * milliPerUnit))
}

// Float64 converts back to a float. Like Mesos (convertToFloating) it divides
// the integer and fractional parts separately, so the double sent on the wire
// is the one Mesos would send for the same quantity.
func (m Milli) Float64() float64 {
	return float64(m/milliPerUnit) + float64(m%milliPerUnit)/milliPerUnit
}

// String formats like the pattern "0.###": no trailing zeros, no exponent
// (0.8 → "0.8", 2 → "2", 1.025 → "1.025"). This is how Mesos prints scalars and
// how Marathon's constraints compare scalar attributes.
func (m Milli) String() string {
	var b []byte
	u := uint64(m)
	if m < 0 {
		b = append(b, '-')
		u = uint64(-(m + 1)) + 1 // also correct for math.MinInt64
	}
	b = strconv.AppendUint(b, u/milliPerUnit, 10)
	if frac := u % milliPerUnit; frac != 0 {
		digits := []byte{'.', byte('0' + frac/100), byte('0' + frac/10%10), byte('0' + frac%10)}
		for digits[len(digits)-1] == '0' {
			digits = digits[:len(digits)-1]
		}
		b = append(b, digits...)
	}
	return string(b)
}

// addMilli adds with saturation: quantities never wrap around. Validated
// inputs are far below the limit, so this only matters for hostile input.
func addMilli(a, b Milli) Milli {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		if b > 0 {
			return math.MaxInt64
		}
		return math.MinInt64
	}
	return s
}

// Kind is the type of a value: Mesos's Value.Type.
type Kind uint8

// The value kinds. Resources are scalars, ranges or sets; attributes are
// scalars, ranges or text. The zero Kind is invalid.
const (
	KindScalar Kind = iota + 1
	KindRanges
	KindSet
	KindText
)

// String returns the Mesos enum name.
func (k Kind) String() string {
	switch k {
	case KindScalar:
		return "SCALAR"
	case KindRanges:
		return "RANGES"
	case KindSet:
		return "SET"
	case KindText:
		return "TEXT"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Range is an inclusive interval of non-negative integers, [Begin, End].
type Range struct {
	Begin, End uint64
}

// Len returns how many integers the range holds; it saturates for the full
// uint64 range.
func (r Range) Len() uint64 {
	if r.End-r.Begin == math.MaxUint64 {
		return math.MaxUint64
	}
	return r.End - r.Begin + 1
}

// Value is a typed value: one of a scalar, ranges, a set or (attributes only)
// text, chosen by Kind. The other fields are empty.
//
// Invariants kept by every constructor and operation of this package: Ranges
// are sorted, disjoint and non-adjacent ([1-2],[3-4] is stored as [1-4]); Set
// items are sorted and unique. Slices are shared between collections and must
// be treated as read-only.
type Value struct {
	Kind   Kind
	Scalar Milli
	Ranges []Range
	Set    []string
	Text   string
}

// IsZero reports whether the value holds nothing: a zero scalar, no ranges,
// no items or empty text.
func (v Value) IsZero() bool {
	switch v.Kind {
	case KindScalar:
		return v.Scalar == 0
	case KindRanges:
		return len(v.Ranges) == 0
	case KindSet:
		return len(v.Set) == 0
	case KindText:
		return v.Text == ""
	}
	return true
}

// String renders the value in the compact form placement constraints compare:
// text as is, scalars like "0.###", ranges "[b-e,b-e]", sets "{a,b}".
func (v Value) String() string {
	return v.format(",")
}

// format renders the value with sep between range and set elements; Mesos's
// own resource strings use ", ".
func (v *Value) format(sep string) string {
	var b strings.Builder
	switch v.Kind {
	case KindScalar:
		return v.Scalar.String()
	case KindRanges:
		b.WriteByte('[')
		for i, r := range v.Ranges {
			if i > 0 {
				b.WriteString(sep)
			}
			b.WriteString(strconv.FormatUint(r.Begin, 10))
			b.WriteByte('-')
			b.WriteString(strconv.FormatUint(r.End, 10))
		}
		b.WriteByte(']')
	case KindSet:
		b.WriteByte('{')
		for i, item := range v.Set {
			if i > 0 {
				b.WriteString(sep)
			}
			b.WriteString(item)
		}
		b.WriteByte('}')
	case KindText:
		return v.Text
	}
	return b.String()
}

// equalValues compares two values of the same kind.
func equalValues(a, b *Value) bool {
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case KindScalar:
		return a.Scalar == b.Scalar
	case KindRanges:
		return slices.Equal(a.Ranges, b.Ranges)
	case KindSet:
		return slices.Equal(a.Set, b.Set)
	case KindText:
		return a.Text == b.Text
	}
	return true
}

// addValue returns a+b for values of the same kind (union for ranges and
// sets). It never modifies the slices of a or b.
func addValue(a, b *Value) Value {
	out := *a
	switch a.Kind {
	case KindScalar:
		out.Scalar = addMilli(a.Scalar, b.Scalar)
	case KindRanges:
		out.Ranges = unionRanges(a.Ranges, b.Ranges)
	case KindSet:
		out.Set = unionSet(a.Set, b.Set)
	}
	return out
}

// subtractValue returns a−b (set difference for ranges and sets). The scalar
// may come out negative; callers drop such results as Mesos does.
func subtractValue(a, b *Value) Value {
	out := *a
	switch a.Kind {
	case KindScalar:
		out.Scalar = addMilli(a.Scalar, -b.Scalar)
	case KindRanges:
		out.Ranges = subtractRanges(a.Ranges, b.Ranges)
	case KindSet:
		out.Set = subtractSet(a.Set, b.Set)
	}
	return out
}

// containsValue reports whether b ≤ a (subset for ranges and sets).
func containsValue(a, b *Value) bool {
	switch a.Kind {
	case KindScalar:
		return b.Scalar <= a.Scalar
	case KindRanges:
		return containsRanges(a.Ranges, b.Ranges)
	case KindSet:
		return containsSet(a.Set, b.Set)
	}
	return false
}

// intersectValue returns the largest value contained in both a and b: the
// smaller scalar, the common ranges or items.
func intersectValue(a, b *Value) Value {
	out := *a
	switch a.Kind {
	case KindScalar:
		out.Scalar = min(a.Scalar, b.Scalar)
	case KindRanges:
		out.Ranges = intersectRanges(a.Ranges, b.Ranges)
	case KindSet:
		out.Set = intersectSet(a.Set, b.Set)
	}
	return out
}

// normalizeRanges sorts and merges overlapping or adjacent ranges into a new
// slice. Ranges with Begin > End must have been rejected before.
func normalizeRanges(in []Range) []Range {
	if len(in) == 0 {
		return nil
	}
	rs := slices.Clone(in)
	slices.SortFunc(rs, func(a, b Range) int {
		switch {
		case a.Begin < b.Begin:
			return -1
		case a.Begin > b.Begin:
			return 1
		}
		return 0
	})
	out := rs[:1]
	for _, r := range rs[1:] {
		last := &out[len(out)-1]
		// Merge when r overlaps or touches last. Written so that
		// last.End == MaxUint64 cannot overflow.
		if r.Begin <= last.End || r.Begin-last.End == 1 {
			last.End = max(last.End, r.End)
			continue
		}
		out = append(out, r)
	}
	return slices.Clip(out)
}

// rangesSorted reports whether rs is already normalised.
func rangesSorted(rs []Range) bool {
	for i, r := range rs {
		if r.Begin > r.End {
			return false
		}
		if i > 0 {
			prev := rs[i-1]
			if r.Begin <= prev.End || r.Begin-prev.End == 1 {
				return false
			}
		}
	}
	return true
}

// unionRanges merges two normalised lists in one pass.
func unionRanges(a, b []Range) []Range {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
	}
	out := make([]Range, 0, len(a)+len(b))
	push := func(r Range) {
		if n := len(out); n > 0 {
			last := &out[n-1]
			if r.Begin <= last.End || r.Begin-last.End == 1 {
				last.End = max(last.End, r.End)
				return
			}
		}
		out = append(out, r)
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		if j == len(b) || (i < len(a) && a[i].Begin <= b[j].Begin) {
			push(a[i])
			i++
		} else {
			push(b[j])
			j++
		}
	}
	return out
}

// firstRangeEndingAtOrAfter returns the index of the first range in rs whose
// End is ≥ x (len(rs) if none). rs is normalised, so Ends are increasing.
func firstRangeEndingAtOrAfter(rs []Range, x uint64) int {
	lo, hi := 0, len(rs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if rs[m].End < x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// subtractRanges returns a−b. When nothing of b lies inside a it returns a
// itself, so the common "remove a few ports" case copies only when needed;
// otherwise the ranges of a before and after the cuts are copied wholesale
// and only the ranges that b touches are split.
func subtractRanges(a, b []Range) []Range {
	if len(a) == 0 || len(b) == 0 || !overlapRanges(a, b) {
		return a
	}
	// a[lo:hi] are the ranges that b can touch.
	lo := firstRangeEndingAtOrAfter(a, b[0].Begin)
	hi := firstRangeEndingAtOrAfter(a, b[len(b)-1].End)
	if hi < len(a) && a[hi].Begin <= b[len(b)-1].End {
		hi++
	}
	out := make([]Range, lo, len(a)+len(b))
	copy(out, a[:lo])
	j := 0
	for _, r := range a[lo:hi] {
		cur := r
		keep := true
		for j < len(b) && b[j].End < cur.Begin {
			j++
		}
		for k := j; k < len(b) && b[k].Begin <= cur.End; k++ {
			cut := b[k]
			if cut.Begin > cur.Begin {
				out = append(out, Range{cur.Begin, cut.Begin - 1})
			}
			if cut.End >= cur.End {
				keep = false
				break
			}
			cur.Begin = cut.End + 1
		}
		if keep {
			out = append(out, cur)
		}
	}
	out = append(out, a[hi:]...)
	if len(out) == 0 {
		return nil
	}
	return out
}

// overlapRanges reports whether a and b share at least one integer.
func overlapRanges(a, b []Range) bool {
	for _, r := range b {
		i := firstRangeEndingAtOrAfter(a, r.Begin)
		if i < len(a) && a[i].Begin <= r.End {
			return true
		}
	}
	return false
}

// containsRanges reports whether every integer of b lies in a. Because a is
// merged, each range of b must fit inside a single range of a.
func containsRanges(a, b []Range) bool {
	for _, r := range b {
		i := firstRangeEndingAtOrAfter(a, r.End)
		if i == len(a) || a[i].Begin > r.Begin {
			return false
		}
	}
	return true
}

// intersectRanges returns the integers in both a and b.
func intersectRanges(a, b []Range) []Range {
	var out []Range
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		lo, hi := max(a[i].Begin, b[j].Begin), min(a[i].End, b[j].End)
		if lo <= hi {
			out = append(out, Range{lo, hi})
		}
		if a[i].End < b[j].End {
			i++
		} else {
			j++
		}
	}
	return out
}

// rangesCount returns how many integers the ranges hold, saturating.
func rangesCount(rs []Range) uint64 {
	var n uint64
	for _, r := range rs {
		l := r.Len()
		if n+l < n {
			return math.MaxUint64
		}
		n += l
	}
	return n
}

// normalizeSet returns a sorted copy without duplicates.
func normalizeSet(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	s := slices.Clone(in)
	slices.Sort(s)
	return slices.Clip(slices.Compact(s))
}

func unionSet(a, b []string) []string {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
	}
	out := make([]string, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i] < b[j]):
			out = append(out, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

func subtractSet(a, b []string) []string {
	if len(a) == 0 || len(b) == 0 {
		return a
	}
	var out []string
	j := 0
	for _, item := range a {
		for j < len(b) && b[j] < item {
			j++
		}
		if j < len(b) && b[j] == item {
			continue
		}
		out = append(out, item)
	}
	return out
}

func containsSet(a, b []string) bool {
	i := 0
	for _, item := range b {
		for i < len(a) && a[i] < item {
			i++
		}
		if i == len(a) || a[i] != item {
			return false
		}
	}
	return true
}

func intersectSet(a, b []string) []string {
	var out []string
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case b[j] < a[i]:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}
