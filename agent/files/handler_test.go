package files

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// serve starts a files API over one sandbox exposed under its own path
// and /frameworks/fw/executors/ex/runs/latest.
func serve(t *testing.T) (base, sandbox string) {
	t.Helper()
	_, sandbox = sandboxTree(t)
	table := Table{}
	table.Add(sandbox, sandbox)
	table.Add("/frameworks/fw/executors/ex/runs/latest", sandbox)
	mux := http.NewServeMux()
	mux.Handle("/files/", &Handler{
		Table:  func(context.Context, string) (Table, error) { return table, nil },
		Logger: slog.New(slog.DiscardHandler),
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL, sandbox
}

func get(t *testing.T, base, endpoint string, query url.Values) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(base + "/files/" + endpoint + "?" + query.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestBrowseListsADirectoryAsMesosDoes(t *testing.T) {
	base, sandbox := serve(t)
	if err := os.Chmod(filepath.Join(sandbox, "stdout"), 0o640); err != nil {
		t.Fatal(err)
	}
	resp, body := get(t, base, "browse", url.Values{"path": {"/frameworks/fw/executors/ex/runs/latest"}})
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("browse: %s %s", resp.Status, body)
	}
	var listing []FileInfo
	if err := json.Unmarshal(body, &listing); err != nil {
		t.Fatal(err)
	}
	byName := map[string]FileInfo{}
	var names []string
	for _, e := range listing {
		byName[filepath.Base(e.Path)] = e
		names = append(names, filepath.Base(e.Path))
	}
	// Sorted by path; the dangling link (stat fails, and so does Mesos's)
	// is left out; links the sandbox must not follow are shown as links.
	want := "abs-in abs-out dir in out stdout tasks updir"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("entries %q, want %q", got, want)
	}
	stdout := byName["stdout"]
	if stdout.Path != "/frameworks/fw/executors/ex/runs/latest/stdout" || stdout.Size != 6 || stdout.Nlink != 1 ||
		stdout.Mode != "-rw-r-----" || stdout.Mtime == 0 || stdout.UID == "" || stdout.GID == "" {
		t.Errorf("stdout entry %+v", stdout)
	}
	if d := byName["dir"]; d.Mode[0] != 'd' || d.Nlink < 2 {
		t.Errorf("dir entry %+v, want a directory", d)
	}
	if in := byName["in"]; in.Mode[0] != '-' || in.Size != 5 {
		t.Errorf("in (a link inside) %+v, want the target's info", in)
	}
	for _, name := range []string{"out", "abs-out", "updir", "abs-in"} {
		if e := byName[name]; e.Mode[0] != 'l' {
			t.Errorf("%s (a link os.Root will not follow) %+v, want it shown as a link", name, e)
		}
	}
	// The raw JSON has Mesos's keys.
	var raw []map[string]any
	json.Unmarshal(body, &raw)
	for _, key := range []string{"path", "nlink", "size", "mtime", "mode", "uid", "gid"} {
		if _, ok := raw[0][key]; !ok {
			t.Errorf("entry %v lacks %q", raw[0], key)
		}
	}
}

func TestReadFollowsMesosOffsetRules(t *testing.T) {
	base, sandbox := serve(t)
	path := sandbox + "/stdout" // "hello\n"
	tests := []struct {
		query    url.Values
		wantData string
		wantOff  int64
	}{
		{url.Values{}, "", 6}, // no offset = -1: the size
		{url.Values{"offset": {"-1"}}, "", 6},
		{url.Values{"offset": {"0"}}, "hello\n", 0},
		{url.Values{"offset": {"1"}, "length": {"3"}}, "ell", 1},
		{url.Values{"offset": {"2"}, "length": {"-1"}}, "llo\n", 2},
		{url.Values{"offset": {"0"}, "length": {"0"}}, "", 0},
		{url.Values{"offset": {"6"}}, "", 6},
		{url.Values{"offset": {"100"}, "length": {"5"}}, "", 100},
	}
	for _, tt := range tests {
		tt.query.Set("path", path)
		resp, body := get(t, base, "read", tt.query)
		var out ReadResult
		if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &out) != nil || out.Data != tt.wantData || out.Offset != tt.wantOff {
			t.Errorf("read %v: %s %s; want data %q offset %d", tt.query, resp.Status, body, tt.wantData, tt.wantOff)
		}
	}

	// JSONP, as the old web UI asks.
	resp, body := get(t, base, "read", url.Values{"path": {path}, "offset": {"0"}, "jsonp": {"cb_1"}})
	if resp.Header.Get("Content-Type") != "text/javascript" || string(body) != `cb_1({"data":"hello\n","offset":0});` {
		t.Errorf("jsonp read: %s %q", resp.Header.Get("Content-Type"), body)
	}
}

func TestReadIsCappedAt16Pages(t *testing.T) {
	base, sandbox := serve(t)
	big := strings.Repeat("x", 20*os.Getpagesize())
	mustWrite(t, filepath.Join(sandbox, "big"), big)
	_, body := get(t, base, "read", url.Values{"path": {sandbox + "/big"}, "offset": {"0"}})
	var out ReadResult
	if err := json.Unmarshal(body, &out); err != nil || len(out.Data) != 16*os.Getpagesize() {
		t.Fatalf("read of a 20-page file returned %d bytes (%v), want 16 pages", len(out.Data), err)
	}
}

