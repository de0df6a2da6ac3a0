package agent

import (
	"reflect"
	"testing"
)

func TestExecutorsNamedIn(t *testing.T) {
	tests := []struct {
		path string
		want []executorName
	}{
		{"/frameworks/fw-1/executors/web/runs/latest/stdout", []executorName{{"fw-1", "web"}}},
		{"/var/lib/agora/slaves/a1/frameworks/fw-1/executors/web/runs/0f3c/tasks/t/stdout", []executorName{{"fw-1", "web"}}},
		// A work directory that itself looks like the layout.
		{"/frameworks/x/executors/y/work/slaves/a/frameworks/fw/executors/ex/runs/c", []executorName{{"x", "y"}, {"fw", "ex"}}},
		{"/frameworks/fw-1/executors", nil},
		{"/frameworks/fw-1/tasks/web", nil},
		{"/etc/passwd", nil},
		{"", nil},
	}
	for _, tt := range tests {
		if got := executorsNamedIn(tt.path); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("executorsNamedIn(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}
