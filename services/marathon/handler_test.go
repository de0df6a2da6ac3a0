package marathon_test

import (
	"agora/services/marathon"
	"agora/services/marathon/marathontest"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"agora/services/app"
	"agora/services/events"
)

type testServer struct {
	t   *testing.T
	f   *marathontest.Backend
	h   http.Handler
	bus *events.Bus
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	f := marathontest.New()
	bus := events.NewBus(events.Options{})
	return &testServer{t: t, f: f, bus: bus, h: marathon.NewHandler(f, marathon.Options{Events: bus, MaxBodyBytes: 64 << 10, Logger: slog.New(slog.DiscardHandler)})}
}

type response struct {
	*httptest.ResponseRecorder
	body string
}

// do sends a request through the handler; header pairs follow the body.
func (s *testServer) do(method, target, body string, header ...string) response {
	s.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	return response{rec, rec.Body.String()}
}

// json decodes the body into a generic value.
func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.body)
	}
	return v
}

func (r response) expect(t *testing.T, status int) response {
	t.Helper()
	if r.Code != status {
		t.Fatalf("status %d, want %d; body %s", r.Code, status, r.body)
	}
	if r.Code != http.StatusNoContent && r.Code != http.StatusAccepted && !strings.HasPrefix(r.Header().Get("Content-Type"), "application/json") && !strings.HasPrefix(r.Header().Get("Content-Type"), "text/") {
		t.Fatalf("content type %q", r.Header().Get("Content-Type"))
	}
	return r
}

func (r response) message(t *testing.T) string {
	t.Helper()
	m, _ := r.json(t)["message"].(string)
	return m
}

func TestPing(t *testing.T) {
	s := newTestServer(t)
	r := s.do("GET", "/ping", "").expect(t, 200)
	if r.body != "pong\n" || r.Header().Get("Content-Type") != "text/plain" {
		t.Fatalf("got %q %q", r.body, r.Header().Get("Content-Type"))
	}
}

func TestCreateApp(t *testing.T) {
	s := newTestServer(t)
	sub := s.bus.Subscribe("test", events.TypeAPIPost)
	defer sub.Close()
	r := s.do("POST", "/v2/apps", `{"id":"web","cmd":"python3 -m http.server $PORT0","instances":2,"ports":null,"dependencies":null,"labels":{"tier":"front"}}`).expect(t, 201)
	dep := r.Header().Get("Marathon-Deployment-Id")
	if dep == "" {
		t.Fatal("no Marathon-Deployment-Id")
	}
	if loc := r.Header().Get("Location"); loc != "/v2/apps/web" {
		t.Errorf("Location = %q", loc)
	}
	body := r.json(t)
	for k, want := range map[string]any{"id": "/web", "instances": 2.0, "cpus": 1.0, "mem": 128.0, "disk": 0.0,
		"backoffSeconds": 1.0, "backoffFactor": 1.15, "maxLaunchDelaySeconds": 300.0, "tasksStaged": 0.0,
		"tasksRunning": 0.0, "tasksHealthy": 0.0, "tasksUnhealthy": 0.0, "killSelection": "YOUNGEST_FIRST"} {
		if body[k] != want {
			t.Errorf("%s = %v, want %v", k, body[k], want)
		}
	}
	if ds, _ := body["deployments"].([]any); len(ds) != 1 || ds[0].(map[string]any)["id"] != dep {
		t.Errorf("deployments = %v, header %s", body["deployments"], dep)
	}
	if body["version"] == nil || body["version"] == "" {
		t.Errorf("no version: %v", body["version"])
	}
	if pd, _ := body["portDefinitions"].([]any); len(pd) != 1 {
		t.Errorf("portDefinitions = %v", body["portDefinitions"])
	}
	if !func() marathon.DeployOptions { o, _ := s.f.LastDeploy(); return o }().Create || func() marathon.DeployOptions { o, _ := s.f.LastDeploy(); return o }().Force {
		t.Errorf("deploy options %+v", func() marathon.DeployOptions { o, _ := s.f.LastDeploy(); return o }())
	}
	if s.f.StoredApp("/web") == nil {
		t.Fatal("app not stored")
	}
	m := <-sub.C()
	var ev struct {
		EventType     string         `json:"eventType"`
		URI           string         `json:"uri"`
		ClientIP      string         `json:"clientIp"`
		AppDefinition map[string]any `json:"appDefinition"`
	}
	json.Unmarshal(m.Data, &ev)
	if ev.EventType != "api_post_event" || ev.URI != "/v2/apps" || ev.ClientIP != "192.0.2.1" || ev.AppDefinition["id"] != "/web" {
		t.Errorf("api_post_event %s", m.Data)
	}

	// A second POST of the same id is a conflict.
	r = s.do("POST", "/v2/apps", `{"id":"/web","cmd":"x"}`).expect(t, 409)
	if got := r.message(t); got != "An app with id [/web] already exists." {
		t.Errorf("message %q", got)
	}
}

