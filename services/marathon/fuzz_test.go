package marathon_test

import (
	"agora/services/marathon"
	"agora/services/marathon/marathontest"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"agora/services/events"
)

var fuzzMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

// FuzzHandler sends arbitrary methods, paths, queries and bodies through the routes. The
// fake Backend never fails, so any 5xx (a recovered panic is a 500) fails the run. Every answer must be
// a valid status, and every JSON answer Marathon's error shape or valid JSON.
func FuzzHandler(f *testing.F) {
	seeds := []struct {
		method      uint8
		path, query string
		body        string
	}{
		{0, "/v2/apps", "embed=apps.tasks&label=a==b", ""},
		{1, "/v2/apps", "", `{"id":"a","cmd":"x","ports":null}`},
		{2, "/v2/apps/a/b", "partialUpdate=false", `{"cmd":"y","instances":2}`},
		{2, "/v2/apps/a", "", `{"version":"2026-01-01T00:00:00.000Z"}`},
		{2, "/v2/apps", "", `[{"id":"a","instances":1}]`},
		{3, "/v2/apps/a", "", `{"env":null}`},
		{4, "/v2/apps/a/tasks/a.1", "scale=true", ""},
		{1, "/v2/apps/a/restart", "force=true", ""},
		{0, "/v2/apps/a/versions/2026-01-01T00:00:00.000Z", "", ""},
		{0, "/v2/apps/a/*/tasks", "", ""},
		{1, "/v2/tasks/delete", "wipe=true", `{"ids":["a.1"]}`},
		{1, "/v2/groups/x", "", `{"id":"y","apps":[{"id":"z","cmd":"x"}],"groups":[{"id":"q"}]}`},
		{2, "/v2/groups", "dryRun=false", `{"dependencies":["/a"]}`},
		{4, "/v2/deployments/d1", "force=true", ""},
		{4, "/v2/queue/a/delay", "", ""},
		{0, "/v2/groups/a", "embed=group.apps.tasks", ""},
		{0, "/v2/events", "", ""},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.query, s.body)
	}
	f.Fuzz(func(t *testing.T, method uint8, path, query, body string) {
		fb := marathontest.New()
		fb.AddApp(marathontest.App("/a"))
		fb.AddApp(marathontest.App("/a/b"))
		fb.SetTasks([]marathon.Task{{ID: "a.1", AppID: "/a", State: "TASK_RUNNING"}}...)
		fb.SetDeployments([]marathon.Deployment{{ID: "d1", AffectedApps: []string{"/a"}}}...)
		fb.SetQueue([]marathon.QueueItem{{App: marathontest.App("/a")}}...)
		h := marathon.NewHandler(fb, marathon.Options{Events: events.NewBus(events.Options{}), Logger: slog.New(slog.DiscardHandler)})

		target := "/" + strings.TrimLeft(path, "/")
		req, err := http.NewRequest(fuzzMethods[int(method)%len(fuzzMethods)], "http://x", strings.NewReader(body))
		if err != nil {
			return
		}
		req.URL.Path = target
		req.URL.RawQuery = query
		if strings.HasPrefix(target, "/v2/events") {
			return // a stream; covered by the SSE tests
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req) // a panic is answered 500, which fails below
		if rec.Code < 200 || rec.Code > 599 {
			t.Fatalf("status %d", rec.Code)
		}
		if rec.Code >= 500 {
			t.Fatalf("%s %s?%s: %d %s", req.Method, target, query, rec.Code, rec.Body)
		}
		if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("invalid JSON answer %q", rec.Body)
		}
	})
}
