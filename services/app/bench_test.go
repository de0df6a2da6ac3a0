package app

import (
	"fmt"
	"testing"
)

// BenchmarkDecodeValidate: one go-marathon-shaped POST body, decoded and validated.
func BenchmarkDecodeValidate(b *testing.B) {
	body := []byte(fuzzSeeds[1])
	b.ReportAllocs()
	for b.Loop() {
		a, err := Decode(body)
		if err != nil {
			b.Fatal(err)
		}
		if err := a.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOrder1000: 1,000 apps in 10 chains of 100, as a large group deployment.
func BenchmarkOrder1000(b *testing.B) {
	apps := make([]*App, 0, 1000)
	for c := range 10 {
		for i := range 100 {
			a := Defaults()
			a.ID = fmt.Sprintf("/g%d/a%03d", c, i)
			a.Cmd = "x"
			if i > 0 {
				a.Dependencies = []string{fmt.Sprintf("/g%d/a%03d", c, i-1)}
			}
			apps = append(apps, a)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		layers, err := Order(apps)
		if err != nil || len(layers) != 100 {
			b.Fatal(len(layers), err)
		}
	}
}