func TestCreateAppErrors(t *testing.T) {
	s := newTestServer(t)
	cases := []struct {
		name, body string
		status     int
		message    string
		path       string
	}{
		{"malformed JSON", `{"id":`, 400, "Invalid JSON", ""},
		{"empty body", ``, 400, "Invalid JSON", ""},
		{"null body", `null`, 400, "Invalid JSON", ""},
		{"wrong type", `{"id":"a","cmd":"x","cpus":"lots"}`, 400, "Invalid JSON", "/cpus"},
		{"negative cpus", `{"id":"a","cmd":"x","cpus":-1}`, 422, "Object is not valid", "/cpus"},
		{"bad id", `{"id":"UPPER","cmd":"x"}`, 422, "Object is not valid", "/id"},
		{"too large", `{"id":"a","cmd":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.do("POST", "/v2/apps", c.body).expect(t, c.status)
			body := r.json(t)
			if c.message != "" && body["message"] != c.message {
				t.Errorf("message %v, want %q", body["message"], c.message)
			}
			if body["message"] == "" || body["message"] == nil {
				t.Errorf("no message: %s", r.body)
			}
			if c.path != "" && !strings.Contains(r.body, `"path":"`+c.path) {
				t.Errorf("details lack path %s: %s", c.path, r.body)
			}
		})
	}
	if len(s.f.StoredIDs()) != 0 {
		t.Fatalf("apps stored: %v", s.f.StoredIDs())
	}
}

func TestShowAppWithSlashesAndEmbeds(t *testing.T) {
	s := newTestServer(t)
	s.f.AddApp(marathontest.App("/prod/db/mysql"))
	s.f.SetTasks([]marathon.Task{
		{ID: "prod_db_mysql.1", AppID: "/prod/db/mysql", Host: "h1", State: "TASK_RUNNING", Ports: []int{31000}},
		{ID: "prod_db_mysql.2", AppID: "/prod/db/mysql", Host: "h2", State: "TASK_STAGING"},
	}...)
	s.f.SetLastTaskFailure("/prod/db/mysql", &marathon.TaskFailure{AppID: "/prod/db/mysql", TaskID: "prod_db_mysql.0", State: "TASK_FAILED", Message: "exit 1"})
	s.f.SetDeployments([]marathon.Deployment{{ID: "d9", AffectedApps: []string{"/prod/db/mysql"}}}...)

	for _, path := range []string{"/v2/apps/prod/db/mysql", "/v2/apps//prod/db/mysql/", "/v2/apps/prod/x/../db/mysql"} {
		r := s.do("GET", path, "").expect(t, 200)
		a, _ := r.json(t)["app"].(map[string]any)
		if a["id"] != "/prod/db/mysql" || a["tasksRunning"] != 1.0 || a["tasksStaged"] != 1.0 {
			t.Fatalf("%s: app %v", path, a)
		}
		if tasks, _ := a["tasks"].([]any); len(tasks) != 2 {
			t.Errorf("tasks %v", a["tasks"])
		}
		if f, _ := a["lastTaskFailure"].(map[string]any); f["taskId"] != "prod_db_mysql.0" {
			t.Errorf("lastTaskFailure %v", a["lastTaskFailure"])
		}
		if ds, _ := a["deployments"].([]any); len(ds) != 1 {
			t.Errorf("deployments %v", a["deployments"])
		}
	}
	r := s.do("GET", "/v2/apps/prod/db", "").expect(t, 404)
	if r.message(t) != "App '/prod/db' does not exist" {
		t.Errorf("message %q", r.message(t))
	}
	s.do("GET", "/v2/apps/NOT_VALID", "").expect(t, 404)

	// The apps of a group: /v2/apps/{group}/*.
	s.f.AddApp(marathontest.App("/other"))
	r = s.do("GET", "/v2/apps/prod/*", "").expect(t, 200)
	var star map[string][]map[string]any
	json.Unmarshal([]byte(r.body), &star)
	if len(star["*"]) != 1 || star["*"][0]["id"] != "/prod/db/mysql" {
		t.Errorf("group apps %s", r.body)
	}
	s.do("GET", "/v2/apps/nope/*", "").expect(t, 404)
}

