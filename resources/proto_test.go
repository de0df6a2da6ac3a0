package resources

import (
	"errors"
	"math"
	"testing"

	mesospb "agora/api/mesos/v1"
	"agora/wire"
	"google.golang.org/protobuf/proto"
)

// fromJSON decodes a Mesos JSON Resource for test tables.
func fromJSON(t *testing.T, js string) *mesospb.Resource {
	t.Helper()
	p := &mesospb.Resource{}
	if err := wire.UnmarshalJSON([]byte(js), p); err != nil {
		t.Fatalf("decode %s: %v", js, err)
	}
	return p
}

func TestFromProtoFormats(t *testing.T) {
	tests := []struct {
		name string
		json string
		want string
	}{
		{"unreserved, no role", `{"name":"cpus","type":"SCALAR","scalar":{"value":1.5}}`, "cpus(*):1.5"},
		{"unreserved, role star", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"*"}`, "cpus(*):1"},
		{"pre-refinement static", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"web"}`, "cpus(web):1"},
		{"pre-refinement dynamic", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"web","reservation":{"principal":"ops","labels":{"labels":[{"key":"k","value":"v"}]}}}`,
			"cpus(web)(reservations: [(DYNAMIC,web,ops,{k: v})]):1"},
		{"post-refinement static", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"reservations":[{"type":"STATIC","role":"web"}]}`, "cpus(web):1"},
		{"post-refinement refined", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"reservations":[{"type":"STATIC","role":"eng"},{"type":"DYNAMIC","role":"eng/web","principal":"ops"}]}`,
			"cpus(eng/web)(reservations: [(STATIC,eng),(DYNAMIC,eng/web,ops)]):1"},
		{"endpoint format, both agree", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"web","reservation":{"principal":"ops"},"reservations":[{"type":"DYNAMIC","role":"web","principal":"ops"}]}`,
			"cpus(web)(reservations: [(DYNAMIC,web,ops)]):1"},
		{"endpoint format, static", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"web","reservations":[{"type":"STATIC","role":"web"}]}`, "cpus(web):1"},
		{"allocated", `{"name":"mem","type":"SCALAR","scalar":{"value":64},"allocation_info":{"role":"web"}}`, "mem(*)(allocated: web):64"},
		{"ranges normalised", `{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":10,"end":20},{"begin":1,"end":5},{"begin":6,"end":9}]}}`, "ports(*):[1-20]"},
		{"set sorted", `{"name":"bugs","type":"SET","set":{"item":["b","a"]}}`, "bugs(*):{a, b}"},
		{"scalar rounded", `{"name":"cpus","type":"SCALAR","scalar":{"value":0.1234}}`, "cpus(*):0.123"},
		{"zero dropped", `{"name":"cpus","type":"SCALAR","scalar":{"value":0}}`, "{}"},
		{"shared persistent volume", `{"name":"disk","type":"SCALAR","scalar":{"value":10},"reservations":[{"type":"DYNAMIC","role":"web","principal":"ops"}],"disk":{"persistence":{"id":"v1","principal":"ops"},"volume":{"container_path":"data","mode":"RW"}},"shared":{}}`,
			"disk(web)(reservations: [(DYNAMIC,web,ops)])[v1:data]<SHARED>:10"},
		{"revocable with provider", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"revocable":{},"provider_id":{"value":"rp1"}}`, "cpus(*){REV}:1"},
		{"csi disk", `{"name":"disk","type":"SCALAR","scalar":{"value":5},"disk":{"source":{"type":"RAW","vendor":"csi","id":"d1","profile":"fast"}}}`, "disk(*)[RAW(csi,d1,fast)]:5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FromProto([]*mesospb.Resource{fromJSON(t, tt.json)})
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != tt.want {
				t.Errorf("FromProto = %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestFromProtoErrors(t *testing.T) {
	tests := []struct {
		name string
		json string
		want string
	}{
		{"empty name", `{"name":"","type":"SCALAR","scalar":{"value":1}}`, `resources: resource 0 (""): empty resource name`},
		{"negative scalar", `{"name":"cpus","type":"SCALAR","scalar":{"value":-1}}`, `resources: resource 0 ("cpus"): scalar value -1 is negative`},
		{"rounds to zero", `{"name":"cpus","type":"SCALAR","scalar":{"value":0.0001}}`, `resources: resource 0 ("cpus"): scalar value 0.0001 is below the resolution of 0.001`},
		{"too large", `{"name":"cpus","type":"SCALAR","scalar":{"value":1e300}}`, `resources: resource 0 ("cpus"): scalar value 1e+300 is too large`},
		{"infinite", `{"name":"cpus","type":"SCALAR","scalar":{"value":"Infinity"}}`, `resources: resource 0 ("cpus"): scalar value is not finite`},
		{"scalar with ranges", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"ranges":{}}`, `resources: resource 0 ("cpus"): a SCALAR resource needs a scalar and nothing else`},
		{"ranges missing", `{"name":"ports","type":"RANGES"}`, `resources: resource 0 ("ports"): a RANGES resource needs ranges and nothing else`},
		{"inverted range", `{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":5,"end":3}]}}`, `resources: resource 0 ("ports"): range 5-3 has begin greater than end`},
		{"overlapping ranges", `{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":5,"end":10},{"begin":1,"end":5}]}}`, `resources: resource 0 ("ports"): ranges 1-5 and 5-10 overlap`},
		{"set missing", `{"name":"bugs","type":"SET"}`, `resources: resource 0 ("bugs"): a SET resource needs a set and nothing else`},
		{"duplicate item", `{"name":"bugs","type":"SET","set":{"item":["a","b","a"]}}`, `resources: resource 0 ("bugs"): duplicate set item "a"`},
		{"text", `{"name":"os","type":"TEXT","text":{"value":"x"}}`, `resources: resource 0 ("os"): resources cannot be TEXT; use a scalar, ranges or a set`},
		{"disk info on cpus", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"disk":{}}`, `resources: resource 0 ("cpus"): disk info is only allowed on "disk" resources`},
		{"block with mount", `{"name":"disk","type":"SCALAR","scalar":{"value":1},"disk":{"source":{"type":"BLOCK","mount":{"root":"/m"}}}}`, `resources: resource 0 ("disk"): mount must not be set for a BLOCK disk source`},
		{"raw with path", `{"name":"disk","type":"SCALAR","scalar":{"value":1},"disk":{"source":{"type":"RAW","path":{"root":"/m"}}}}`, `resources: resource 0 ("disk"): path must not be set for a RAW disk source`},
		{"unknown source", `{"name":"disk","type":"SCALAR","scalar":{"value":1},"disk":{"source":{"type":"UNKNOWN"}}}`, `resources: resource 0 ("disk"): unsupported disk source type UNKNOWN`},
		{"shared cpus", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"shared":{}}`, `resources: resource 0 ("cpus"): only persistent volumes can be shared`},
		{"shared disk without volume", `{"name":"disk","type":"SCALAR","scalar":{"value":1},"shared":{}}`, `resources: resource 0 ("disk"): only persistent volumes can be shared`},
		{"bad role", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"a//b"}`, `resources: resource 0 ("cpus"): role "a//b" cannot contain two adjacent slashes`},
		{"star dynamically reserved", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"*","reservation":{}}`, `resources: resource 0 ("cpus"): role "*" cannot be dynamically reserved`},
		{"old reservation with type", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"a","reservation":{"type":"DYNAMIC"}}`, `resources: resource 0 ("cpus"): reservation.type must not be set in the ` + "`reservation`" + ` field`},
		{"old reservation with role", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"a","reservation":{"role":"a"}}`, `resources: resource 0 ("cpus"): reservation.role must not be set in the ` + "`reservation`" + ` field`},
		{"reservation without type", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"reservations":[{"role":"a"}]}`, `resources: resource 0 ("cpus"): reservation 0 has no type (STATIC or DYNAMIC)`},
		{"reservation unknown type", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"reservations":[{"type":"UNKNOWN","role":"a"}]}`, `resources: resource 0 ("cpus"): reservation 0 has unsupported type UNKNOWN`},
		{"reservation without role", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"reservations":[{"type":"STATIC"}]}`, `resources: resource 0 ("cpus"): reservation 0 has no role`},
		{"reserve star", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"reservations":[{"type":"STATIC","role":"*"}]}`, `resources: resource 0 ("cpus"): role "*" cannot be reserved`},
		{"bad reservation role", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"reservations":[{"type":"STATIC","role":".."}]}`, `resources: resource 0 ("cpus"): reservation role ".." cannot include '..' as a component`},
		{"static refinement", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"reservations":[{"type":"STATIC","role":"a"},{"type":"STATIC","role":"a/b"}]}`, `resources: resource 0 ("cpus"): a refined reservation cannot be STATIC`},
		{"not a refinement", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"reservations":[{"type":"STATIC","role":"a"},{"type":"DYNAMIC","role":"b"}]}`, `resources: resource 0 ("cpus"): reservation role "b" is not a refinement of "a"`},
		{"role disagrees", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"b","reservations":[{"type":"STATIC","role":"a"}]}`, `resources: resource 0 ("cpus"): role "b" does not match the role "a" in reservations`},
		{"static with old reservation", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"reservation":{},"reservations":[{"type":"STATIC","role":"a"}]}`, `resources: resource 0 ("cpus"): reservation must not be set when the single reservation is STATIC`},
		{"dynamic with role only", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"a","reservations":[{"type":"DYNAMIC","role":"a"}]}`, `resources: resource 0 ("cpus"): role and reservation must be set together or not at all when the single reservation is DYNAMIC`},
		{"dynamic principal disagrees", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"a","reservation":{"principal":"x"},"reservations":[{"type":"DYNAMIC","role":"a","principal":"y"}]}`, `resources: resource 0 ("cpus"): reservation.principal "x" does not match the principal "y" in reservations`},
		{"dynamic labels disagree", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"a","reservation":{"labels":{"labels":[{"key":"k"}]}},"reservations":[{"type":"DYNAMIC","role":"a"}]}`, `resources: resource 0 ("cpus"): reservation.labels do not match the labels in reservations`},
		{"refined with role", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"a/b","reservations":[{"type":"STATIC","role":"a"},{"type":"DYNAMIC","role":"a/b"}]}`, `resources: resource 0 ("cpus"): role must not be set when there is more than one reservation`},
		{"refined with reservation", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"reservation":{},"reservations":[{"type":"STATIC","role":"a"},{"type":"DYNAMIC","role":"a/b"}]}`, `resources: resource 0 ("cpus"): reservation must not be set when there is more than one reservation`},
		{"allocation without role", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"allocation_info":{}}`, `resources: resource 0 ("cpus"): allocation_info without a role`},
		{"bad allocation role", `{"name":"cpus","type":"SCALAR","scalar":{"value":1},"allocation_info":{"role":"a/"}}`, `resources: resource 0 ("cpus"): allocation role "a/" cannot end with a slash`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromProto([]*mesospb.Resource{fromJSON(t, tt.json)})
			if err == nil {
				t.Fatalf("want error %s", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tt.want)
			}
			if !errors.Is(err, ErrInvalidResource) {
				t.Errorf("error %v does not wrap ErrInvalidResource", err)
			}
		})
	}
}

func TestFromProtoStructuralErrors(t *testing.T) {
	tests := []struct {
		name string
		list []*mesospb.Resource
		want string
	}{
		{"nil element", []*mesospb.Resource{nil}, `resources: resource 0 (""): missing resource`},
		{"no type", []*mesospb.Resource{{Name: proto.String("cpus")}}, `resources: resource 0 ("cpus"): no type`},
		{"unknown type", []*mesospb.Resource{{Name: proto.String("cpus"), Type: mesospb.Value_Type(42).Enum()}}, `resources: resource 0 ("cpus"): unknown type 42`},
		{"range without end", []*mesospb.Resource{{Name: proto.String("ports"), Type: mesospb.Value_RANGES.Enum(),
			Ranges: &mesospb.Value_Ranges{Range: []*mesospb.Value_Range{{Begin: proto.Uint64(1)}}}}}, `resources: resource 0 ("ports"): range without begin or end`},
		{"nan", []*mesospb.Resource{{Name: proto.String("cpus"), Type: mesospb.Value_SCALAR.Enum(),
			Scalar: &mesospb.Value_Scalar{Value: proto.Float64(math.NaN())}}}, `resources: resource 0 ("cpus"): scalar value is not finite`},
		{"second element named", []*mesospb.Resource{
			{Name: proto.String("cpus"), Type: mesospb.Value_SCALAR.Enum(), Scalar: &mesospb.Value_Scalar{Value: proto.Float64(1)}},
			{Name: proto.String("mem"), Type: mesospb.Value_SCALAR.Enum(), Scalar: &mesospb.Value_Scalar{Value: proto.Float64(-2)}},
		}, `resources: resource 1 ("mem"): scalar value -2 is negative`},
	}
	for _, tt := range tests {
		_, err := FromProto(tt.list)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: err = %v, want %s", tt.name, err, tt.want)
		}
	}
}

// checkProto compares converted resources with the Mesos JSON they must
// equal, field presence included.
func checkProto(t *testing.T, got []*mesospb.Resource, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d resources, want %d: %v", len(got), len(want), got)
	}
	for i := range got {
		if w := fromJSON(t, want[i]); !proto.Equal(got[i], w) {
			t.Errorf("resource %d\n got: %v\nwant: %v", i, got[i], w)
		}
	}
}

func TestToProtoFormats(t *testing.T) {
	cpus := dynamic(NewScalar("cpus", 1), "web", "ops")
	cpus.AllocationRole = "web"
	mem := static(NewScalar("mem", 64), "web")
	ports := NewRanges("ports", Range{31000, 31001})
	ports.AllocationRole = "web"
	rs := Must(cpus, mem, ports)

	tests := []struct {
		name   string
		format Format
		want   []string
	}{
		{"post-refinement with allocation", FormatFor(true, true), []string{
			`{"name":"cpus","type":"SCALAR","scalar":{"value":1},"allocation_info":{"role":"web"},"reservations":[{"type":"DYNAMIC","role":"web","principal":"ops"}]}`,
			`{"name":"mem","type":"SCALAR","scalar":{"value":64},"reservations":[{"type":"STATIC","role":"web"}]}`,
			`{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":31000,"end":31001}]},"allocation_info":{"role":"web"}}`,
		}},
		{"without MULTI_ROLE", FormatFor(false, true), []string{
			`{"name":"cpus","type":"SCALAR","scalar":{"value":1},"reservations":[{"type":"DYNAMIC","role":"web","principal":"ops"}]}`,
			`{"name":"mem","type":"SCALAR","scalar":{"value":64},"reservations":[{"type":"STATIC","role":"web"}]}`,
			`{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":31000,"end":31001}]}}`,
		}},
		{"without RESERVATION_REFINEMENT", FormatFor(true, false), []string{
			`{"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"web","allocation_info":{"role":"web"},"reservation":{"principal":"ops"}}`,
			`{"name":"mem","type":"SCALAR","scalar":{"value":64},"role":"web"}`,
			`{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":31000,"end":31001}]},"role":"*","allocation_info":{"role":"web"}}`,
		}},
		{"endpoint", Format{Reservations: Endpoint}, []string{
			`{"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"web","allocation_info":{"role":"web"},"reservation":{"principal":"ops"},"reservations":[{"type":"DYNAMIC","role":"web","principal":"ops"}]}`,
			`{"name":"mem","type":"SCALAR","scalar":{"value":64},"role":"web","reservations":[{"type":"STATIC","role":"web"}]}`,
			`{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":31000,"end":31001}]},"role":"*","allocation_info":{"role":"web"}}`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := rs.ToProto(tt.format)
			if err != nil {
				t.Fatal(err)
			}
			checkProto(t, list, tt.want)
			// Every format reads back to the same resources, allocation aside.
			back, err := FromProto(list)
			if err != nil {
				t.Fatal(err)
			}
			want := rs
			if tt.format.StripAllocation {
				want = rs.Unallocate()
			}
			if !back.Equal(want) {
				t.Errorf("FromProto(ToProto) = %s, want %s", back, want)
			}
		})
	}
}

