package supervisor

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestSpecRoundTrip(t *testing.T) {
	uid := uint32(4294967295)
	for _, spec := range []Spec{
		{Path: "/bin/true", Argv: []string{"true"}, Env: []string{}, Dir: "/", Groups: nil},
		{
			Path: "/bin/sh", Argv: []string{"sh", "-c", "echo 'a:b' 12:3 \"\n\""},
			Env: []string{"A=1", "EMPTY=", "COLON=x:y:10:", strings.Repeat("L", 70000)},
			Dir: "/tmp/sand box/ü", UID: &uid, GID: 7, Groups: []uint32{0, 1, 65534},
			StatusPath: "/meta/process.status", CgroupProcs: []string{"/sys/fs/cgroup/memory/a/cgroup.procs", "/x"},
		},
	} {
		got, err := Decode(spec.Encode())
		if err != nil {
			t.Fatalf("Decode(Encode(%+v)): %v", spec, err)
		}
		if spec.Argv == nil {
			spec.Argv = []string{}
		}
		if spec.CgroupProcs == nil {
			spec.CgroupProcs = []string{}
		}
		if !reflect.DeepEqual(got, spec) {
			t.Errorf("round trip\n got %+v\nwant %+v", got, spec)
		}
	}
}

func TestDecodeRefusesMalformedSpecs(t *testing.T) {
	valid := Spec{Path: "/bin/true", Argv: []string{"true"}}.Encode()
	for _, bad := range []string{
		"", "x", "9:/bin/true", valid + "1:x", valid[:len(valid)-1],
		"99999999999:a", "-1:a", "3:abc", `{"path":"/bin/true"}`,
		"9:/bin/true4294967296:", "9:/bin/true1:94:true",
	} {
		if _, err := Decode(bad); !errors.Is(err, ErrSpec) {
			t.Errorf("Decode(%q) = %v, want ErrSpec", bad, err)
		}
	}
}

func TestStatusJSON(t *testing.T) {
	for _, tt := range []struct {
		code, signal int
		core         bool
		want         string
	}{
		{0, 0, false, `{"code":0}`},
		{3, 0, false, `{"code":3}`},
		{0, 9, true, `{"code":0,"signal":9,"core_dumped":true}`},
		{-1, 0, false, `{"code":-1}`},
	} {
		if got := string(StatusJSON(tt.code, tt.signal, tt.core)); got != tt.want {
			t.Errorf("StatusJSON(%d, %d, %v) = %s, want %s", tt.code, tt.signal, tt.core, got, tt.want)
		}
	}
}

// FuzzDecode: a spec from the environment never panics the decoder, and
// what it accepts encodes back to the same spec.
func FuzzDecode(f *testing.F) {
	f.Add(Spec{Path: "/bin/true", Argv: []string{"true"}, Env: []string{"A=1"}, Dir: "/"}.Encode())
	uid := uint32(1000)
	f.Add(Spec{Path: "p", UID: &uid, Groups: []uint32{1, 2}, CgroupProcs: []string{"c"}}.Encode())
	f.Add("1:a1:01:01:a0:1:01:00:1:0")
	f.Fuzz(func(t *testing.T, encoded string) {
		spec, err := Decode(encoded)
		if err != nil {
			return
		}
		again, err := Decode(spec.Encode())
		if err != nil || !reflect.DeepEqual(again, spec) {
			t.Fatalf("Decode(Encode(%+v)) = %+v, %v", spec, again, err)
		}
	})
}