func TestListAppsFilters(t *testing.T) {
	s := newTestServer(t)
	web := marathontest.App("/prod/web")
	web.Cmd = "nginx -g daemon"
	web.Labels = map[string]string{"tier": "front", "env": "prod"}
	s.f.AddApp(web)
	db := marathontest.App("/prod/db")
	db.Labels = map[string]string{"tier": "back", "env": "prod"}
	s.f.AddApp(db)
	dev := marathontest.App("/dev/web")
	dev.Labels = map[string]string{"tier": "front", "env": "dev"}
	s.f.AddApp(dev)
	s.f.SetTasks([]marathon.Task{{ID: "t1", AppID: "/prod/web", State: "TASK_RUNNING"}}...)

	ids := func(query string) []string {
		t.Helper()
		r := s.do("GET", "/v2/apps"+query, "").expect(t, 200)
		var body struct {
			Apps []map[string]any `json:"apps"`
		}
		json.Unmarshal([]byte(r.body), &body)
		var out []string
		for _, a := range body.Apps {
			out = append(out, a["id"].(string))
			if _, ok := a["tasksRunning"]; !ok {
				t.Errorf("%s: no counts in %v", query, a)
			}
			if _, ok := a["deployments"]; !ok {
				t.Errorf("%s: no deployments in %v", query, a)
			}
		}
		return out
	}
	for query, want := range map[string]string{
		"":                                  "/dev/web /prod/db /prod/web",
		"?id=PROD":                          "/prod/db /prod/web",
		"?cmd=NGINX":                        "/prod/web",
		"?label=tier==front":                "/dev/web /prod/web",
		"?label=tier%3D%3Dfront,env!%3Ddev": "/prod/web",
		"?label=env+in+(dev,+qa)":           "/dev/web",
		"?label=tier+notin+(front)":         "/prod/db",
		"?label=tier":                       "/dev/web /prod/db /prod/web",
		"?label=missing":                    "",
		"?id=prod&label=tier==front":        "/prod/web",
	} {
		if got := strings.Join(ids(query), " "); got != want {
			t.Errorf("%q: got %q, want %q", query, got, want)
		}
	}
	r := s.do("GET", "/v2/apps?label=tier%3D%3D", "").expect(t, 422)
	if !strings.HasPrefix(r.message(t), "Can not parse label selector") {
		t.Errorf("message %q", r.message(t))
	}
	// Tasks are embedded only when asked for.
	r = s.do("GET", "/v2/apps?embed=apps.tasks&id=prod/web", "").expect(t, 200)
	if !strings.Contains(r.body, `"tasks":[{"id":"t1"`) {
		t.Errorf("no tasks embedded: %s", r.body)
	}
	if r := s.do("GET", "/v2/apps", "").expect(t, 200); strings.Contains(r.body, `"tasks":`) {
		t.Errorf("tasks without embed: %s", r.body)
	}
}

func TestUpdateApp(t *testing.T) {
	s := newTestServer(t)
	a := marathontest.App("/web")
	a.Instances = 2
	a.Env = map[string]string{"A": "1"}
	s.f.AddApp(a)

	// A partial update (Marathon's default): only instances change; clients send nulls.
	r := s.do("PUT", "/v2/apps/web", `{"instances":5,"ports":null,"dependencies":null,"env":null}`).expect(t, 200)
	if r.Header().Get("Marathon-Deployment-Id") == "" || r.json(t)["deploymentId"] != r.Header().Get("Marathon-Deployment-Id") || r.json(t)["version"] == "" {
		t.Fatalf("deployment result %s %v", r.body, r.Header())
	}
	got := s.f.StoredApp("/web")
	if got.Instances != 5 || got.Cmd != "sleep 1000" || got.Env["A"] != "1" {
		t.Fatalf("after partial update: %+v", got)
	}

	// partialUpdate=false replaces the whole definition; the URL names the app.
	s.do("PUT", "/v2/apps/web?partialUpdate=false", `{"id":"/ignored","cmd":"sleep 5"}`).expect(t, 200)
	got = s.f.StoredApp("/web")
	if got.Instances != 1 || got.Cmd != "sleep 5" || len(got.Env) != 0 {
		t.Fatalf("after full replace: %+v", got)
	}
	if s.f.StoredApp("/ignored") != nil {
		t.Fatal("the body's id was used")
	}

	// PUT of a missing app creates it: 201 with a Location.
	r = s.do("PUT", "/v2/apps/new/one", `{"cmd":"sleep 1","instances":0}`).expect(t, 201)
	if r.Header().Get("Location") != "/v2/apps/new/one" || s.f.StoredApp("/new/one") == nil {
		t.Fatalf("create by PUT: %v %v", r.Header(), s.f.StoredIDs())
	}
	// PATCH never creates.
	r = s.do("PATCH", "/v2/apps/nope", `{"instances":1}`).expect(t, 404)
	if r.message(t) != "App '/nope' does not exist" {
		t.Errorf("message %q", r.message(t))
	}
	s.do("PATCH", "/v2/apps/web", `{"instances":3}`).expect(t, 200)
	if s.f.StoredApp("/web").Instances != 3 {
		t.Fatal("PATCH did not apply")
	}
	// Invalid results are 422, malformed bodies 400; nothing deployed.
	before := s.f.StoredApp("/web").Version
	s.do("PUT", "/v2/apps/web", `{"instances":-1}`).expect(t, 422)
	s.do("PUT", "/v2/apps/web", `[1]`).expect(t, 400)
	s.do("PUT", "/v2/apps/web", `{"mem":"x"}`).expect(t, 400)
	if s.f.StoredApp("/web").Version != before {
		t.Fatal("an invalid update was deployed")
	}
}

func TestLockedAppAnswers409UnlessForced(t *testing.T) {
	s := newTestServer(t)
	s.f.AddApp(marathontest.App("/web"))
	s.f.Lock("/web", "dep-running")
	r := s.do("PUT", "/v2/apps/web", `{"instances":2}`).expect(t, 409)
	const want = `{"message":"App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/<DEPLOYMENT_ID>'.","deployments":[{"id":"dep-running"}]}`
	if r.body != want {
		t.Fatalf("body %s\nwant %s", r.body, want)
	}
	s.do("POST", "/v2/apps/web/restart", "").expect(t, 409)
	s.do("PUT", "/v2/apps/web?force=true", `{"instances":2}`).expect(t, 200)
	if !func() marathon.DeployOptions { o, _ := s.f.LastDeploy(); return o }().Force {
		t.Fatal("force not passed")
	}
	s.do("POST", "/v2/apps/web/restart?force=TRUE", "").expect(t, 200)
	if !s.f.LastForce() {
		t.Fatal("force not passed to restart")
	}
}

