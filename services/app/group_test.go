package app

import (
	"errors"
	"strings"
	"testing"
)

const shopGroup = `{
  "id": "/shop",
  "dependencies": ["/infra"],
  "apps": [
    {"id": "web", "cmd": "web", "dependencies": ["api"]},
    {"id": "/shop/api", "cmd": "api", "dependencies": ["data"]}
  ],
  "groups": [
    {"id": "data", "apps": [
      {"id": "db", "cmd": "db"},
      {"id": "cache", "cmd": "cache", "dependencies": ["db"]}
    ]}
  ]
}`

func ids(layers [][]*App) string {
	var parts []string
	for _, l := range layers {
		var ls []string
		for _, a := range l {
			ls = append(ls, a.ID)
		}
		parts = append(parts, strings.Join(ls, ","))
	}
	return strings.Join(parts, " | ")
}

func TestDecodeGroupResolvesIDs(t *testing.T) {
	g, err := DecodeGroup([]byte(shopGroup))
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range g.Flatten() {
		got = append(got, a.ID+"<-"+strings.Join(a.Dependencies, ","))
	}
	want := "/shop/web<-/shop/api /shop/api<-/shop/data /shop/data/db<- /shop/data/cache<-/shop/data/db"
	if strings.Join(got, " ") != want {
		t.Errorf("Flatten:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if g.Groups[0].ID != "/shop/data" || g.Dependencies[0] != "/infra" {
		t.Errorf("group ids: %s %v", g.Groups[0].ID, g.Dependencies)
	}
}

func TestGroupOrder(t *testing.T) {
	g, err := DecodeGroup([]byte(shopGroup))
	if err != nil {
		t.Fatal(err)
	}
	// The group depends on /infra, which is not among its apps.
	if _, err := g.Order(); !errors.Is(err, ErrMissingDependency) || !strings.Contains(err.Error(), "/infra") {
		t.Fatalf("want a missing /infra, got %v", err)
	}
	g.Dependencies = nil
	layers, err := g.Order()
	if err != nil {
		t.Fatal(err)
	}
	// /shop/api depends on the group /shop/data: both of its apps come first.
	if got, want := ids(layers), "/shop/data/db | /shop/data/cache | /shop/api | /shop/web"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestOrder(t *testing.T) {
	app := func(id string, deps ...string) *App {
		a := Defaults()
		a.ID, a.Cmd, a.Dependencies = id, "x", deps
		return a
	}
	layers, err := Order([]*App{app("/c", "/b"), app("/b", "/a"), app("/a"), app("/z"), app("/g/1"), app("/g/2", "/g/1"), app("/d", "/g")})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(layers), "/a,/g/1,/z | /b,/g/2 | /c,/d"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}

	_, err = Order([]*App{app("/a", "/c"), app("/b", "/a"), app("/c", "/b"), app("/x")})
	if !errors.Is(err, ErrDependencyCycle) || !strings.Contains(err.Error(), "/a -> /c -> /b -> /a") {
		t.Errorf("cycle: %v", err)
	}
	_, err = Order([]*App{app("/a", "/nothing")})
	if !errors.Is(err, ErrMissingDependency) {
		t.Errorf("missing: %v", err)
	}
	// An app depending on its own group does not wait for itself.
	if _, err := Order([]*App{app("/g/a", "/g")}); err != nil {
		t.Errorf("own group: %v", err)
	}
	if layers, err := Order(nil); err != nil || len(layers) != 0 {
		t.Errorf("empty: %v %v", layers, err)
	}
}

func TestGroupValidate(t *testing.T) {
	g, err := DecodeGroup([]byte(`{"id":"/g","apps":[{"id":"a","cmd":"x","cpus":-1},{"id":"a","cmd":"y"}],"groups":[{"id":"a"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	err = g.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a ValidationError, got %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"/apps(0)/cpus: got -1.0", "/apps(1)/id: id /g/a is already used", "/groups(0)/id: id /g/a is already used"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%s lacks %q", msg, want)
		}
	}
}

func TestDecodeGroupErrors(t *testing.T) {
	tests := []struct{ body, want string }{
		{`{"id":"/g","apps":[{"id":"a","cpus":"x"}]}`, "/apps(0)/cpus"},
		{`{"id":"/g","groups":[{"apps":[]}]}`, "/groups(0)/id: a nested group needs an id"},
		{`{"id":"/G"}`, "/id"},
		{`{"id":"/g","pods":[{"id":"p"}]}`, "/pods"},
		{`{"id":"/g","apps":{}}`, "/apps"},
		{`{"id":"/g","enforceRole":"yes"}`, "/enforceRole"},
		{`[]`, "expected a JSON object"},
	}
	for _, tt := range tests {
		_, err := DecodeGroup([]byte(tt.body))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want %q", tt.body, err, tt.want)
		}
	}
	deep := strings.Repeat(`{"id":"x","groups":[`, 100) + strings.Repeat(`]}`, 100)
	if _, err := DecodeGroup([]byte(deep)); err == nil || !strings.Contains(err.Error(), "nest deeper") {
		t.Errorf("deep: %v", err)
	}
	// enforceRole is read, on any group; absent is false.
	g, err := DecodeGroup([]byte(`{"id":"/team","enforceRole":true,"groups":[{"id":"sub"}]}`))
	if err != nil || !g.EnforceRole || g.Groups[0].EnforceRole {
		t.Errorf("enforceRole: %+v %v", g, err)
	}
	// A group without an id is the root.
	g, err = DecodeGroup([]byte(`{"apps":[{"id":"a","cmd":"x"}]}`))
	if err != nil || g.ID != "/" || g.Apps[0].ID != "/a" {
		t.Errorf("root: %+v %v", g, err)
	}
}
