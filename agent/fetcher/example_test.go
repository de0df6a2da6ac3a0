package fetcher_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"agora/agent/fetcher"
)

func ExampleFetch() {
	// A framework's artifact server.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/releases/run.sh":
			fmt.Fprint(w, "#!/bin/sh\nexec ./server --port \"$PORT0\"\n")
		case "/config/app.conf":
			fmt.Fprint(w, "mode=production\n")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	sandbox, err := os.MkdirTemp("", "sandbox")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(sandbox)

	err = fetcher.Fetch(context.Background(), []fetcher.URI{
		{Value: srv.URL + "/releases/run.sh", Executable: true},
		{Value: srv.URL + "/config/app.conf?v=7", OutputFile: "etc/app.conf"},
	}, sandbox, fetcher.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	for _, name := range []string{"run.sh", "etc/app.conf"} {
		info, _ := os.Stat(filepath.Join(sandbox, name))
		fmt.Println(info.Mode(), name)
	}

	err = fetcher.Fetch(context.Background(), []fetcher.URI{
		{Value: srv.URL + "/releases/missing.tgz", Extract: true},
	}, sandbox, fetcher.Options{Logger: slog.New(slog.DiscardHandler)})
	fmt.Println(err != nil)
	// Output:
	// -rwxr-xr-x run.sh
	// -rw-r--r-- etc/app.conf
	// true
}
