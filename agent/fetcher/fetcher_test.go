package fetcher

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var quiet = slog.New(slog.DiscardHandler)

// server serves files by path and counts the requests for each.
type server struct {
	*httptest.Server
	files map[string][]byte
	hits  map[string]*atomic.Int32
}

func newServer(t *testing.T, files map[string][]byte) *server {
	t.Helper()
	s := &server{files: files, hits: map[string]*atomic.Int32{}}
	for name := range files {
		s.hits[name] = new(atomic.Int32)
	}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/boom":
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		case "/stall":
			// Headers and a little data, then nothing.
			w.Write([]byte("partial"))
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			return
		}
		body, ok := s.files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		s.hits[r.URL.Path].Add(1)
		w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

// sandbox returns a fresh sandbox inside a directory of its own, so that
// tests can check that nothing lands beside it.
func sandbox(t *testing.T) (sandbox, outside string) {
	t.Helper()
	outside = t.TempDir()
	sandbox = filepath.Join(outside, "sandbox")
	if err := os.Mkdir(sandbox, 0o750); err != nil {
		t.Fatal(err)
	}
	return sandbox, outside
}

// assertOnlySandbox fails if anything but the sandbox exists in outside.
func assertOnlySandbox(t *testing.T, outside string) {
	t.Helper()
	entries, err := os.ReadDir(outside)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "sandbox" {
			t.Errorf("%s was written outside the sandbox", filepath.Join(outside, e.Name()))
		}
	}
}

func fetch(t *testing.T, sb string, opts Options, uris ...URI) error {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	return Fetch(context.Background(), uris, sb, opts)
}

func assertFile(t *testing.T, path, content string, perm fs.FileMode) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("read %s: %v", path, err)
		return
	}
	if string(data) != content {
		t.Errorf("%s holds %q, want %q", path, data, content)
	}
	info, err := os.Stat(path)
	if err == nil && info.Mode().Perm() != perm {
		t.Errorf("%s has mode %v, want %v", path, info.Mode().Perm(), perm)
	}
}

func assertMissing(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Lstat(path); err == nil {
		t.Errorf("%s exists, want it missing", path)
	}
}

func assertFails(t *testing.T, err, want error, mentions ...string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
	for _, m := range mentions {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("error %q does not mention %q", err, m)
		}
	}
}

func TestFetchHTTP(t *testing.T) {
	srv := newServer(t, map[string][]byte{"/files/app.conf": []byte("port=8080\n")})
	tests := []struct {
		name string
		uri  URI
		file string
		perm fs.FileMode
	}{
		{"named after the URI", URI{Value: srv.URL + "/files/app.conf"}, "app.conf", 0o644},
		{"query and fragment are not part of the name", URI{Value: srv.URL + "/files/app.conf?token=abc#top"}, "app.conf", 0o644},
		{"output_file renames", URI{Value: srv.URL + "/files/app.conf", OutputFile: "my.conf"}, "my.conf", 0o644},
		{"output_file may hold directories", URI{Value: srv.URL + "/files/app.conf", OutputFile: "etc/app/app.conf"}, "etc/app/app.conf", 0o644},
		{"executable", URI{Value: srv.URL + "/files/app.conf", Executable: true}, "app.conf", 0o755},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb, outside := sandbox(t)
			if err := fetch(t, sb, Options{}, tt.uri); err != nil {
				t.Fatal(err)
			}
			assertFile(t, filepath.Join(sb, tt.file), "port=8080\n", tt.perm)
			assertOnlySandbox(t, outside)
		})
	}
}

func TestFetchHTTPErrors(t *testing.T) {
	srv := newServer(t, nil)
	sb, _ := sandbox(t)
	err := fetch(t, sb, Options{}, URI{Value: srv.URL + "/missing.tgz"})
	assertFails(t, err, ErrDownload, srv.URL+"/missing.tgz", "404 Not Found")
	assertMissing(t, filepath.Join(sb, "missing.tgz"))

	err = fetch(t, sb, Options{}, URI{Value: srv.URL + "/boom"})
	assertFails(t, err, ErrDownload, "500 Internal Server Error")

	// Credentials in a URI stay out of errors.
	withPassword := strings.Replace(srv.URL, "http://", "http://user:s3cret@", 1) + "/missing"
	err = fetch(t, sb, Options{}, URI{Value: withPassword})
	assertFails(t, err, ErrDownload, "user:xxxxx@")
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error %q shows the password", err)
	}

	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	err = fetch(t, sb, Options{}, URI{Value: closed.URL + "/app"})
	assertFails(t, err, ErrDownload, closed.URL+"/app")
}

