package resources

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestToMilli(t *testing.T) {
	tests := []struct {
		in   float64
		want Milli
	}{
		{0, 0},
		{1, 1000},
		{0.1, 100},
		{1.0005, 1001}, // the product rounds to 1000.5 in binary, as it does for Mesos's llround
		{0.0005, 1},
		{0.0004, 0},
		{1.5123, 1512}, // docs/attributes-resources.md: 1.5123 cpus is 1.512
		{-1.5, -1500},
		{math.NaN(), 0},
		{math.Inf(1), math.MaxInt64},
		{math.Inf(-1), math.MinInt64},
	}
	for _, tt := range tests {
		if got := ToMilli(tt.in); got != tt.want {
			t.Errorf("ToMilli(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestMilliFloat64(t *testing.T) {
	for _, m := range []Milli{0, 1, 100, 999, 1000, 1500, 123456789, -2500} {
		if got := ToMilli(m.Float64()); got != m {
			t.Errorf("ToMilli(%d.Float64()) = %d", m, got)
		}
	}
	if got := Milli(100).Float64(); got != 0.1 {
		t.Errorf("Milli(100).Float64() = %v, want 0.1", got)
	}
}

func TestMilliString(t *testing.T) {
	tests := map[Milli]string{
		0: "0", 1: "0.001", 10: "0.01", 100: "0.1", 120: "0.12", 1000: "1", 1500: "1.5",
		24576000: "24576", -1: "-0.001", math.MinInt64: "-9223372036854775.808",
	}
	for m, want := range tests {
		if got := m.String(); got != want {
			t.Errorf("Milli(%d).String() = %q, want %q", int64(m), got, want)
		}
	}
}

func TestAddMilliSaturates(t *testing.T) {
	if got := addMilli(math.MaxInt64, 1); got != math.MaxInt64 {
		t.Errorf("overflow gave %d", got)
	}
	if got := addMilli(math.MinInt64, -1); got != math.MinInt64 {
		t.Errorf("underflow gave %d", got)
	}
}

// bitsOf expands ranges over a small universe into a membership table.
func bitsOf(rs []Range, n int) []bool {
	out := make([]bool, n)
	for _, r := range rs {
		for x := r.Begin; x <= r.End; x++ {
			out[x] = true
		}
	}
	return out
}

func randomRanges(rng *rand.Rand, n int) []Range {
	var rs []Range
	for range rng.IntN(5) {
		b := uint64(rng.IntN(n))
		e := b + uint64(rng.IntN(n-int(b)))
		rs = append(rs, Range{b, e})
	}
	return normalizeRanges(rs)
}

// TestRangeOperationsAgainstBitsets checks the interval algorithms against a
// plain membership model over a small universe.
func TestRangeOperationsAgainstBitsets(t *testing.T) {
	const n = 40
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		a, b := randomRanges(rng, n), randomRanges(rng, n)
		if !rangesSorted(a) || !rangesSorted(b) {
			t.Fatalf("normalizeRanges produced %v / %v", a, b)
		}
		ab, bb := bitsOf(a, n), bitsOf(b, n)
		union, diff, inter := bitsOf(unionRanges(a, b), n), bitsOf(subtractRanges(a, b), n), bitsOf(intersectRanges(a, b), n)
		contains, overlap := true, false
		for x := range n {
			if union[x] != (ab[x] || bb[x]) || diff[x] != (ab[x] && !bb[x]) || inter[x] != (ab[x] && bb[x]) {
				t.Fatalf("case %d: a=%v b=%v: union %v diff %v inter %v wrong at %d",
					i, a, b, unionRanges(a, b), subtractRanges(a, b), intersectRanges(a, b), x)
			}
			if bb[x] && !ab[x] {
				contains = false
			}
			if ab[x] && bb[x] {
				overlap = true
			}
		}
		if got := containsRanges(a, b); got != contains {
			t.Fatalf("containsRanges(%v, %v) = %v", a, b, got)
		}
		if got := overlapRanges(a, b); got != overlap {
			t.Fatalf("overlapRanges(%v, %v) = %v", a, b, got)
		}
		for _, rs := range [][]Range{unionRanges(a, b), subtractRanges(a, b), intersectRanges(a, b)} {
			if !rangesSorted(rs) {
				t.Fatalf("result %v is not normalised (a=%v b=%v)", rs, a, b)
			}
		}
	}
}

func TestRangesAtTheTopOfUint64(t *testing.T) {
	top := uint64(math.MaxUint64)
	all := []Range{{0, top}}
	if got := normalizeRanges([]Range{{top - 1, top}, {0, top - 2}}); !slices.Equal(got, all) {
		t.Errorf("normalizeRanges = %v", got)
	}
	if got := subtractRanges(all, []Range{{top, top}}); !slices.Equal(got, []Range{{0, top - 1}}) {
		t.Errorf("subtractRanges = %v", got)
	}
	if got := unionRanges([]Range{{top, top}}, []Range{{0, top - 1}}); !slices.Equal(got, all) {
		t.Errorf("unionRanges = %v", got)
	}
	if got := rangesCount(all); got != math.MaxUint64 {
		t.Errorf("rangesCount saturates: %d", got)
	}
	if got := rangesCount([]Range{{1, 2}, {10, 10}}); got != 3 {
		t.Errorf("rangesCount = %d", got)
	}
}

func TestSetOperations(t *testing.T) {
	a, b := []string{"a", "b", "c"}, []string{"b", "d"}
	if got := unionSet(a, b); !slices.Equal(got, []string{"a", "b", "c", "d"}) {
		t.Errorf("union = %v", got)
	}
	if got := subtractSet(a, b); !slices.Equal(got, []string{"a", "c"}) {
		t.Errorf("difference = %v", got)
	}
	if got := intersectSet(a, b); !slices.Equal(got, []string{"b"}) {
		t.Errorf("intersection = %v", got)
	}
	if containsSet(a, b) || !containsSet(a, []string{"a", "c"}) || !containsSet(a, nil) {
		t.Error("containsSet")
	}
	if got := normalizeSet([]string{"b", "a", "b"}); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("normalizeSet = %v", got)
	}
}