func TestToProtoRefinedForOldFrameworks(t *testing.T) {
	refined := Must(dynamic(static(NewScalar("cpus", 1), "eng"), "eng/web", "ops"))
	_, err := refined.ToProto(FormatFor(true, false))
	if !errors.Is(err, ErrNotRepresentable) {
		t.Fatalf("err = %v, want ErrNotRepresentable", err)
	}
	want := "resources: cpus(eng/web)(reservations: [(STATIC,eng),(DYNAMIC,eng/web,ops)]):1 has refined reservations, which a framework without RESERVATION_REFINEMENT cannot read"
	if err.Error() != want {
		t.Errorf("error = %s", err)
	}
	list, err := refined.ToProto(Format{Reservations: Endpoint})
	if err != nil {
		t.Fatal(err)
	}
	if list[0].Role != nil || list[0].Reservation != nil || len(list[0].Reservations) != 2 {
		t.Errorf("endpoint format of a refined reservation: %v", list[0])
	}
}

func TestToProtoDisk(t *testing.T) {
	v := NewScalar("disk", 10)
	v.Disk = &DiskInfo{
		Persistence: &Persistence{ID: "v1", Principal: "ops"},
		Volume:      &Volume{ContainerPath: "data", HostPath: "/h", Mode: ReadOnly},
		Source:      &DiskSource{Type: SourceMount, Root: "/mnt/a", Metadata: []Label{{"k", "v"}}},
	}
	v.Shared = true
	v.ProviderID = "rp"
	v.Revocable = true
	v = dynamic(v, "web", "ops")
	list, err := Must(v).ToProto(Format{})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"provider_id":{"value":"rp"},"name":"disk","type":"SCALAR","scalar":{"value":10},"reservations":[{"type":"DYNAMIC","role":"web","principal":"ops"}],` +
		`"disk":{"persistence":{"id":"v1","principal":"ops"},"volume":{"mode":"RO","container_path":"data","host_path":"/h"},"source":{"type":"MOUNT","mount":{"root":"/mnt/a"},"metadata":{"labels":[{"key":"k","value":"v"}]}}},` +
		`"revocable":{},"shared":{}}`
	checkProto(t, list, []string{want})
	back, err := FromProto(list)
	if err != nil {
		t.Fatal(err)
	}
	r := back.Slice()[0]
	if *r.Disk.Volume != *v.Disk.Volume || *r.Disk.Persistence != *v.Disk.Persistence || r.Disk.Source.Root != "/mnt/a" {
		t.Errorf("disk did not round-trip: %+v", r.Disk)
	}
}

func TestAttributesProto(t *testing.T) {
	as, err := ParseAttributes("rack:r1;level:0.8;keys:[1-2,5-6]")
	if err != nil {
		t.Fatal(err)
	}
	list := AttributesToProto(as)
	want := []string{
		`{"name":"rack","type":"TEXT","text":{"value":"r1"}}`,
		`{"name":"level","type":"SCALAR","scalar":{"value":0.8}}`,
		`{"name":"keys","type":"RANGES","ranges":{"range":[{"begin":1,"end":2},{"begin":5,"end":6}]}}`,
	}
	for i := range want {
		w := &mesospb.Attribute{}
		if err := wire.UnmarshalJSON([]byte(want[i]), w); err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(list[i], w) {
			t.Errorf("attribute %d\n got: %v\nwant: %v", i, list[i], w)
		}
	}
	back, err := AttributesFromProto(list)
	if err != nil || !back.Equal(as) {
		t.Errorf("AttributesFromProto = %v, %v; want %v", back, err, as)
	}

	bad := []struct {
		p    *mesospb.Attribute
		want string
	}{
		{nil, `resources: attribute 0 (""): missing attribute`},
		{&mesospb.Attribute{Name: proto.String(""), Type: mesospb.Value_TEXT.Enum(), Text: &mesospb.Value_Text{Value: proto.String("x")}}, `resources: attribute 0 (""): empty attribute name`},
		{&mesospb.Attribute{Name: proto.String("a")}, `resources: attribute 0 ("a"): no type`},
		{&mesospb.Attribute{Name: proto.String("a"), Type: mesospb.Value_SET.Enum(), Set: &mesospb.Value_Set{}}, `resources: attribute 0 ("a"): sets are not valid attribute values`},
		{&mesospb.Attribute{Name: proto.String("a"), Type: mesospb.Value_TEXT.Enum()}, `resources: attribute 0 ("a"): a TEXT attribute needs text`},
		{&mesospb.Attribute{Name: proto.String("a"), Type: mesospb.Value_SCALAR.Enum()}, `resources: attribute 0 ("a"): a SCALAR attribute needs a scalar`},
		{&mesospb.Attribute{Name: proto.String("a"), Type: mesospb.Value_SCALAR.Enum(), Scalar: &mesospb.Value_Scalar{Value: proto.Float64(math.Inf(1))}}, `resources: attribute 0 ("a"): scalar value is not finite or too large`},
		{&mesospb.Attribute{Name: proto.String("a"), Type: mesospb.Value_RANGES.Enum()}, `resources: attribute 0 ("a"): a RANGES attribute needs ranges`},
		{&mesospb.Attribute{Name: proto.String("a"), Type: mesospb.Value_RANGES.Enum(), Ranges: &mesospb.Value_Ranges{Range: []*mesospb.Value_Range{{Begin: proto.Uint64(3), End: proto.Uint64(1)}}}}, `resources: attribute 0 ("a"): range 3-1 has begin greater than end`},
		{&mesospb.Attribute{Name: proto.String("a"), Type: mesospb.Value_Type(9).Enum()}, `resources: attribute 0 ("a"): unknown type 9`},
	}
	for _, tt := range bad {
		_, err := AttributesFromProto([]*mesospb.Attribute{tt.p})
		if err == nil || err.Error() != tt.want || !errors.Is(err, ErrInvalidAttribute) {
			t.Errorf("AttributesFromProto(%v) = %v, want %s", tt.p, err, tt.want)
		}
	}
	// On the wire a scalar attribute may be negative; it formats with a sign.
	neg, err := AttributesFromProto([]*mesospb.Attribute{{Name: proto.String("t"), Type: mesospb.Value_SCALAR.Enum(), Scalar: &mesospb.Value_Scalar{Value: proto.Float64(-2.5)}}})
	if err != nil || neg[0].ValueString() != "-2.5" {
		t.Errorf("negative scalar attribute = %v, %v", neg, err)
	}
}