func TestFetchStallTimeout(t *testing.T) {
	srv := newServer(t, nil)
	sb, _ := sandbox(t)
	start := time.Now()
	err := fetch(t, sb, Options{StallTimeout: 100 * time.Millisecond}, URI{Value: srv.URL + "/stall"})
	assertFails(t, err, ErrDownload, "stall")
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("a stalled download took %v to give up", elapsed)
	}
	assertMissing(t, filepath.Join(sb, "stall"))
}

func TestFetchHonoursContext(t *testing.T) {
	srv := newServer(t, nil)
	sb, _ := sandbox(t)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := Fetch(ctx, []URI{{Value: srv.URL + "/stall"}}, sb, Options{Logger: quiet})
	if !errors.Is(err, ErrDownload) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want ErrDownload wrapping the context's deadline", err)
	}
}

func TestFetchLocal(t *testing.T) {
	home := t.TempDir()
	tool := filepath.Join(home, "tool.sh")
	if err := os.WriteFile(tool, []byte("#!/bin/sh\n"), 0o750); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		uri  URI
		opts Options
	}{
		{"absolute path", URI{Value: tool}, Options{}},
		{"file URI", URI{Value: "file://" + tool}, Options{}},
		{"file URI with localhost", URI{Value: "file://localhost" + tool}, Options{}},
		{"leading whitespace", URI{Value: "  " + tool}, Options{}},
		{"relative to frameworks home", URI{Value: "tool.sh"}, Options{FrameworksHome: home}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb, _ := sandbox(t)
			if err := fetch(t, sb, tt.opts, tt.uri); err != nil {
				t.Fatal(err)
			}
			// Permissions are kept, as Mesos's cp keeps them.
			assertFile(t, filepath.Join(sb, "tool.sh"), "#!/bin/sh\n", 0o750)
		})
	}
}

func TestFetchRejectsBadURIs(t *testing.T) {
	srv := newServer(t, nil)
	dir := t.TempDir()
	tests := []struct {
		name     string
		uri      URI
		want     error
		mentions []string
	}{
		{"hdfs", URI{Value: "hdfs://namenode/apps/x.tgz"}, ErrUnsupportedScheme, []string{`"hdfs"`, "hdfs://namenode/apps/x.tgz", "http, https and file"}},
		{"ftp", URI{Value: "ftp://host/x"}, ErrUnsupportedScheme, []string{`"ftp"`}},
		{"s3", URI{Value: "s3://bucket/key"}, ErrUnsupportedScheme, []string{`"s3"`}},
		{"empty", URI{Value: ""}, ErrInvalidURI, []string{"empty"}},
		{"no file name", URI{Value: srv.URL + "/"}, ErrInvalidURI, []string{"output_file"}},
		{"no path", URI{Value: srv.URL}, ErrInvalidURI, []string{"output_file"}},
		{"relative file URI", URI{Value: "file://relative/x"}, ErrInvalidURI, []string{"absolute path"}},
		{"relative path without frameworks home", URI{Value: "bin/tool"}, ErrInvalidURI, []string{"--frameworks_home"}},
		{"missing local file", URI{Value: filepath.Join(dir, "nope")}, ErrDownload, []string{"no such file"}},
		{"local directory", URI{Value: dir}, ErrDownload, []string{"not a regular file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb, outside := sandbox(t)
			assertFails(t, fetch(t, sb, Options{}, tt.uri), tt.want, tt.mentions...)
			assertOnlySandbox(t, outside)
		})
	}
}

