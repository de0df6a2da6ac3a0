package constraints_test

import (
	"errors"
	"fmt"

	"agora/constraints"
)

// Parse the "constraints" member of a Marathon app definition.
func ExampleParseMarathon() {
	cs, err := constraints.ParseMarathon([]byte(`[["hostname","unique"],["rack","GROUP_BY","3"],["@zone","LIKE","eu-.*"]]`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range cs {
		fmt.Println(c)
	}

	_, err = constraints.ParseMarathon([]byte(`[["hostname","UNIQUE"],["rack","MAX_PER","two"]]`))
	fmt.Println(err)
	fmt.Println(errors.Is(err, constraints.ErrInvalidValue))
	// Output:
	// ["hostname","UNIQUE"]
	// ["rack","GROUP_BY","3"]
	// ["@zone","LIKE","eu-.*"]
	// constraints: invalid value: constraint 2 ["rack","MAX_PER","two"]: MAX_PER takes a whole number of instances greater than 0, got "two"; write e.g. "2"
	// true
}

// Parse the compact form of Elodina's frameworks' --constraints flag.
func ExampleParseCompact() {
	cs, err := constraints.ParseCompact(`hostname=like:^master$,rack=like:^1.*$,rack=atMost:2,ip=like:^10\.0\..*$`)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range cs {
		fmt.Println(c)
	}
	fmt.Println(constraints.FormatCompact(cs))
	// Output:
	// ["hostname","LIKE","^master$"]
	// ["rack","LIKE","^1.*$"]
	// ["rack","MAX_PER","2"]
	// ["ip","LIKE","^10\\.0\\..*$"]
	// hostname=like:^master$,rack=like:^1.*$,rack=atMost:2,ip=like:^10\\.0\\..*$
}

// Check agents for one more instance of an app and print why each refuses.
func ExampleIndex_Check() {
	cs, _ := constraints.ParseMarathon([]byte(`[["hostname","UNIQUE"],["rack","LIKE","^1.*$"],["@zone","MAX_PER","2"]]`))

	// The app's instances of its current version that are not lost.
	placed := constraints.NewIndex(
		constraints.Agent{Hostname: "a1", Zone: "b", Attributes: map[string]string{"rack": "10"}},
		constraints.Agent{Hostname: "a2", Zone: "b", Attributes: map[string]string{"rack": "11"}},
	)

	offers := []constraints.Agent{
		{Hostname: "a3", Zone: "c", Attributes: map[string]string{"rack": "12"}},
		{Hostname: "a1", Zone: "b", Attributes: map[string]string{"rack": "10"}},
		{Hostname: "a4", Zone: "c", Attributes: map[string]string{"rack": "r2"}},
		{Hostname: "a5", Zone: "c"},
	}
	for _, a := range offers {
		rejections := placed.Check(cs, a)
		if rejections == nil {
			fmt.Printf("%s: accepted\n", a.Hostname)
			continue
		}
		for _, r := range rejections {
			fmt.Printf("%s: %s\n", a.Hostname, r.Reason)
		}
	}
	// Output:
	// a3: accepted
	// a1: hostname a1 already runs an instance (UNIQUE)
	// a1: zone b has 2 instances, max 2 (MAX_PER)
	// a4: rack=r2 does not match ^1.*$
	// a5: agent has no attribute rack
}
