package app

import (
	"errors"
	"testing"
)

func TestCanonicalID(t *testing.T) {
	tests := []struct{ id, base, want string }{
		{"web", "/", "/web"},
		{"web", "/prod", "/prod/web"},
		{"/web", "/prod", "/web"},
		{"../bar", "/prod/web", "/prod/bar"},
		{"./db", "/prod", "/prod/db"},
		{"../../../x", "/a", "/x"},
		{"a/b/", "/", "/a/b"},
		{"//a//", "/", "/a"}, // Marathon strips leading and trailing slashes
		{"web", "", "/web"},
		{"/", "/", "/"},
		{"db.primary-1", "/", "/db.primary-1"},
	}
	for _, tt := range tests {
		got, err := CanonicalID(tt.id, tt.base)
		if tt.want == "" {
			if err == nil {
				t.Errorf("CanonicalID(%q, %q) = %q, want an error", tt.id, tt.base, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("CanonicalID(%q, %q) = %q, %v; want %q", tt.id, tt.base, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "Web", "a_b", "-a", "a-", "a..b", "a b", "/a//b"} {
		if _, err := CanonicalID(bad, "/"); !errors.Is(err, ErrBadID) {
			t.Errorf("CanonicalID(%q): want ErrBadID, got %v", bad, err)
		}
	}
	if _, err := CanonicalID("a", "relative"); !errors.Is(err, ErrBadID) {
		t.Errorf("relative base: %v", err)
	}
}

func TestParentAndIsUnder(t *testing.T) {
	if Parent("/a/b") != "/a" || Parent("/a") != "/" || Parent("/") != "/" {
		t.Error("Parent")
	}
	if !IsUnder("/a/b", "/a") || !IsUnder("/a", "/a") || IsUnder("/ab", "/a") || !IsUnder("/x", "/") {
		t.Error("IsUnder")
	}
}

func TestTaskID(t *testing.T) {
	id := TaskID("/prod/web", "4f1c9a2e-1b2c-11ef-9b3a-0242ac120002")
	if id != "prod_web.4f1c9a2e-1b2c-11ef-9b3a-0242ac120002" {
		t.Fatalf("TaskID = %q", id)
	}
	for taskID, want := range map[string]string{
		id:                             "/prod/web",
		"db.primary.abc":               "/db.primary",
		"prod_web.instance-abc._app.1": "/prod/web",
		"web.marathon-abc":             "/web",
	} {
		got, err := AppIDFromTaskID(taskID)
		if err != nil || got != want {
			t.Errorf("AppIDFromTaskID(%q) = %q, %v; want %q", taskID, got, err, want)
		}
	}
	for _, bad := range []string{"", "web", ".abc", "web.", "Web.abc", "a__b.abc"} {
		if _, err := AppIDFromTaskID(bad); !errors.Is(err, ErrBadID) {
			t.Errorf("AppIDFromTaskID(%q): want ErrBadID, got %v", bad, err)
		}
	}
}