func TestOutputFileMustStayInSandbox(t *testing.T) {
	srv := newServer(t, map[string][]byte{"/app": []byte("x")})
	for _, out := range []string{"../evil", "a/../../evil", "/tmp/evil", "..", "sub/../../../evil"} {
		t.Run(out, func(t *testing.T) {
			sb, outside := sandbox(t)
			err := fetch(t, sb, Options{}, URI{Value: srv.URL + "/app", OutputFile: out})
			assertFails(t, err, ErrUnsafePath, out)
			assertOnlySandbox(t, outside)
		})
	}
	t.Run("the sandbox itself", func(t *testing.T) {
		sb, _ := sandbox(t)
		assertFails(t, fetch(t, sb, Options{}, URI{Value: srv.URL + "/app", OutputFile: "a/.."}), ErrInvalidURI)
	})
	t.Run("through a symlink", func(t *testing.T) {
		sb, outside := sandbox(t)
		elsewhere := t.TempDir()
		if err := os.Symlink(elsewhere, filepath.Join(sb, "link")); err != nil {
			t.Fatal(err)
		}
		err := fetch(t, sb, Options{}, URI{Value: srv.URL + "/app", OutputFile: "link/evil"})
		assertFails(t, err, ErrUnsafePath)
		assertMissing(t, filepath.Join(elsewhere, "evil"))
		assertOnlySandbox(t, outside)
	})
}

func TestFetchStopsAtFirstFailure(t *testing.T) {
	srv := newServer(t, map[string][]byte{"/a": []byte("a"), "/c": []byte("c")})
	sb, _ := sandbox(t)
	err := fetch(t, sb, Options{}, URI{Value: srv.URL + "/a"}, URI{Value: srv.URL + "/b"}, URI{Value: srv.URL + "/c"})
	assertFails(t, err, ErrDownload, srv.URL+"/b")
	assertFile(t, filepath.Join(sb, "a"), "a", 0o644)
	assertMissing(t, filepath.Join(sb, "c"))
}

func TestFetchBadSandbox(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	for _, sb := range []string{filepath.Join(dir, "missing"), file} {
		if err := fetch(t, sb, Options{}); !errors.Is(err, ErrSandbox) {
			t.Errorf("Fetch into %s = %v, want ErrSandbox", sb, err)
		}
	}
}

func TestFetchThroughCache(t *testing.T) {
	srv := newServer(t, map[string][]byte{
		"/tool":          []byte("#!/bin/sh\n"),
		"/bundle.tar.gz": gzipped(t, tarball(t, []entry{{name: "bundle/run", body: "run", mode: 0o755}})),
	})
	cache := t.TempDir()
	opts := Options{CacheDir: cache}
	for range 2 {
		sb, _ := sandbox(t)
		err := fetch(t, sb, opts,
			URI{Value: srv.URL + "/tool", Cache: true, Executable: true},
			URI{Value: srv.URL + "/bundle.tar.gz", Cache: true, Extract: true})
		if err != nil {
			t.Fatal(err)
		}
		assertFile(t, filepath.Join(sb, "tool"), "#!/bin/sh\n", 0o755)
		assertFile(t, filepath.Join(sb, "bundle/run"), "run", 0o755)
		// From the cache, only the extracted files reach the sandbox.
		assertMissing(t, filepath.Join(sb, "bundle.tar.gz"))
	}
	for path, hits := range srv.hits {
		if n := hits.Load(); n != 1 {
			t.Errorf("%s downloaded %d times, want once", path, n)
		}
	}
	// Without a cache directory, Cache is ignored.
	sb, _ := sandbox(t)
	if err := fetch(t, sb, Options{}, URI{Value: srv.URL + "/tool", Cache: true}); err != nil {
		t.Fatal(err)
	}
	if n := srv.hits["/tool"].Load(); n != 2 {
		t.Errorf("/tool downloaded %d times in all, want 2", n)
	}
}

// entry is one member of a test archive.
type entry struct {
	name string
	body string
	mode int64
	// typ is a tar type flag; 0 means a regular file.
	typ  byte
	link string
}