func TestDownloadStreamsTheFile(t *testing.T) {
	base, sandbox := serve(t)
	mustWrite(t, filepath.Join(sandbox, "report.json"), `{"ok":true}`)
	tests := []struct{ name, wantType, wantBody string }{
		{"stdout", "application/octet-stream", "hello\n"},
		{"report.json", "application/json", `{"ok":true}`},
	}
	for _, tt := range tests {
		resp, body := get(t, base, "download", url.Values{"path": {"/frameworks/fw/executors/ex/runs/latest/" + tt.name}})
		if resp.StatusCode != http.StatusOK || string(body) != tt.wantBody ||
			resp.Header.Get("Content-Disposition") != "attachment; filename="+tt.name ||
			resp.Header.Get("Content-Type") != tt.wantType {
			t.Errorf("download %s: %s %v %q", tt.name, resp.Status, resp.Header, body)
		}
	}
}

func TestRefusedRequests(t *testing.T) {
	base, sandbox := serve(t)
	tests := []struct {
		endpoint string
		query    url.Values
		status   int
		body     string // prefix; "" for no check
	}{
		{"browse", url.Values{}, 400, "Expecting 'path=value' in query.\n"},
		{"read", url.Values{"path": {""}}, 400, "Expecting 'path=value' in query.\n"},
		{"download", url.Values{}, 400, "Expecting 'path=value' in query.\n"},
		{"read", url.Values{"path": {sandbox + "/stdout"}, "offset": {"x"}}, 400, "Failed to parse offset"},
		{"read", url.Values{"path": {sandbox + "/stdout"}, "offset": {"-2"}}, 400, "Negative offset provided: -2.\n"},
		{"read", url.Values{"path": {sandbox + "/stdout"}, "length": {"-5"}}, 400, "Negative length provided: -5.\n"},
		{"read", url.Values{"path": {sandbox}}, 400, "Cannot read a directory.\n"},
		{"download", url.Values{"path": {sandbox + "/dir"}}, 400, "Cannot download a directory.\n"},
		{"read", url.Values{"path": {sandbox + "/../secret"}, "offset": {"0"}}, 400, "'" + sandbox + "/../secret' is inaccessible"},
		{"download", url.Values{"path": {sandbox + "/out"}}, 400, ""},
		{"browse", url.Values{"path": {sandbox + "/updir"}}, 400, ""},
		{"download", url.Values{"path": {"/etc/passwd"}}, 404, ""},
		{"read", url.Values{"path": {sandbox + "/missing"}, "offset": {"0"}}, 404, ""},
		{"browse", url.Values{"path": {"/frameworks/other"}}, 404, ""},
		{"read", url.Values{"path": {sandbox + "/stdout"}, "jsonp": {"alert(1)//"}}, 400, ""},
		{"nothing", url.Values{}, 404, ""},
	}
	for _, tt := range tests {
		resp, body := get(t, base, tt.endpoint, tt.query)
		if resp.StatusCode != tt.status || !strings.HasPrefix(string(body), tt.body) {
			t.Errorf("%s %v: %s %q; want %d %q", tt.endpoint, tt.query, resp.Status, body, tt.status, tt.body)
		}
		if strings.Contains(string(body), "secret") && !strings.Contains(string(body), "inaccessible") {
			t.Errorf("%s %v leaked %q", tt.endpoint, tt.query, body)
		}
	}
}

func TestDebugListsTheTable(t *testing.T) {
	base, sandbox := serve(t)
	_, body := get(t, base, "debug", nil)
	var table map[string]string
	if err := json.Unmarshal(body, &table); err != nil || table["/frameworks/fw/executors/ex/runs/latest"] != sandbox {
		t.Errorf("debug = %s", body)
	}
}

func TestUnavailableTable(t *testing.T) {
	h := &Handler{Table: func(context.Context, string) (Table, error) { return nil, errors.New("agent: stopped") }}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/files/browse?path=/x", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", rec.Code)
	}
}

func TestReadWindow(t *testing.T) {
	tests := []struct {
		size, offset, length int64
		start, n, answer     int64
	}{
		{10, -1, -1, 0, 0, 10},
		{10, -1, 5, 0, 0, 10},
		{10, 0, -1, 0, 8, 0}, // capped at max 8
		{10, 4, -1, 4, 6, 4},
		{10, 4, 2, 4, 2, 4},
		{10, 4, 0, 4, 0, 4},
		{10, 10, -1, 10, 0, 10},
		{10, 50, 3, 50, 0, 50},
		{0, 0, -1, 0, 0, 0},
	}
	for _, tt := range tests {
		start, n, answer := ReadWindow(tt.size, tt.offset, tt.length, 8)
		if start != tt.start || n != tt.n || answer != tt.answer {
			t.Errorf("ReadWindow(%d, %d, %d) = %d, %d, %d; want %d, %d, %d",
				tt.size, tt.offset, tt.length, start, n, answer, tt.start, tt.n, tt.answer)
		}
	}
}

// FuzzParseReadQuery decodes arbitrary query strings: never a panic, and
// a decoded query always asks for something ReadWindow can serve.
func FuzzParseReadQuery(f *testing.F) {
	for _, seed := range []string{
		"path=/a&offset=0&length=10", "path=/a", "offset=-1", "path=%2Fa&offset=-2", "path=/a&length=99999999999999999999",
		"path=/a&offset=+5", "path=&offset=1", "path=/a;offset=1", "path=/a&offset=0x10", "path=/a&offset=%00",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		values, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := ParseReadQuery(values)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ParseReadQuery(%q): unclassified error %v", raw, err)
			}
			return
		}
		if q.Path == "" || q.Offset < -1 || q.Length < -1 {
			t.Fatalf("ParseReadQuery(%q) = %+v", raw, q)
		}
		for _, size := range []int64{0, 1, 1 << 40} {
			start, n, _ := ReadWindow(size, q.Offset, q.Length, 65536)
			if start < 0 || n < 0 || n > 65536 || (n > 0 && start+n > size) {
				t.Fatalf("ReadWindow(%d, %+v) = %d, %d", size, q, start, n)
			}
		}
	})
}
