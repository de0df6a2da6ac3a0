package main

import (
	"testing"

	"agora/resources"
)

func TestSharePortsGivesEachAgentItsOwnPorts(t *testing.T) {
	for _, tc := range []struct {
		text string
		n    int
		want []string
	}{
		{"cpus:4;mem:4096;disk:10000;ports:[31000-32000]", 3, []string{
			"cpus(*):4; mem(*):4096; disk(*):10000; ports(*):[31000-31333]",
			"cpus(*):4; mem(*):4096; disk(*):10000; ports(*):[31334-31667]",
			"cpus(*):4; mem(*):4096; disk(*):10000; ports(*):[31668-32000]",
		}},
		{"cpus:1;ports:[1-2,10-13]", 2, []string{
			"cpus(*):1; ports(*):[1-2, 10-10]",
			"cpus(*):1; ports(*):[11-13]",
		}},
		{"ports(web):[100-103];ports:[200-201]", 2, []string{
			"ports(web):[100-101]; ports(*):[200-200]",
			"ports(web):[102-103]; ports(*):[201-201]",
		}},
		{"cpus:2;ports:[5-5]", 2, []string{"cpus(*):2; ports(*):[5-5]", "cpus(*):2"}},
		{"cpus:2", 3, []string{"cpus(*):2", "cpus(*):2", "cpus(*):2"}},
	} {
		got, err := sharePorts(tc.text, tc.n)
		if err != nil {
			t.Fatalf("%q: %v", tc.text, err)
		}
		if len(got) != len(tc.want) {
			t.Fatalf("%q: %d shares, want %d: %q", tc.text, len(got), len(tc.want), got)
		}
		// Together the shares hold every port once.
		all, _ := resources.Parse(tc.text, "*")
		var sum resources.Resources
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%q agent %d: %q, want %q", tc.text, i, got[i], tc.want[i])
			}
			share, err := resources.Parse(got[i], "*")
			if err != nil {
				t.Fatalf("%q agent %d: %q does not parse: %v", tc.text, i, got[i], err)
			}
			sum = sum.Add(share.Named("ports"))
		}
		if !sum.Equal(all.Named("ports")) {
			t.Errorf("%q: the shares' ports add up to %s, want %s", tc.text, sum, all.Named("ports"))
		}
	}
	if _, err := sharePorts("ports:[oops]", 2); err == nil {
		t.Error("a malformed --resources was accepted")
	}
}
