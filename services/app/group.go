package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Errors of Order and Group validation.
var (
	ErrMissingDependency = errors.New("app: missing dependency")
	ErrDependencyCycle   = errors.New("app: dependency cycle")
)

// maxGroupDepth bounds group nesting, so that a hostile body cannot recurse deeply.
const maxGroupDepth = 64

// DecodeGroup reads a group body (POST /v2/groups, or a group file): an object with "id",
// "apps", "groups", "dependencies" and "version". Ids are resolved as Marathon does: the
// group's against the root (a group without an id is the root, "/"), each nested group's
// and app's against its enclosing group, dependencies against the enclosing group's
// parent. Apps are read as Decode reads them, "enforceRole" as a boolean (it matters on a
// top-level group only). Other members (pods, scaleBy) are ignored, except non-empty
// "pods", which agora does not run.
func DecodeGroup(data []byte) (*Group, error) { return DecodeGroupIn(data, "/") }

// DecodeGroupIn is DecodeGroup for a group body sent to /v2/groups/{base}: a relative
// group id is resolved against base.
func DecodeGroupIn(data []byte, base string) (*Group, error) {
	var bad, invalid problems
	g := decodeGroup(data, base, "", true, 0, &bad, &invalid)
	if err := bad.err(MessageInvalidJSON); err != nil {
		return nil, err
	}
	if err := invalid.err(MessageInvalid); err != nil {
		return nil, err
	}
	return g, nil
}

func decodeGroup(data []byte, base, path string, top bool, depth int, bad, invalid *problems) *Group {
	if depth > maxGroupDepth {
		invalid.add(path+"/groups", "groups nest deeper than "+strconv.Itoa(maxGroupDepth)+" levels")
		return nil
	}
	body, err := object(data)
	if err != nil {
		bad.merge(path, err)
		return nil
	}
	g := &Group{Apps: []*App{}, Groups: []*Group{}, Dependencies: []string{}}
	var id string
	if raw, ok := body["id"]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &id); err != nil {
			bad.add(path+"/id", jsonMessage(err))
			return nil
		}
	}
	switch {
	case id == "" && top:
		g.ID = base
		if g.ID == "" {
			g.ID = "/"
		}
	case id == "":
		invalid.add(path+"/id", "a nested group needs an id")
		return nil
	default:
		cid, err := CanonicalID(id, base)
		if err != nil {
			invalid.add(path+"/id", strings.TrimPrefix(err.Error(), ErrBadID.Error()+": "))
			return nil
		}
		g.ID = cid
	}
	if raw, ok := body["version"]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &g.Version); err != nil {
			bad.add(path+"/version", jsonMessage(err))
		}
	}
	if raw, ok := body["dependencies"]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &g.Dependencies); err != nil {
			bad.add(path+"/dependencies", jsonMessage(err))
		}
		for i, d := range g.Dependencies {
			cid, err := CanonicalID(d, Parent(g.ID))
			if err != nil {
				invalid.add(path+"/dependencies("+strconv.Itoa(i)+")", strings.TrimPrefix(err.Error(), ErrBadID.Error()+": "))
				continue
			}
			g.Dependencies[i] = cid
		}
	}
	if raw, ok := body["enforceRole"]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &g.EnforceRole); err != nil {
			bad.add(path+"/enforceRole", jsonMessage(err))
		}
		g.EnforceRoleGiven = true
	}
	if raw, ok := body["pods"]; ok && !isNull(raw) {
		var pods []json.RawMessage
		if json.Unmarshal(raw, &pods) == nil && len(pods) > 0 {
			invalid.add(path+"/pods", "pods are not supported by agora; define apps instead")
		}
	}
	if raw, ok := body["apps"]; ok && !isNull(raw) {
		var apps []json.RawMessage
		if err := json.Unmarshal(raw, &apps); err != nil {
			bad.add(path+"/apps", jsonMessage(err))
		}
		for i, r := range apps {
			p := path + "/apps(" + strconv.Itoa(i) + ")"
			a, err := DecodeIn(r, g.ID)
			if err != nil {
				if errors.Is(err, ErrInvalidJSON) {
					bad.merge(p, err)
				} else {
					invalid.merge(p, err)
				}
				continue
			}
			g.Apps = append(g.Apps, a)
		}
	}
	if raw, ok := body["groups"]; ok && !isNull(raw) {
		var groups []json.RawMessage
		if err := json.Unmarshal(raw, &groups); err != nil {
			bad.add(path+"/groups", jsonMessage(err))
		}
		for i, r := range groups {
			sub := decodeGroup(r, g.ID, path+"/groups("+strconv.Itoa(i)+")", false, depth+1, bad, invalid)
			if sub != nil {
				g.Groups = append(g.Groups, sub)
			}
		}
	}
	return g
}

