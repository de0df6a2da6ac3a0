package marathon_test

import (
	"fmt"
	"log/slog"
	"net/http/httptest"
	"testing"

	"agora/services/marathon"
	"agora/services/marathon/marathontest"
)

// BenchmarkListApps measures GET /v2/apps?embed=apps.tasks over 1,000 apps of 3 tasks
// each (the shape of Marathon's scale tests), through the handler without the network.
func BenchmarkListApps(b *testing.B) {
	be := marathontest.New()
	var tasks []marathon.Task
	for i := range 1000 {
		id := fmt.Sprintf("/bench/app-%04d", i)
		be.AddApp(marathontest.App(id))
		for j := range 3 {
			tasks = append(tasks, marathon.Task{ID: fmt.Sprintf("bench_app-%04d.%d", i, j), AppID: id, Host: "agent-1", State: "TASK_RUNNING", Ports: []int{31000 + j}})
		}
	}
	be.SetTasks(tasks...)
	h := marathon.NewHandler(be, marathon.Options{Logger: slog.New(slog.DiscardHandler)})
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/v2/apps?embed=apps.tasks", nil))
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
		b.SetBytes(int64(rec.Body.Len()))
	}
}