func TestRollbackToVersion(t *testing.T) {
	s := newTestServer(t)
	a := marathontest.App("/web")
	a.Cmd = "v1"
	s.f.AddApp(a)
	v1 := s.f.StoredApp("/web").Version
	s.do("PUT", "/v2/apps/web", `{"cmd":"v2"}`).expect(t, 200)
	if s.f.StoredApp("/web").Cmd != "v2" {
		t.Fatal("update failed")
	}
	s.do("PUT", "/v2/apps/web", `{"version":"`+v1+`"}`).expect(t, 200)
	if s.f.StoredApp("/web").Cmd != "v1" {
		t.Fatalf("rollback deployed %q", s.f.StoredApp("/web").Cmd)
	}
	r := s.do("PUT", "/v2/apps/web", `{"version":"2001-01-01T00:00:00.000Z"}`).expect(t, 404)
	if r.message(t) != "App '/web' does not exist in version 2001-01-01T00:00:00.000Z" {
		t.Errorf("message %q", r.message(t))
	}
	s.do("PUT", "/v2/apps/web", `{"version":"`+v1+`","cmd":"x"}`).expect(t, 422)
}

func TestUpdateSeveralApps(t *testing.T) {
	s := newTestServer(t)
	s.f.AddApp(marathontest.App("/a"))
	r := s.do("PUT", "/v2/apps", `[{"id":"a","instances":4},{"id":"/b","cmd":"sleep 2"}]`).expect(t, 200)
	if r.json(t)["deploymentId"] == nil {
		t.Fatalf("body %s", r.body)
	}
	if len(func() []*app.App { _, a := s.f.LastDeploy(); return a }()) != 2 || s.f.StoredApp("/a").Instances != 4 || s.f.StoredApp("/b").Cmd != "sleep 2" {
		t.Fatalf("deployed %v", func() []*app.App { _, a := s.f.LastDeploy(); return a }())
	}
	if r := s.do("PUT", "/v2/apps", `[{"instances":4}]`).expect(t, 422); r.message(t) != "App Update must have app id set" {
		t.Errorf("message %q", r.message(t))
	}
	s.do("PATCH", "/v2/apps", `[{"id":"/c","cmd":"x"}]`).expect(t, 404)
	s.do("PUT", "/v2/apps", `{"id":"a"}`).expect(t, 400)
	s.do("PUT", "/v2/apps", `[]`).expect(t, 422)
}

func TestDeleteAndRestartApp(t *testing.T) {
	s := newTestServer(t)
	s.f.AddApp(marathontest.App("/a/b"))
	r := s.do("POST", "/v2/apps/a/b/restart", "").expect(t, 200)
	if r.Header().Get("Marathon-Deployment-Id") == "" {
		t.Fatal("no deployment header")
	}
	s.do("GET", "/v2/apps/a/b/restart", "").expect(t, 405)
	s.do("POST", "/v2/apps/nope/restart", "").expect(t, 404)
	s.do("DELETE", "/v2/apps/a/b", "").expect(t, 200)
	if !s.f.LastForce() {
		t.Error("DELETE /v2/apps/{id} defaults to force=true in Marathon")
	}
	if s.f.StoredApp("/a/b") != nil {
		t.Fatal("not deleted")
	}
	if r := s.do("DELETE", "/v2/apps/a/b?force=false", "").expect(t, 404); r.message(t) != "App '/a/b' does not exist" {
		t.Errorf("message %q", r.message(t))
	}
	if s.f.LastForce() {
		t.Error("force=false not passed")
	}
}

func TestVersions(t *testing.T) {
	s := newTestServer(t)
	s.f.AddApp(marathontest.App("/a"))
	s.do("PUT", "/v2/apps/a", `{"cmd":"two"}`).expect(t, 200)
	r := s.do("GET", "/v2/apps/a/versions", "").expect(t, 200)
	var vs struct{ Versions []string }
	json.Unmarshal([]byte(r.body), &vs)
	if len(vs.Versions) != 2 {
		t.Fatalf("versions %s", r.body)
	}
	r = s.do("GET", "/v2/apps/a/versions/"+vs.Versions[1], "").expect(t, 200)
	if body := r.json(t); body["cmd"] != "sleep 1000" || body["id"] != "/a" {
		t.Fatalf("old version %s", r.body)
	}
	s.do("GET", "/v2/apps/a/versions/2001-01-01T00:00:00.000Z", "").expect(t, 404)
	s.do("GET", "/v2/apps/a/versions/yesterday", "").expect(t, 422)
	s.do("GET", "/v2/apps/b/versions", "").expect(t, 404)
}

