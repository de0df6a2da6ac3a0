package health

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"agora/agent/containerizer"
)

// port is the port of a test server's URL.
func port(t *testing.T, rawURL string) uint32 {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	p, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	return uint32(p)
}

func TestHTTPProbe(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusFound) })
	mux.HandleFunc("/moved-to-error", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/error", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/not-modified", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotModified) })
	mux.HandleFunc("/error", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	plain := httptest.NewServer(mux)
	defer plain.Close()
	tlsSrv := httptest.NewTLSServer(mux) // self-signed: not verified, as curl -k
	defer tlsSrv.Close()

	tests := []struct {
		scheme, path string
		srv          *httptest.Server
		want         string // "" passes
	}{
		{"", "/ok", plain, ""},
		{"http", "/moved", plain, ""},
		{"", "/not-modified", plain, ""},
		{"https", "/ok", tlsSrv, ""},
		{"", "/error", plain, "Unexpected HTTP response code: 503 Service Unavailable"},
		{"", "/moved-to-error", plain, "Unexpected HTTP response code: 503 Service Unavailable"},
		{"", "/missing", plain, "Unexpected HTTP response code: 404 Not Found"},
		{"", "/slow", plain, "HTTP health check timed out after"},
		{"http", "/ok", tlsSrv, "Unexpected HTTP response code: 400 Bad Request"},
	}
	for _, tt := range tests {
		probe := &HTTP{Scheme: tt.scheme, Port: port(t, tt.srv.URL), Path: tt.path}
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		err := probe.Probe(ctx)
		cancel()
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("GET %s: %v; want %q", probe.URL(), err, tt.want)
		}
	}

	closed := &HTTP{Port: freePort(t), Path: "/"}
	if err := closed.Probe(context.Background()); err == nil || !strings.Contains(err.Error(), "HTTP health check failed") {
		t.Errorf("GET of a closed port: %v", err)
	}
}

// freePort is a port nothing listens on.
func freePort(t *testing.T) uint32 {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return uint32(p)
}

func TestTCPProbe(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	open := &TCP{Port: uint32(l.Addr().(*net.TCPAddr).Port)}
	if err := open.Probe(context.Background()); err != nil {
		t.Errorf("connect to a listening port: %v", err)
	}
	l.Close()
	if err := open.Probe(context.Background()); err == nil || !strings.HasPrefix(err.Error(), "TCP connection failed") {
		t.Errorf("connect to a closed port: %v", err)
	}
}

func TestCommandProbe(t *testing.T) {
	sandbox := t.TempDir()
	spec := func(command string) containerizer.ProcessSpec {
		return containerizer.ProcessSpec{
			Sandbox: sandbox, Shell: true, Value: command,
			Env:        map[string]string{"PATH": "/usr/bin:/bin", "WANT": "yes"},
			StdoutPath: "stderr", StderrPath: "stderr",
		}
	}
	tests := []struct {
		command string
		want    string
	}{
		{"true", ""},
		{`test "$WANT" = yes && test "$(pwd)" = "` + sandbox + `"`, ""},
		{"exit 3", "Command exited with status 3"},
		{"kill -9 $$", "Command terminated with signal Killed"},
	}
	for _, tt := range tests {
		err := (&Command{Spec: spec(tt.command)}).Probe(context.Background())
		if (tt.want == "") != (err == nil) || (err != nil && err.Error() != tt.want) {
			t.Errorf("%q: %v; want %q", tt.command, err, tt.want)
		}
	}

	// A check that outlives its timeout is killed, with what it started.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := (&Command{Spec: spec("sleep 30 & echo $! > child; echo $$ > pid; wait")}).Probe(ctx)
	if err == nil || !strings.HasPrefix(err.Error(), "Command timed out after ") {
		t.Fatalf("slow command: %v", err)
	}
	for _, name := range []string{"pid", "child"} {
		data, readErr := os.ReadFile(filepath.Join(sandbox, name))
		pid, convErr := strconv.Atoi(strings.TrimSpace(string(data)))
		if readErr != nil || convErr != nil {
			t.Fatalf("%s: %v %v", name, readErr, convErr)
		}
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("the check's %s %d survived its timeout (kill -0: %v)", name, pid, err)
		}
	}

	if err := (&Command{Spec: containerizer.ProcessSpec{Sandbox: sandbox, Value: "/no/such/binary"}}).Probe(context.Background()); err == nil ||
		!strings.HasPrefix(err.Error(), "Failed to launch the health check command") {
		t.Errorf("missing binary: %v", err)
	}
}
