package jsonshape

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Any, as a string value in a shape, matches any value of any type (ids
// the driver generates, uuids, timestamps).
const Any = "<any>"

// Match reports how got differs from want, a JSON shape: every key of
// want must be in got with the same value (numbers compared as numbers,
// arrays element by element), and got may have no key want lacks unless
// extra lists its path ("subscribe.framework_info.checkpoint"; array
// elements add no path segment). It returns nil when they match.
func Match(got []byte, want string, extra ...string) error {
	var g, w any
	dec := json.NewDecoder(bytes.NewReader(got))
	dec.UseNumber()
	if err := dec.Decode(&g); err != nil {
		return fmt.Errorf("jsonshape: sent JSON does not parse: %v", err)
	}
	dec = json.NewDecoder(strings.NewReader(want))
	dec.UseNumber()
	if err := dec.Decode(&w); err != nil {
		return fmt.Errorf("jsonshape: shape does not parse: %v", err)
	}
	allowed := map[string]bool{}
	for _, e := range extra {
		allowed[e] = true
	}
	var problems []string
	match(g, w, "", allowed, &problems)
	if len(problems) > 0 {
		return fmt.Errorf("jsonshape: %s\nsent: %s", strings.Join(problems, "; "), got)
	}
	return nil
}

func match(g, w any, path string, extra map[string]bool, problems *[]string) {
	at := path
	if at == "" {
		at = "(top)"
	}
	if s, ok := w.(string); ok && s == Any {
		return
	}
	switch w := w.(type) {
	case map[string]any:
		gm, ok := g.(map[string]any)
		if !ok {
			*problems = append(*problems, fmt.Sprintf("%s: got %T, want an object", at, g))
			return
		}
		keys := make([]string, 0, len(gm))
		for k := range gm {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := join(path, k)
			if wv, ok := w[k]; ok {
				match(gm[k], wv, p, extra, problems)
			} else if !extra[p] {
				*problems = append(*problems, fmt.Sprintf("%s: not in Mesos's shape", p))
			}
		}
		for k := range w {
			if _, ok := gm[k]; !ok {
				*problems = append(*problems, fmt.Sprintf("%s: missing", join(path, k)))
			}
		}
	case []any:
		ga, ok := g.([]any)
		if !ok || len(ga) != len(w) {
			*problems = append(*problems, fmt.Sprintf("%s: got %v, want %d elements", at, g, len(w)))
			return
		}
		for i := range w {
			match(ga[i], w[i], path, extra, problems)
		}
	case json.Number:
		gn, ok := g.(json.Number)
		if !ok {
			*problems = append(*problems, fmt.Sprintf("%s: got %v, want the number %v", at, g, w))
			return
		}
		gf, _ := gn.Float64()
		wf, _ := w.Float64()
		if gf != wf {
			*problems = append(*problems, fmt.Sprintf("%s: got %v, want %v", at, gn, w))
		}
	default:
		if g != w {
			*problems = append(*problems, fmt.Sprintf("%s: got %v (%T), want %v (%T)", at, g, g, w, w))
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