func TestAppTasks(t *testing.T) {
	s := newTestServer(t)
	s.f.AddApp(marathontest.App("/g/web"))
	s.f.AddApp(marathontest.App("/g/db"))
	s.f.SetTasks([]marathon.Task{
		{ID: "g_web.1", AppID: "/g/web", Host: "h1", State: "TASK_RUNNING", Ports: []int{31001, 31002}, ServicePorts: []int{10001, 10002}},
		{ID: "g_web.2", AppID: "/g/web", Host: "h2", State: "TASK_RUNNING", Ports: []int{31003, 31004}, ServicePorts: []int{10001, 10002}},
		{ID: "g_web.3", AppID: "/g/web", Host: "h3", State: "TASK_STAGING"},
		{ID: "g_db.1", AppID: "/g/db", Host: "h1", State: "TASK_RUNNING"},
	}...)
	r := s.do("GET", "/v2/apps/g/web/tasks", "", "Accept", "application/json").expect(t, 200)
	var list struct{ Tasks []marathon.Task }
	json.Unmarshal([]byte(r.body), &list)
	if len(list.Tasks) != 3 || list.Tasks[0].ID != "g_web.1" {
		t.Fatalf("tasks %s", r.body)
	}
	if !strings.Contains(r.body, `"appId":"/g/web"`) || !strings.Contains(r.body, `"state":"TASK_RUNNING"`) {
		t.Errorf("task fields %s", r.body)
	}
	r = s.do("GET", "/v2/apps/g/web/tasks", "", "Accept", "text/plain").expect(t, 200)
	if want := "g_web\t10001\th1:31001\th2:31003\t\ng_web\t10002\th1:31002\th2:31004\t\n"; r.body != want {
		t.Errorf("text %q, want %q", r.body, want)
	}
	r = s.do("GET", "/v2/apps/g/*/tasks", "").expect(t, 200)
	json.Unmarshal([]byte(r.body), &list)
	if len(list.Tasks) != 4 {
		t.Errorf("group tasks %s", r.body)
	}
	s.do("GET", "/v2/apps/nope/tasks", "").expect(t, 404)
	s.do("GET", "/v2/tasks?status=running", "").expect(t, 200)
}

func TestKillTasks(t *testing.T) {
	s := newTestServer(t)
	reset := func() {
		s.f.AddApp(marathontest.App("/web"))
		s.f.SetTasks([]marathon.Task{
			{ID: "web.1", AppID: "/web", Host: "h1", State: "TASK_RUNNING"},
			{ID: "web.2", AppID: "/web", Host: "h2", State: "TASK_RUNNING"},
		}...)
	}
	reset()
	r := s.do("DELETE", "/v2/apps/web/tasks?scale=true&wipe=true", "").expect(t, 400)
	if r.message(t) != "You cannot use scale and wipe at the same time." {
		t.Errorf("message %q", r.message(t))
	}
	r = s.do("DELETE", "/v2/apps/web/tasks?host=h1", "").expect(t, 200)
	var list struct{ Tasks []marathon.Task }
	json.Unmarshal([]byte(r.body), &list)
	if len(list.Tasks) != 1 || list.Tasks[0].ID != "web.1" || s.f.LastKill().Host != "h1" {
		t.Fatalf("killed %s (req %+v)", r.body, s.f.LastKill())
	}
	reset()
	r = s.do("DELETE", "/v2/apps/web/tasks/web.2?wipe=true", "").expect(t, 200)
	if !strings.HasPrefix(r.body, `{"task":{"id":"web.2"`) || !s.f.LastKill().Wipe {
		t.Fatalf("single kill %s %+v", r.body, s.f.LastKill())
	}
	if r := s.do("DELETE", "/v2/apps/web/tasks/web.9", "").expect(t, 404); r.message(t) != "Task 'web.9' does not exist" {
		t.Errorf("message %q", r.message(t))
	}
	r = s.do("DELETE", "/v2/apps/web/tasks/web.1?scale=true", "").expect(t, 200)
	if r.Header().Get("Marathon-Deployment-Id") == "" || !s.f.LastKill().Scale {
		t.Fatalf("scale kill %s", r.body)
	}
	s.do("DELETE", "/v2/apps/nope/tasks", "").expect(t, 404)

	// POST /v2/tasks/delete.
	reset()
	r = s.do("POST", "/v2/tasks/delete", `{"ids":["web.1","unknown"]}`).expect(t, 200)
	json.Unmarshal([]byte(r.body), &list)
	if len(list.Tasks) != 1 || list.Tasks[0].ID != "web.1" || s.f.LastKill().AppID != "" {
		t.Fatalf("killed %s", r.body)
	}
	r = s.do("POST", "/v2/tasks/delete?scale=true", `{"ids":["web.2"]}`).expect(t, 200)
	if r.json(t)["deploymentId"] == nil {
		t.Fatalf("scale %s", r.body)
	}
	s.do("POST", "/v2/tasks/delete", `{"ids":"web.1"}`).expect(t, 400)
	s.do("POST", "/v2/tasks/delete", ``).expect(t, 400)
	s.do("POST", "/v2/tasks/delete?wipe=true&scale=true", `{"ids":[]}`).expect(t, 400)
	s.do("GET", "/v2/tasks/delete", "").expect(t, 405)
}