// Flatten returns copies of every app in the group and its subgroups, depth first in
// definition order, with ids and dependencies in canonical form (relative ones resolved
// against the enclosing group, as DecodeGroup does; groups built in code may hold
// relative ids). Group dependencies are not copied into the apps: Order reads them.
func (g *Group) Flatten() []*App {
	var out []*App
	g.walk(func(a *App, _ []string) { out = append(out, a) })
	return out
}

// walk calls fn for a canonical copy of every app, with the dependencies of the groups
// that enclose it.
func (g *Group) walk(fn func(a *App, groupDeps []string)) {
	var rec func(g *Group, base string, deps []string, depth int)
	rec = func(g *Group, base string, deps []string, depth int) {
		if g == nil || depth > maxGroupDepth {
			return
		}
		id := g.ID
		if id == "" {
			id = base
		} else if c, err := CanonicalID(id, base); err == nil {
			id = c
		}
		deps = slices.Clone(deps)
		for _, d := range g.Dependencies {
			if c, err := CanonicalID(d, Parent(id)); err == nil {
				deps = append(deps, c)
			} else {
				deps = append(deps, d)
			}
		}
		for _, a := range g.Apps {
			if a == nil {
				continue
			}
			c := a.Clone()
			if cid, err := CanonicalID(c.ID, id); err == nil {
				c.ID = cid
			}
			for i, d := range c.Dependencies {
				if cd, err := CanonicalID(d, Parent(c.ID)); err == nil {
					c.Dependencies[i] = cd
				}
			}
			normalize(c)
			fn(c, deps)
		}
		for _, sub := range g.Groups {
			rec(sub, id, deps, depth+1)
		}
	}
	rec(g, "/", nil, 0)
}

// Order returns the group's apps (as Flatten) in dependency layers, counting each group's
// dependencies as dependencies of every app inside it. See the function Order.
func (g *Group) Order() ([][]*App, error) {
	var apps []*App
	extra := map[*App][]string{}
	g.walk(func(a *App, deps []string) {
		apps = append(apps, a)
		extra[a] = deps
	})
	return order(apps, extra)
}

// Validate checks every app of the group (paths "/apps(0)/cpus", "/groups(1)/apps(0)/id"),
// that each app and group lies directly in its enclosing group, and that no id is used
// twice. Dependencies on apps outside the group are allowed: whether they exist is for
// the engine to check with Order over all apps.
func (g *Group) Validate() error {
	var p problems
	seen := map[string]string{}
	var rec func(g *Group, parent, path string, depth int)
	rec = func(g *Group, parent, path string, depth int) {
		if g == nil || depth > maxGroupDepth {
			return
		}
		if parent != "" && Parent(g.ID) != parent {
			p.add(path+"/id", "Identifier is not child of '"+parent+"'")
		}
		if g.ID != "/" {
			for _, m := range checkID(g.ID) {
				p.add(path+"/id", m)
			}
		}
		if prev, ok := seen[g.ID]; ok {
			p.add(path+"/id", "id "+g.ID+" is already used by "+prev)
		}
		seen[g.ID] = "a group"
		for i, d := range g.Dependencies {
			for _, m := range checkID(d) {
				p.add(path+"/dependencies("+strconv.Itoa(i)+")", m)
			}
		}
		for i, a := range g.Apps {
			ap := path + "/apps(" + strconv.Itoa(i) + ")"
			if a == nil {
				p.add(ap, "must not be null")
				continue
			}
			if err := a.Validate(); err != nil {
				p.merge(ap, err)
			}
			if strings.HasPrefix(a.ID, "/") && Parent(a.ID) != g.ID {
				p.add(ap+"/id", "Identifier is not child of '"+g.ID+"'")
			}
			if prev, ok := seen[a.ID]; ok {
				p.add(ap+"/id", "id "+a.ID+" is already used by "+prev)
			}
			seen[a.ID] = "an app"
		}
		for i, sub := range g.Groups {
			rec(sub, g.ID, path+"/groups("+strconv.Itoa(i)+")", depth+1)
		}
	}
	rec(g, "", "", 0)
	return p.err(MessageInvalid)
}

