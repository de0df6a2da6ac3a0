package marathon_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"

	"agora/services/app"
	"agora/services/marathon"
)

// oneApp is a Backend with a single app, enough to show the handler's answers; the
// services engine is the real Backend.
type oneApp struct{ marathon.Backend }

func (oneApp) App(ctx context.Context, id string, embed marathon.Embed) (marathon.AppStatus, error) {
	if id != "/web" {
		return marathon.AppStatus{}, marathon.ErrNotFound
	}
	a := app.Defaults()
	a.ID, a.Cmd, a.Instances = "/web", "sleep 100", 2
	return marathon.AppStatus{App: a, TasksRunning: 2}, nil
}

func Example() {
	h := marathon.NewHandler(oneApp{}, marathon.Options{})

	for _, path := range []string{"/v2/apps/web", "/v2/apps/db"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		var body struct {
			App struct {
				ID           string  `json:"id"`
				Mem          float64 `json:"mem"`
				TasksRunning int     `json:"tasksRunning"`
			} `json:"app"`
			Message string `json:"message"`
		}
		json.NewDecoder(rec.Body).Decode(&body)
		fmt.Printf("%d %+v %q\n", rec.Code, body.App, body.Message)
	}
	// Output:
	// 200 {ID:/web Mem:128 TasksRunning:2} ""
	// 404 {ID: Mem:0 TasksRunning:0} "App '/db' does not exist"
}