func TestTasksStatusFilter(t *testing.T) {
	s := newTestServer(t)
	s.f.AddApp(marathontest.App("/a"))
	s.f.SetTasks([]marathon.Task{{ID: "a.1", AppID: "/a", State: "TASK_RUNNING"}, {ID: "a.2", AppID: "/a", State: "TASK_STAGING"}, {ID: "a.3", AppID: "/a", State: "TASK_KILLING"}}...)
	for q, want := range map[string]int{"": 3, "?status=running": 1, "?status=staging": 1, "?status[]=running&status[]=staging": 2, "?status=bogus": 3} {
		r := s.do("GET", "/v2/tasks"+q, "").expect(t, 200)
		var list struct{ Tasks []marathon.Task }
		json.Unmarshal([]byte(r.body), &list)
		if len(list.Tasks) != want {
			t.Errorf("%q: %d tasks, want %d", q, len(list.Tasks), want)
		}
	}
	if r := s.do("GET", "/v2/tasks", ""); !strings.Contains(r.body, `"ports":null`) && !strings.Contains(r.body, `"ports":[`) {
		t.Errorf("no ports member: %s", r.body)
	}
}

func TestDeployments(t *testing.T) {
	s := newTestServer(t)
	if r := s.do("GET", "/v2/deployments", "").expect(t, 200); r.body != "[]" {
		t.Fatalf("empty list %s", r.body)
	}
	s.f.SetDeployments([]marathon.Deployment{{ID: "d1", Version: "v", AffectedApps: []string{"/a"},
		Steps:          []events.DeploymentStep{{Actions: []events.DeploymentAction{{Action: "StartApplication", App: "/a"}}}},
		CurrentActions: []events.DeploymentAction{{Action: "StartApplication", App: "/a"}}, CurrentStep: 1, TotalSteps: 1}, {ID: "d2"}}...)
	r := s.do("GET", "/v2/deployments", "").expect(t, 200)
	const want = `[{"id":"d1","version":"v","affectedApps":["/a"],"affectedPods":[],"steps":[{"actions":[{"action":"StartApplication","app":"/a"}]}],"currentActions":[{"action":"StartApplication","app":"/a"}],"currentStep":1,"totalSteps":1},{"id":"d2","version":"","affectedApps":[],"affectedPods":[],"steps":[],"currentActions":[],"currentStep":0,"totalSteps":0}]`
	if r.body != want {
		t.Fatalf("got  %s\nwant %s", r.body, want)
	}
	r = s.do("DELETE", "/v2/deployments/d1", "").expect(t, 200)
	if r.Header().Get("Marathon-Deployment-Id") == "" || s.f.LastForce() {
		t.Fatalf("rollback %s", r.body)
	}
	r = s.do("DELETE", "/v2/deployments/d2?force=true", "")
	if r.Code != 202 || r.body != "" || !s.f.LastForce() {
		t.Fatalf("force cancel %d %q", r.Code, r.body)
	}
	if r := s.do("DELETE", "/v2/deployments/d3", "").expect(t, 404); r.message(t) != "DeploymentPlan d3 does not exist" {
		t.Errorf("message %q", r.message(t))
	}
	s.do("POST", "/v2/deployments/d3", "").expect(t, 405)
}