// Order sorts apps into dependency layers, as Marathon orders a deployment: the apps of
// a layer depend only on apps of earlier layers, so a layer can be deployed at once, after
// the one before it is done. A dependency names an app or a group; a group stands for every
// app below it (other than the dependent app itself). Apps within a layer are sorted by
// id. Ids must be canonical (Decode, Flatten).
//
// A dependency that names no app of apps and no group holding one is an error wrapping
// ErrMissingDependency; a cycle is an error wrapping ErrDependencyCycle that prints the
// cycle ("/a -> /b -> /a").
func Order(apps []*App) ([][]*App, error) { return order(apps, nil) }

func order(apps []*App, extra map[*App][]string) ([][]*App, error) {
	byID := make(map[string]*App, len(apps))
	ids := make([]string, 0, len(apps))
	for _, a := range apps {
		if a == nil {
			continue
		}
		if _, dup := byID[a.ID]; dup {
			return nil, fmt.Errorf("%w: app %s is listed twice", ErrInvalid, a.ID)
		}
		byID[a.ID] = a
		ids = append(ids, a.ID)
	}
	slices.Sort(ids)

	// edges[a] = the apps a waits for.
	edges := make(map[string][]string, len(ids))
	for _, id := range ids {
		a := byID[id]
		deps := append(slices.Clone(a.Dependencies), extra[a]...)
		var targets []string
		for _, d := range deps {
			if _, ok := byID[d]; ok {
				if d != id {
					targets = append(targets, d)
				}
				continue
			}
			found := false
			for _, other := range ids {
				if IsUnder(other, d) {
					found = true
					if other != id && !IsUnder(id, d) {
						targets = append(targets, other)
					}
				}
			}
			if !found {
				return nil, fmt.Errorf("%w: app %s depends on %s, which is neither an app nor a group with apps", ErrMissingDependency, id, d)
			}
		}
		slices.Sort(targets)
		edges[id] = slices.Compact(targets)
	}

	done := make(map[string]bool, len(ids))
	var layers [][]*App
	for len(done) < len(ids) {
		var layer []*App
		for _, id := range ids {
			if done[id] {
				continue
			}
			ready := true
			for _, t := range edges[id] {
				if !done[t] {
					ready = false
					break
				}
			}
			if ready {
				layer = append(layer, byID[id])
			}
		}
		if len(layer) == 0 {
			return nil, fmt.Errorf("%w: %s", ErrDependencyCycle, findCycle(ids, edges, done))
		}
		for _, a := range layer {
			done[a.ID] = true
		}
		layers = append(layers, layer)
	}
	return layers, nil
}

// findCycle returns a cycle among the apps not done, as "/a -> /b -> /a".
func findCycle(ids []string, edges map[string][]string, done map[string]bool) string {
	state := map[string]int{} // 0 new, 1 on the path, 2 finished
	var path []string
	var cycle []string
	var visit func(id string) bool
	visit = func(id string) bool {
		state[id] = 1
		path = append(path, id)
		for _, t := range edges[id] {
			if done[t] {
				continue
			}
			if state[t] == 1 {
				i := slices.Index(path, t)
				cycle = append(slices.Clone(path[i:]), t)
				return true
			}
			if state[t] == 0 && visit(t) {
				return true
			}
		}
		path = path[:len(path)-1]
		state[id] = 2
		return false
	}
	for _, id := range ids {
		if !done[id] && state[id] == 0 && visit(id) {
			return strings.Join(cycle, " -> ")
		}
	}
	return "unresolvable dependencies"
}