func tarball(t *testing.T, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		mode := e.mode
		if mode == 0 {
			mode = 0o644
		}
		hdr := &tar.Header{Name: e.name, Typeflag: typ, Mode: mode, Linkname: e.link, Size: int64(len(e.body))}
		if typ != tar.TypeReg {
			hdr.Size = 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if typ == tar.TypeReg {
			tw.Write([]byte(e.body))
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zipball(t *testing.T, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		hdr := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		mode := fs.FileMode(e.mode)
		if mode == 0 {
			mode = 0o644
		}
		body := e.body
		switch e.typ {
		case tar.TypeDir:
			hdr.Name = strings.TrimSuffix(e.name, "/") + "/"
			mode |= fs.ModeDir
		case tar.TypeSymlink:
			mode |= fs.ModeSymlink
			body = e.link
		}
		hdr.SetMode(mode)
		w, err := zw.CreateHeader(hdr)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzipped(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// compressed pipes data through a compression command (bzip2, xz); Go's
// standard library can read these formats but not write them.
func compressed(t *testing.T, command string, data []byte) []byte {
	t.Helper()
	if _, err := exec.LookPath(command); err != nil {
		t.Skipf("%s is not installed", command)
	}
	cmd := exec.Command(command, "-c")
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// bundle is the content every archive format is tested with.
var bundle = []entry{
	{name: "./", typ: tar.TypeDir, mode: 0o755},
	{name: "app/", typ: tar.TypeDir, mode: 0o755},
	{name: "app/bin/run", body: "#!/bin/sh\necho run\n", mode: 0o755},
	{name: "app/README", body: "read me\n", mode: 0o644},
	{name: "app/data/", typ: tar.TypeDir, mode: 0o750},
	{name: "app/current", typ: tar.TypeSymlink, link: "bin/run"},
}

func assertBundle(t *testing.T, sb string) {
	t.Helper()
	assertFile(t, filepath.Join(sb, "app/bin/run"), "#!/bin/sh\necho run\n", 0o755)
	assertFile(t, filepath.Join(sb, "app/README"), "read me\n", 0o644)
	if info, err := os.Stat(filepath.Join(sb, "app/data")); err != nil || !info.IsDir() {
		t.Errorf("app/data: %v, want a directory", err)
	}
	if target, err := os.Readlink(filepath.Join(sb, "app/current")); err != nil || target != "bin/run" {
		t.Errorf("app/current -> %q, %v; want bin/run", target, err)
	}
}

func TestExtractArchives(t *testing.T) {
	plain := tarball(t, bundle)
	tests := []struct {
		name string
		data func(t *testing.T) []byte
	}{
		{"app.tar", func(t *testing.T) []byte { return plain }},
		{"app.tar.gz", func(t *testing.T) []byte { return gzipped(t, plain) }},
		{"app.tgz", func(t *testing.T) []byte { return gzipped(t, plain) }},
		{"app.tar.bz2", func(t *testing.T) []byte { return compressed(t, "bzip2", plain) }},
		{"app.tbz2", func(t *testing.T) []byte { return compressed(t, "bzip2", plain) }},
		{"app.tar.xz", func(t *testing.T) []byte { return compressed(t, "xz", plain) }},
		{"app.txz", func(t *testing.T) []byte { return compressed(t, "xz", plain) }},
		{"app.zip", func(t *testing.T) []byte { return zipball(t, bundle[1:]) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.data(t)
			srv := newServer(t, map[string][]byte{"/" + tt.name: data})
			sb, outside := sandbox(t)
			if err := fetch(t, sb, Options{}, URI{Value: srv.URL + "/" + tt.name, Extract: true}); err != nil {
				t.Fatal(err)
			}
			assertBundle(t, sb)
			// Fetched directly, the archive stays beside its contents.
			if got, _ := os.ReadFile(filepath.Join(sb, tt.name)); !bytes.Equal(got, data) {
				t.Errorf("the archive itself is not in the sandbox")
			}
			assertOnlySandbox(t, outside)
		})
	}
}

func TestExtractSingleGzipFile(t *testing.T) {
	srv := newServer(t, map[string][]byte{"/data.json.gz": gzipped(t, []byte(`{"a":1}`))})
	sb, _ := sandbox(t)
	// Mesos writes the result to the sandbox root whatever the output file's directory.
	err := fetch(t, sb, Options{}, URI{Value: srv.URL + "/data.json.gz", Extract: true, OutputFile: "in/data.json.gz"})
	if err != nil {
		t.Fatal(err)
	}
	assertFile(t, filepath.Join(sb, "data.json"), `{"a":1}`, 0o644)
}

func TestExtractOnlyWhenAsked(t *testing.T) {
	archive := gzipped(t, tarball(t, bundle))
	srv := newServer(t, map[string][]byte{"/app.tgz": archive, "/notes.txt": []byte("n")})
	tests := []struct {
		name string
		uri  URI
		file string
		perm fs.FileMode
	}{
		{"extract unset", URI{Value: srv.URL + "/app.tgz"}, "app.tgz", 0o644},
		{"executable wins over extract", URI{Value: srv.URL + "/app.tgz", Extract: true, Executable: true}, "app.tgz", 0o755},
		{"renamed to a non-archive name", URI{Value: srv.URL + "/app.tgz", Extract: true, OutputFile: "app.bin"}, "app.bin", 0o644},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb, _ := sandbox(t)
			if err := fetch(t, sb, Options{}, tt.uri); err != nil {
				t.Fatal(err)
			}
			assertFile(t, filepath.Join(sb, tt.file), string(archive), tt.perm)
			assertMissing(t, filepath.Join(sb, "app"))
		})
	}
	t.Run("not an archive", func(t *testing.T) {
		sb, _ := sandbox(t)
		if err := fetch(t, sb, Options{}, URI{Value: srv.URL + "/notes.txt", Extract: true}); err != nil {
			t.Fatal(err)
		}
		assertFile(t, filepath.Join(sb, "notes.txt"), "n", 0o644)
	})
}

func TestExtractRefusesToLeaveTheSandbox(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		entries []entry
		zip     bool
		mention string
	}{
		{"tar entry with ..", "evil.tar", []entry{{name: "../evil", body: "x"}}, false, `"../evil"`},
		{"tar entry climbing through a directory", "evil.tar", []entry{{name: "app/../../evil", body: "x"}}, false, "app/../../evil"},
		{"tar entry with absolute path", "evil.tar", []entry{{name: "/tmp/evil", body: "x"}}, false, "/tmp/evil"},
		{"zip entry with ..", "evil.zip", []entry{{name: "../../evil", body: "x"}}, true, "../../evil"},
		{"symlink to absolute path", "evil.tar", []entry{{name: "passwd", typ: tar.TypeSymlink, link: "/etc/passwd"}}, false, "/etc/passwd"},
		{"symlink climbing out", "evil.tar", []entry{{name: "a/up", typ: tar.TypeSymlink, link: "../../evil"}}, false, "../../evil"},
		{"zip symlink climbing out", "evil.zip", []entry{{name: "up", typ: tar.TypeSymlink, link: "../outside"}}, true, "../outside"},
		{"hard link out", "evil.tar", []entry{{name: "h", typ: tar.TypeLink, link: "../evil"}}, false, "../evil"},
		{
			// Each link looks harmless alone; together they climb out:
			// a/b/s -> . makes s/s/../../.. three levels up from a/b.
			"symlinks that escape together", "evil.tar",
			[]entry{
				{name: "a/b/", typ: tar.TypeDir, mode: 0o755},
				{name: "a/b/s", typ: tar.TypeSymlink, link: "."},
				{name: "a/b/l", typ: tar.TypeSymlink, link: "s/s/../../.."},
			},
			false, "a/b/l",
		},
		{
			// A file written through such a link, before the links are
			// checked: the write itself must refuse to leave.
			"file written through links that escape together", "evil.tar",
			[]entry{
				{name: "a/b/", typ: tar.TypeDir, mode: 0o755},
				{name: "a/b/s", typ: tar.TypeSymlink, link: "."},
				{name: "a/b/l", typ: tar.TypeSymlink, link: "s/s/../../.."},
				{name: "a/b/l/evil", body: "x"},
			},
			false, "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(nil)
			if tt.zip {
				data = zipball(t, tt.entries)
			} else {
				data = tarball(t, tt.entries)
			}
			srv := newServer(t, map[string][]byte{"/" + tt.file: data})
			sb, outside := sandbox(t)
			err := fetch(t, sb, Options{}, URI{Value: srv.URL + "/" + tt.file, Extract: true})
			if tt.mention == "" {
				assertFails(t, err, ErrUnsafePath)
			} else {
				assertFails(t, err, ErrUnsafePath, tt.mention)
			}
			assertOnlySandbox(t, outside)
		})
	}
}

func TestExtractDoesNotFollowSandboxSymlinksOut(t *testing.T) {
	sb, outside := sandbox(t)
	elsewhere := t.TempDir()
	if err := os.Symlink(elsewhere, filepath.Join(sb, "out")); err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, map[string][]byte{"/evil.tar": tarball(t, []entry{{name: "out/evil", body: "x"}})})
	err := fetch(t, sb, Options{}, URI{Value: srv.URL + "/evil.tar", Extract: true})
	assertFails(t, err, ErrUnsafePath)
	assertMissing(t, filepath.Join(elsewhere, "evil"))
	assertOnlySandbox(t, outside)
}

func TestExtractLinksInsideTheSandbox(t *testing.T) {
	archive := tarball(t, []entry{
		{name: "lib/libx.so.1", body: "elf", mode: 0o755},
		{name: "lib/libx.so", typ: tar.TypeSymlink, link: "libx.so.1"},
		{name: "lib/libx.hard", typ: tar.TypeLink, link: "lib/libx.so.1"},
		{name: "dangling", typ: tar.TypeSymlink, link: "not-yet"},
		// A later entry replaces an earlier link rather than write through it.
		{name: "lib/libx.so", body: "replaced"},
	})
	srv := newServer(t, map[string][]byte{"/libs.tar": archive})
	sb, _ := sandbox(t)
	if err := fetch(t, sb, Options{}, URI{Value: srv.URL + "/libs.tar", Extract: true}); err != nil {
		t.Fatal(err)
	}
	assertFile(t, filepath.Join(sb, "lib/libx.so.1"), "elf", 0o755)
	assertFile(t, filepath.Join(sb, "lib/libx.hard"), "elf", 0o755)
	assertFile(t, filepath.Join(sb, "lib/libx.so"), "replaced", 0o644)
	if target, err := os.Readlink(filepath.Join(sb, "dangling")); err != nil || target != "not-yet" {
		t.Errorf("dangling -> %q, %v", target, err)
	}
}

func TestExtractErrors(t *testing.T) {
	t.Run("corrupt archive", func(t *testing.T) {
		srv := newServer(t, map[string][]byte{"/bad.tar.gz": []byte("not gzip at all")})
		sb, _ := sandbox(t)
		err := fetch(t, sb, Options{}, URI{Value: srv.URL + "/bad.tar.gz", Extract: true})
		assertFails(t, err, ErrExtract, srv.URL+"/bad.tar.gz")
	})
	t.Run("xz missing", func(t *testing.T) {
		archive := compressed(t, "xz", tarball(t, bundle))
		srv := newServer(t, map[string][]byte{"/app.txz": archive})
		t.Setenv("PATH", t.TempDir())
		sb, _ := sandbox(t)
		err := fetch(t, sb, Options{}, URI{Value: srv.URL + "/app.txz", Extract: true})
		assertFails(t, err, ErrExtract, "needs the xz command")
	})
	t.Run("corrupt xz", func(t *testing.T) {
		if _, err := exec.LookPath("xz"); err != nil {
			t.Skip("xz is not installed")
		}
		srv := newServer(t, map[string][]byte{"/app.tar.xz": []byte("not xz")})
		sb, _ := sandbox(t)
		err := fetch(t, sb, Options{}, URI{Value: srv.URL + "/app.tar.xz", Extract: true})
		assertFails(t, err, ErrExtract)
	})
}

// FuzzExtractTar feeds arbitrary bytes to the tar extractor: whatever the
// archive, nothing may appear outside the sandbox.
func FuzzExtractTar(f *testing.F) {
	f.Add([]byte{})
	for _, entries := range [][]entry{
		bundle,
		{{name: "../evil", body: "x"}},
		{{name: "a/b/s", typ: tar.TypeSymlink, link: "."}, {name: "a/b/l", typ: tar.TypeSymlink, link: "s/s/../../.."}},
		{{name: "up", typ: tar.TypeSymlink, link: ".."}, {name: "up/evil", body: "x"}},
	} {
		var t testing.T
		f.Add(tarball(&t, entries))
	}
	f.Add(sparseBomb(&testing.T{}))
	f.Fuzz(func(t *testing.T, data []byte) {
		src := filepath.Join(t.TempDir(), "in.tar")
		if err := os.WriteFile(src, data, 0o644); err != nil {
			t.Fatal(err)
		}
		sb, outside := sandbox(t)
		// The limit keeps sparse entries that claim exabytes from filling the disk.
		_ = Fetch(context.Background(), []URI{{Value: src, Extract: true}}, sb, Options{Logger: quiet, MaxBytes: 1 << 20})
		assertOnlySandbox(t, outside)
	})
}

// sparseBomb is a 2 KiB tar holding a GNU sparse file (PAX format 1.0)
// that unpacks to a terabyte of zeros. archive/tar writes no sparse files,
// so the PAX header is written as a regular entry and retyped.
func sparseBomb(t *testing.T) []byte {
	record := func(k, v string) string {
		s := " " + k + "=" + v + "\n"
		size := len(s) + 1
		for len(strconv.Itoa(size))+len(s) != size {
			size = len(strconv.Itoa(size)) + len(s)
		}
		return strconv.Itoa(size) + s
	}
	records := record("GNU.sparse.major", "1") + record("GNU.sparse.minor", "0") +
		record("GNU.sparse.name", "big") + record("GNU.sparse.realsize", "1000000000000")
	sparseMap := make([]byte, 512) // one block: no data regions
	copy(sparseMap, "1\n0\n0\n")
	data := tarball(t, []entry{
		{name: "pax", body: records},
		{name: "GNUSparseFile.0/big", body: string(sparseMap)},
	})
	hdr := data[:512]
	hdr[156] = tar.TypeXHeader
	copy(hdr[148:156], "        ") // the checksum counts its own field as spaces
	sum := 0
	for _, c := range hdr {
		sum += int(c)
	}
	copy(hdr[148:156], fmt.Sprintf("%06o\x00 ", sum))
	return data
}

func TestMaxBytes(t *testing.T) {
	zeros := make([]byte, 2<<20)
	srv := newServer(t, map[string][]byte{
		"/sparse.tar": sparseBomb(t),
		"/zeros.tgz":  gzipped(t, tarball(t, []entry{{name: "zeros", body: string(zeros)}})),
		"/zeros.gz":   gzipped(t, zeros),
		"/zeros.zip":  zipball(t, []entry{{name: "zeros", body: string(zeros)}}),
		"/600k":       zeros[:600<<10],
		"/exactly-1m": zeros[:1<<20],
		"/2m":         zeros,
	})
	tests := []struct {
		name string
		uris []URI
	}{
		{"sparse tar entry", []URI{{Value: srv.URL + "/sparse.tar", Extract: true}}},
		{"compressed tar", []URI{{Value: srv.URL + "/zeros.tgz", Extract: true}}},
		{"gzip file", []URI{{Value: srv.URL + "/zeros.gz", Extract: true}}},
		{"zip", []URI{{Value: srv.URL + "/zeros.zip", Extract: true}}},
		{"downloads together", []URI{{Value: srv.URL + "/600k"}, {Value: srv.URL + "/600k", OutputFile: "again"}}},
		{"download into the cache", []URI{{Value: srv.URL + "/2m", Cache: true}}},
		{"extraction from the cache", []URI{{Value: srv.URL + "/zeros.gz", Cache: true, Extract: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb, _ := sandbox(t)
			start := time.Now()
			err := fetch(t, sb, Options{MaxBytes: 1 << 20, CacheDir: t.TempDir()}, tt.uris...)
			assertFails(t, err, ErrTooLarge, strconv.Itoa(1<<20))
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Errorf("took %v to notice", elapsed)
			}
		})
	}
	sb, _ := sandbox(t)
	if err := fetch(t, sb, Options{MaxBytes: 1 << 20}, URI{Value: srv.URL + "/exactly-1m"}); err != nil {
		t.Errorf("a file of exactly MaxBytes: %v", err)
	}
}