func TestGroups(t *testing.T) {
	s := newTestServer(t)
	s.f.AddApp(marathontest.App("/prod/web"))
	s.f.AddApp(marathontest.App("/prod/db/pg"))
	s.f.AddApp(marathontest.App("/top"))

	r := s.do("GET", "/v2/groups", "").expect(t, 200)
	var root struct {
		ID     string           `json:"id"`
		Apps   []map[string]any `json:"apps"`
		Groups []struct {
			ID     string           `json:"id"`
			Apps   []map[string]any `json:"apps"`
			Groups []struct {
				ID   string           `json:"id"`
				Apps []map[string]any `json:"apps"`
			} `json:"groups"`
		} `json:"groups"`
		Pods         []any    `json:"pods"`
		Dependencies []string `json:"dependencies"`
	}
	json.Unmarshal([]byte(r.body), &root)
	if root.ID != "/" || len(root.Apps) != 1 || root.Apps[0]["id"] != "/top" || len(root.Groups) != 1 ||
		root.Groups[0].ID != "/prod" || root.Groups[0].Apps[0]["id"] != "/prod/web" ||
		root.Groups[0].Groups[0].Apps[0]["id"] != "/prod/db/pg" || root.Pods == nil || root.Dependencies == nil {
		t.Fatalf("root group %s", r.body)
	}
	// Only groups embedded: no apps member.
	r = s.do("GET", "/v2/groups/prod?embed=group.groups", "").expect(t, 200)
	if strings.Contains(r.body, `"apps"`) || !strings.Contains(r.body, `"groups":[{"id":"/prod/db"`) {
		t.Errorf("embed=group.groups: %s", r.body)
	}
	// App embeds inside groups.
	r = s.do("GET", "/v2/groups/prod?embed=group.apps&embed=group.apps.counts", "").expect(t, 200)
	if !strings.Contains(r.body, `"tasksRunning":0`) || strings.Contains(r.body, `"groups"`) {
		t.Errorf("embed=group.apps.counts: %s", r.body)
	}
	if r := s.do("GET", "/v2/groups/nope", "").expect(t, 404); r.message(t) != "Group '/nope' does not exist" {
		t.Errorf("message %q", r.message(t))
	}

	// Create: the body's id is relative to the URL's group.
	r = s.do("POST", "/v2/groups/staging", `{"id":"shop","apps":[{"id":"api","cmd":"sleep 9"}]}`).expect(t, 201)
	if r.Header().Get("Location") != "/v2/groups/staging/shop" || s.f.LastGroup().ID != "/staging/shop" || !func() marathon.DeployOptions { o, _ := s.f.LastDeploy(); return o }().Create {
		t.Fatalf("create %v %+v", r.Header(), s.f.LastGroup())
	}
	if s.f.StoredApp("/staging/shop/api") == nil {
		t.Fatalf("apps %v", s.f.StoredIDs())
	}
	if r := s.do("POST", "/v2/groups", `{"id":"/staging/shop","apps":[]}`).expect(t, 409); r.message(t) != "Group /staging/shop is already created. Use PUT to change this group." {
		t.Errorf("message %q", r.message(t))
	}
	if r := s.do("POST", "/v2/groups", `{"id":"/top"}`).expect(t, 409); r.message(t) != "An app with the path /top already exists." {
		t.Errorf("message %q", r.message(t))
	}
	s.do("POST", "/v2/groups", `{"id":"/x","apps":[{"id":"a","cmd":"x","cpus":-2}]}`).expect(t, 422)
	s.do("POST", "/v2/groups", `{"id":`).expect(t, 400)

	// A dry run answers the steps and changes nothing.
	r = s.do("PUT", "/v2/groups/prod?dryRun=true", `{"apps":[{"id":"web","cmd":"new"},{"id":"fresh","cmd":"x"}]}`).expect(t, 200)
	if r.Header().Get("Marathon-Deployment-Id") != "" || s.f.StoredApp("/prod/web").Cmd != "sleep 1000" || s.f.StoredApp("/prod/fresh") != nil {
		t.Fatalf("a dry run changed something: %v %+v", r.Header(), s.f.StoredIDs())
	}
	var plan struct {
		Steps []struct {
			Actions []struct{ Action, App string } `json:"actions"`
		} `json:"steps"`
	}
	if err := json.Unmarshal([]byte(r.body), &plan); err != nil || len(plan.Steps) != 1 || len(plan.Steps[0].Actions) != 2 ||
		plan.Steps[0].Actions[0] != (struct{ Action, App string }{"RestartApplication", "/prod/web"}) ||
		plan.Steps[0].Actions[1] != (struct{ Action, App string }{"StartApplication", "/prod/fresh"}) {
		t.Fatalf("dry run %s (%v)", r.body, err)
	}

	// scaleBy multiplies every app's instances; it comes alone.
	r = s.do("PUT", "/v2/groups/prod", `{"scaleBy":2.5}`).expect(t, 200)
	if r.Header().Get("Marathon-Deployment-Id") == "" || s.f.LastScaleBy() != 2.5 || s.f.StoredApp("/prod/web").Instances != 3 || s.f.StoredApp("/prod/db/pg").Instances != 3 || s.f.StoredApp("/top").Instances != 1 {
		t.Fatalf("scaleBy: %v by %v", r.Header(), s.f.LastScaleBy())
	}
	if r := s.do("PUT", "/v2/groups/prod?dryRun=true", `{"id":"/prod","scaleBy":2}`).expect(t, 200); !strings.Contains(r.body, `"steps":[{"actions":[`) || s.f.StoredApp("/prod/web").Instances != 3 {
		t.Fatalf("scaleBy dry run: %s", r.body)
	}
	r = s.do("PUT", "/v2/groups/prod", `{"scaleBy":2,"apps":[]}`).expect(t, 422)
	if !strings.Contains(r.body, "not allowed in conjunction with other properties.") {
		t.Errorf("scaleBy with apps: %s", r.body)
	}
	s.do("PUT", "/v2/groups/prod", `{"scaleBy":-1}`).expect(t, 422)
	s.do("PUT", "/v2/groups/prod", `{"scaleBy":"2"}`).expect(t, 422)
	s.do("PUT", "/v2/groups/nope", `{"scaleBy":2}`).expect(t, 404)
	s.do("PUT", "/v2/groups/prod", `{"version":"2026-01-01T00:00:00.000Z"}`).expect(t, 422)

	// Update with PUT; locked → 409.
	s.f.Lock("/prod/web", "d-lock")
	s.do("PUT", "/v2/groups/prod", `{"apps":[{"id":"web","cmd":"new"}]}`).expect(t, 409)
	r = s.do("PUT", "/v2/groups/prod?force=true", `{"apps":[{"id":"web","cmd":"new"}]}`).expect(t, 200)
	if s.f.LastGroup().ID != "/prod" || s.f.StoredApp("/prod/web").Cmd != "new" || r.Header().Get("Marathon-Deployment-Id") == "" {
		t.Fatalf("update %+v", s.f.LastGroup())
	}

	s.do("DELETE", "/v2/groups/staging", "").expect(t, 200)
	if s.f.StoredApp("/staging/shop/api") != nil {
		t.Fatal("group not deleted")
	}
	s.do("DELETE", "/v2/groups/staging", "").expect(t, 404)
	s.do("DELETE", "/v2/groups?force=true", "").expect(t, 200)
	if len(s.f.StoredIDs()) != 0 || !s.f.LastForce() {
		t.Fatalf("root not emptied: %v", s.f.StoredIDs())
	}
	// The root group always exists.
	if r := s.do("GET", "/v2/groups/", "").expect(t, 200); !strings.HasPrefix(r.body, `{"id":"/"`) {
		t.Errorf("empty root %s", r.body)
	}
}

