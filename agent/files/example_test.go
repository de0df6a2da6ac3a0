package files_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"agora/agent/files"
)

// A files API over one sandbox, exposed under its real path and under
// Mesos's virtual path for an executor's latest run.
func ExampleHandler() {
	sandbox, _ := os.MkdirTemp("", "sandbox")
	defer os.RemoveAll(sandbox)
	os.WriteFile(filepath.Join(sandbox, "stdout"), []byte("hello\n"), 0o644)

	table := files.Table{}
	table.Add(sandbox, sandbox)
	table.Add("/frameworks/fw-1/executors/web/runs/latest", sandbox)
	mux := http.NewServeMux()
	mux.Handle("/files/", &files.Handler{Table: func(context.Context, string) (files.Table, error) { return table, nil }})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	resp, _ := http.Get(srv.URL + "/files/read?path=/frameworks/fw-1/executors/web/runs/latest/stdout&offset=0")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, string(body))

	resp, _ = http.Get(srv.URL + "/files/read?path=/frameworks/fw-1/executors/web/runs/latest/stdout")
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, string(body))
	// Output:
	// 200 {"data":"hello\n","offset":0}
	// 200 {"data":"","offset":6}
}

// Resolve refuses a path that climbs out of its sandbox.
func ExampleTable_Resolve() {
	sandbox, _ := os.MkdirTemp("", "sandbox")
	defer os.RemoveAll(sandbox)
	table := files.Table{}
	table.Add("/frameworks/fw-1/executors/web/runs/latest", sandbox)

	_, err := table.Resolve("/frameworks/fw-1/executors/web/runs/latest/../../../../../etc/passwd")
	fmt.Println(errors.Is(err, files.ErrInaccessible))
	// Output: true
}
