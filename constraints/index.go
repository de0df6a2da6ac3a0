package constraints

// Index counts one app's placed instances by the values their agents have for
// each field, so that checking a constraint costs the same whether the app has
// ten instances or a hundred thousand.
//
// Which instances are placed is the caller's decision, and Marathon's rule is:
// only instances of the app's current version count, and lost instances do
// not. So Add an instance when it is launched for the current version, Remove
// it when it becomes terminal, LOST or unreachable, and build a new Index from
// the surviving instances when the app's version changes. Pass Remove the same
// Agent value that was passed to Add: keep it with the instance, since the
// agent's attributes may change later.
//
// The zero Index is empty and ready to use, and a nil *Index reads as empty.
// An Index is not safe for concurrent use; it belongs to the loop that places
// the app.
type Index struct {
	instances int
	fields    map[fieldKey]*fieldIndex
}

// NewIndex returns an Index holding one instance on each of the given agents.
func NewIndex(placed ...Agent) *Index {
	x := &Index{}
	for _, a := range placed {
		x.Add(a)
	}
	return x
}

// Len is the number of instances in the index.
func (x *Index) Len() int {
	if x == nil {
		return 0
	}
	return x.instances
}

// Count is the number of instances whose agent has value for field, with
// field written as in a constraint ("hostname", "@zone", "rack").
func (x *Index) Count(field, value string) int {
	return x.lookup(resolveField(field)).count(value)
}

// Add records an instance placed on a.
func (x *Index) Add(a Agent) {
	if x.fields == nil {
		x.fields = make(map[fieldKey]*fieldIndex)
	}
	x.instances++
	x.each(&a, func(k fieldKey, v string) {
		f := x.fields[k]
		if f == nil {
			f = newFieldIndex()
			x.fields[k] = f
		}
		f.add(v)
	})
}

// Remove forgets an instance placed on a. It reports false, and changes
// nothing, when the index holds no instance with a's values.
func (x *Index) Remove(a Agent) bool {
	if x.Len() == 0 {
		return false
	}
	held := true
	x.each(&a, func(k fieldKey, v string) {
		if x.fields[k].count(v) == 0 {
			held = false
		}
	})
	if !held {
		return false
	}
	x.instances--
	x.each(&a, func(k fieldKey, v string) {
		f := x.fields[k]
		f.remove(v)
		if f.total == 0 {
			delete(x.fields, k)
		}
	})
	return true
}

// each calls fn for every field a has a value for.
func (x *Index) each(a *Agent, fn func(fieldKey, string)) {
	for _, k := range [...]fieldKey{{kind: hostnameField}, {kind: regionField}, {kind: zoneField}} {
		if v, ok := k.value(a); ok {
			fn(k, v)
		}
	}
	for name, v := range a.Attributes {
		fn(fieldKey{kind: attributeField, name: name}, v)
	}
}

// lookup returns the field's counts, nil when no instance has the field.
func (x *Index) lookup(k fieldKey) *fieldIndex {
	if x == nil {
		return nil
	}
	return x.fields[k]
}

// fieldIndex counts instances per value of one field. Besides the counts it
// keeps, in O(1) per change, the two things GROUP_BY and CLUSTER ask of all
// values at once:
//
//   - the smallest count any value has, through buckets of equal counts kept
//     in ascending order (counts move by one, so a bucket is only ever
//     created next to the one its value leaves: the LFU-cache technique);
//   - the value present the longest, through a list of values in order of
//     arrival, from which a value is unlinked when its count reaches zero.
//
// Instances on agents without the field are not counted here at all.
type fieldIndex struct {
	total  int // instances with a value for the field
	values map[string]*valueCount

	oldest, newest *valueCount // values in order of arrival

	buckets map[int]*countBucket
	least   *countBucket // lowest count; buckets ascend through higher
}

type valueCount struct {
	value        string
	n            int
	older, newer *valueCount
}

// countBucket stands for the values that have exactly n instances.
type countBucket struct {
	n             int
	values        int
	lower, higher *countBucket
}

func newFieldIndex() *fieldIndex {
	return &fieldIndex{values: make(map[string]*valueCount), buckets: make(map[int]*countBucket)}
}

// count is the number of instances with value v; a nil fieldIndex has none.
func (f *fieldIndex) count(v string) int {
	if f == nil {
		return 0
	}
	if e := f.values[v]; e != nil {
		return e.n
	}
	return 0
}

// groups is the number of distinct values placed instances have.
func (f *fieldIndex) groups() int {
	if f == nil {
		return 0
	}
	return len(f.values)
}

// min is the smallest number of instances any present value has; 0 when no
// value is present.
func (f *fieldIndex) min() int {
	if f == nil || f.least == nil {
		return 0
	}
	return f.least.n
}

// anchor is the value present the longest: the one CLUSTER without a value
// holds every instance to.
func (f *fieldIndex) anchor() (string, bool) {
	if f == nil || f.oldest == nil {
		return "", false
	}
	return f.oldest.value, true
}

func (f *fieldIndex) add(v string) {
	e := f.values[v]
	if e == nil {
		e = &valueCount{value: v, older: f.newest}
		if f.newest != nil {
			f.newest.newer = e
		} else {
			f.oldest = e
		}
		f.newest = e
		f.values[v] = e
	}
	f.move(e.n, e.n+1)
	e.n++
	f.total++
}

// remove takes one instance from v, which must have one.
func (f *fieldIndex) remove(v string) {
	e := f.values[v]
	f.move(e.n, e.n-1)
	e.n--
	f.total--
	if e.n > 0 {
		return
	}
	delete(f.values, v)
	if e.older != nil {
		e.older.newer = e.newer
	} else {
		f.oldest = e.newer
	}
	if e.newer != nil {
		e.newer.older = e.older
	} else {
		f.newest = e.older
	}
}

// move shifts one value from the bucket of count from to that of count to,
// where to is from+1 or from-1. Count 0 has no bucket.
func (f *fieldIndex) move(from, to int) {
	src := f.buckets[from] // nil when from is 0
	if to > 0 {
		dst := f.buckets[to]
		if dst == nil {
			// No bucket holds a count strictly between from and to, so the
			// new bucket sits right next to src; a count of 1 is the lowest.
			dst = &countBucket{n: to}
			switch {
			case src == nil:
				dst.higher = f.least
				if f.least != nil {
					f.least.lower = dst
				}
				f.least = dst
			case to > from:
				dst.lower, dst.higher = src, src.higher
				if src.higher != nil {
					src.higher.lower = dst
				}
				src.higher = dst
			default:
				dst.lower, dst.higher = src.lower, src
				if src.lower != nil {
					src.lower.higher = dst
				} else {
					f.least = dst
				}
				src.lower = dst
			}
			f.buckets[to] = dst
		}
		dst.values++
	}
	if src == nil {
		return
	}
	src.values--
	if src.values > 0 {
		return
	}
	delete(f.buckets, from)
	if src.lower != nil {
		src.lower.higher = src.higher
	} else {
		f.least = src.higher
	}
	if src.higher != nil {
		src.higher.lower = src.lower
	}
}