func TestQueue(t *testing.T) {
	s := newTestServer(t)
	one := 1.0
	s.f.SetQueue([]marathon.QueueItem{{App: marathontest.App("/web"), Count: 2, Role: "*", Delay: marathon.Delay{Overdue: true}, Since: "2026-01-01T00:00:00.000Z",
		ProcessedOffersSummary: marathon.OffersSummary{ProcessedOffersCount: 3, UnusedOffersCount: 3,
			RejectSummaryLastOffers: []marathon.DeclinedOfferStep{{Reason: "UnfulfilledConstraint", Declined: 2, Processed: 3}, {Reason: "InsufficientMemory", Declined: 1, Processed: 1}}},
		LastUnusedOffers: []marathon.UnusedOffer{{Offer: marathon.Offer{ID: "o1", Hostname: "h1", AgentID: "S1", Resources: []marathon.OfferResource{{Name: "cpus", Role: "*", Scalar: &one}}}, Reason: []string{"UnfulfilledConstraint"}, Timestamp: "t"}}}}...)
	r := s.do("GET", "/v2/queue", "").expect(t, 200)
	if strings.Contains(r.body, "lastUnusedOffers") || !strings.Contains(r.body, `"rejectSummaryLastOffers":[{"reason":"UnfulfilledConstraint","declined":2,"processed":3}`) ||
		!strings.Contains(r.body, `"app":{"id":"/web"`) || !strings.Contains(r.body, `"delay":{"timeLeftSeconds":0,"overdue":true}`) {
		t.Fatalf("queue %s", r.body)
	}
	r = s.do("GET", "/v2/queue?embed=lastUnusedOffers", "").expect(t, 200)
	if !strings.Contains(r.body, `"lastUnusedOffers":[{"offer":{"id":"o1","hostname":"h1","agentId":"S1","resources":[{"name":"cpus","role":"*","scalar":1}]`) {
		t.Fatalf("queue with offers %s", r.body)
	}
	r = s.do("DELETE", "/v2/queue/web/delay", "")
	if r.Code != 204 || len(s.f.ResetDelays()) != 1 || s.f.ResetDelays()[0] != "/web" {
		t.Fatalf("reset delay %d %v", r.Code, s.f.ResetDelays())
	}
	if r := s.do("DELETE", "/v2/queue/nope/delay", "").expect(t, 404); r.message(t) != "Application /nope not found in tasks queue." {
		t.Errorf("message %q", r.message(t))
	}
}

func TestInfoAndLeader(t *testing.T) {
	s := newTestServer(t)
	r := s.do("GET", "/v2/info", "").expect(t, 200)
	body := r.json(t)
	if body["name"] != "agora" || body["elected"] != true || body["leader"] != "127.0.0.1:8080" || body["frameworkId"] != "fw-1" {
		t.Fatalf("info %s", r.body)
	}
	if _, ok := body["zookeeper_config"].(map[string]any); !ok {
		t.Errorf("no zookeeper_config object: %s", r.body)
	}
	if r := s.do("GET", "/v2/leader", "").expect(t, 200); r.body != `{"leader":"127.0.0.1:8080"}` {
		t.Fatalf("leader %s", r.body)
	}
	s.f.UpdateInfo(func(i *marathon.Info) { i.Leader = "" })
	if r := s.do("GET", "/v2/leader", "").expect(t, 404); r.message(t) != "There is no leader" {
		t.Errorf("message %q", r.message(t))
	}
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	s := newTestServer(t)
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/v2/nothing", 404},
		{"GET", "/", 404},
		{"GET", "/v2/eventSubscriptions", 404},
		{"POST", "/v2/eventSubscriptions?callbackUrl=http://x", 404},
		{"DELETE", "/v2/apps", 405},
		{"POST", "/v2/apps/a", 405},
		{"PUT", "/v2/tasks", 405},
		{"POST", "/v2/info", 405},
		{"PATCH", "/v2/groups/a", 405},
		{"POST", "/v2/queue", 405},
	} {
		r := s.do(c.method, c.path, "").expect(t, c.status)
		if r.message(t) == "" {
			t.Errorf("%s %s: no message", c.method, c.path)
		}
		if c.status == 405 && r.Header().Get("Allow") == "" {
			t.Errorf("%s %s: no Allow header", c.method, c.path)
		}
	}
}

func TestBackendFailuresAre500WithMessage(t *testing.T) {
	s := newTestServer(t)
	s.f.Fail(io.ErrUnexpectedEOF)
	r := s.do("GET", "/v2/apps", "").expect(t, 500)
	if r.message(t) != io.ErrUnexpectedEOF.Error() {
		t.Errorf("message %q", r.message(t))
	}
}

var _ = app.Defaults
