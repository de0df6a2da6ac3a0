package resources

import (
	"errors"
	"testing"
)

func TestDefaults(t *testing.T) {
	const gb = 1 << 30
	tests := []struct {
		name string
		m    Machine
		want string
	}{
		{"nothing detected", Machine{}, "cpus(*):1; mem(*):1024; disk(*):10240; ports(*):[31000-32000]"},
		{"large machine", Machine{CPUs: 16, MemoryBytes: 64 * gb, DiskBytes: 500 * gb},
			"cpus(*):16; mem(*):64512; disk(*):506880; ports(*):[31000-32000]"},
		{"exactly 2 GB leaves 1 GB", Machine{CPUs: 2, MemoryBytes: 2 * gb, DiskBytes: 10 * gb},
			"cpus(*):2; mem(*):1024; disk(*):5120; ports(*):[31000-32000]"},
		{"small machine uses half", Machine{CPUs: 1, MemoryBytes: 2*gb - 1<<20, DiskBytes: 8 * gb},
			"cpus(*):1; mem(*):1023; disk(*):4096; ports(*):[31000-32000]"},
		{"megabytes rounded down", Machine{CPUs: 4, MemoryBytes: 4*gb + 1<<20 - 1, DiskBytes: 20*gb + 512},
			"cpus(*):4; mem(*):3072; disk(*):15360; ports(*):[31000-32000]"},
	}
	for _, tt := range tests {
		if got := Defaults(tt.m).String(); got != tt.want {
			t.Errorf("%s: Defaults = %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

func TestWithDefaults(t *testing.T) {
	m := Machine{CPUs: 8, MemoryBytes: 16 << 30, DiskBytes: 100 << 30}
	tests := []struct {
		flag, role, want string
	}{
		{"", "", "cpus(*):8; mem(*):15360; disk(*):97280; ports(*):[31000-32000]"},
		{"cpus:2;ports:[5000-5100]", "", "cpus(*):2; ports(*):[5000-5100]; mem(*):15360; disk(*):97280"},
		{"cpus(web):2;gpus:1", "*", "cpus(web):2; gpus(*):1; mem(*):15360; disk(*):97280; ports(*):[31000-32000]"},
		{"mem:512", "web", "mem(web):512; cpus(web):8; disk(web):97280; ports(web):[31000-32000]"},
		{"cpus:0", "", "cpus(*):8; mem(*):15360; disk(*):97280; ports(*):[31000-32000]"},
	}
	for _, tt := range tests {
		configured, err := Parse(tt.flag, tt.role)
		if err != nil {
			t.Fatal(err)
		}
		got, err := WithDefaults(configured, m, tt.role)
		if err != nil {
			t.Fatal(err)
		}
		if got.String() != tt.want {
			t.Errorf("WithDefaults(%q, role %q) = %s\nwant %s", tt.flag, tt.role, got, tt.want)
		}
	}
	if _, err := WithDefaults(Resources{}, m, "/bad"); !errors.Is(err, ErrInvalidRole) {
		t.Errorf("bad default role: err = %v", err)
	}
}
