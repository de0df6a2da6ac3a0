package resources

import "testing"

func TestFind(t *testing.T) {
	tests := []struct {
		name   string
		offer  string
		wanted string
		found  string // "" when Find must fail
	}{
		{"unreserved from unreserved", "cpus:4;mem:1024", "cpus:1;mem:128", "cpus(*):1; mem(*):128"},
		{"reserved target prefers its role", "cpus:4;cpus(web):2", "cpus(web):1", "cpus(web):1"},
		{"reserved target spills to unreserved", "cpus:4;cpus(web):2", "cpus(web):3", "cpus(web):2; cpus(*):1"},
		{"unreserved target prefers unreserved", "cpus(web):2;cpus:4", "cpus:1", "cpus(*):1"},
		{"unreserved target falls back to reserved", "cpus(web):2;cpus:1", "cpus:2", "cpus(*):1; cpus(web):1"},
		{"reserved target: own role, unreserved, then others", "cpus(a):1;cpus(b):1;cpus:1", "cpus(b):3", "cpus(b):1; cpus(*):1; cpus(a):1"},
		{"not enough", "cpus:1;cpus(web):1", "cpus:3", ""},
		{"missing name", "cpus:1", "mem:1", ""},
		{"ports split across roles", "ports:[31000-31010];ports(web):[31011-31020]", "ports(web):[31005-31015]",
			"ports(web):[31011-31015]; ports(*):[31005-31010]"},
		{"ranges partly overlapping several entries", "ports:[1-3,10-10];ports(a):[4-5]", "ports:[1-5]", "ports(*):[1-3]; ports(a):[4-5]"},
		{"ports not offered", "ports:[31000-31010]", "ports:[31011-31011]", ""},
		{"sets", "bugs:{a,b};bugs(web):{c}", "bugs:{a,c}", "bugs(*):{a}; bugs(web):{c}"},
		{"several resources from one entry", "cpus:4", "cpus:1;cpus(web):1", "cpus(*):2"},
		{"empty wanted", "cpus:4", "", "{}"},
		{"empty offer", "", "cpus:1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			offer, wanted := mustParse(t, tt.offer), mustParse(t, tt.wanted)
			found, ok := offer.Find(wanted)
			if tt.found == "" {
				if ok {
					t.Fatalf("Find(%s) in %s = %s, want no solution", wanted, offer, found)
				}
				return
			}
			if !ok {
				t.Fatalf("Find(%s) in %s failed, want %s", wanted, offer, tt.found)
			}
			if found.String() != tt.found {
				t.Errorf("Find(%s) in %s = %s, want %s", wanted, offer, found, tt.found)
			}
			if !offer.Contains(found) {
				t.Errorf("offer %s does not contain found %s", offer, found)
			}
			if !found.Flatten().Equal(wanted.Flatten()) {
				t.Errorf("found %s does not match wanted %s in amount", found, wanted)
			}
		})
	}
}

func TestFindInAllocatedOffer(t *testing.T) {
	offer := mustParse(t, "cpus:4;mem:1024;ports:[31000-32000];cpus(web):1").AllocateTo("web")
	wanted := mustParse(t, "cpus(web):2;mem:100;ports:[31000-31001]")
	found, ok := offer.Find(wanted)
	if !ok {
		t.Fatal("Find failed")
	}
	want := "cpus(web)(allocated: web):1; cpus(*)(allocated: web):1; mem(*)(allocated: web):100; ports(*)(allocated: web):[31000-31001]"
	if found.String() != want {
		t.Errorf("found %s\n want %s", found, want)
	}
	if !offer.Contains(found) {
		t.Error("the offer must contain what was found")
	}
}

func TestFindAtomicResources(t *testing.T) {
	v := volume("v1", 100, false)
	offer := Must(v, NewScalar("disk", 500))
	if found, ok := offer.Find(Must(v)); !ok || !found.Equal(Must(v)) {
		t.Errorf("Find(volume) = %s, %v", found, ok)
	}
	if _, ok := offer.Find(Must(volume("v1", 50, false))); ok {
		t.Error("a volume is not found by part of its size")
	}
	// Plain disk is not taken from a persistent volume.
	found, ok := offer.Find(Must(NewScalar("disk", 550)))
	if ok {
		t.Errorf("Find(disk:550) = %s, want failure (only 500 plain disk)", found)
	}

	s := volume("s", 10, true)
	shared := Must(s).Add(Must(s))
	if found, ok := shared.Find(Must(s)); !ok || found.Count(s) != 1 {
		t.Errorf("Find(one copy) = %s, %v", found, ok)
	}
	three := Must(s).Add(Must(s)).Add(Must(s))
	if _, ok := shared.Find(three); ok {
		t.Error("three copies are not found in two")
	}

	m := mountDisk("/mnt", 1000)
	if found, ok := Must(m).Find(Must(m)); !ok || !found.Equal(Must(m)) {
		t.Errorf("Find(MOUNT disk) = %s, %v", found, ok)
	}
	if _, ok := Must(m).Find(Must(mountDisk("/mnt", 10))); ok {
		t.Error("part of a MOUNT disk cannot be found")
	}
}
