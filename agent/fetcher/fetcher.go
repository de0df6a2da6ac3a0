package fetcher

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Errors from Fetch. Each is wrapped with the URI that failed and why.
var (
	// ErrInvalidURI reports a URI or output file name that cannot be
	// fetched as written.
	ErrInvalidURI = errors.New("fetcher: invalid URI")
	// ErrUnsupportedScheme reports a URI whose scheme agora cannot fetch.
	ErrUnsupportedScheme = errors.New("fetcher: unsupported URI scheme")
	// ErrUnsafePath reports an output file, archive entry or symlink that
	// would reach outside the sandbox.
	ErrUnsafePath = errors.New("fetcher: path escapes the sandbox")
	// ErrDownload reports a failure to download or copy a URI.
	ErrDownload = errors.New("fetcher: download failed")
	// ErrExtract reports an archive that cannot be extracted.
	ErrExtract = errors.New("fetcher: extraction failed")
	// ErrSandbox reports a sandbox that cannot be fetched into.
	ErrSandbox = errors.New("fetcher: bad sandbox")
	// ErrTooLarge reports a fetch that would write more than
	// Options.MaxBytes.
	ErrTooLarge = errors.New("fetcher: size limit exceeded")
)

// DefaultStallTimeout is the agent's --fetcher_stall_timeout default: a
// download that receives nothing for this long is abandoned.
const DefaultStallTimeout = time.Minute

// URI is one resource to fetch into a sandbox, Mesos's CommandInfo.URI.
type URI struct {
	// Value is an http, https or file URI, or a local path. A relative
	// path is taken from Options.FrameworksHome.
	Value string
	// Executable makes the fetched file executable (mode 0755). It wins
	// over Extract: an executable is never extracted.
	Executable bool
	// Extract unpacks a recognised archive into the sandbox (see Fetch).
	// Note that in Mesos's protobuf extract defaults to true; whoever
	// converts a CommandInfo.URI must carry that default over.
	Extract bool
	// OutputFile names the fetched file, relative to the sandbox; it may
	// hold directories, which are created. Empty means the last segment of
	// the URI's path.
	OutputFile string
	// Cache fetches the URI through Options.CacheDir: it is downloaded once
	// and later fetches copy it from there. Without a CacheDir the URI is
	// fetched directly, as Mesos falls back to when its cache is unusable.
	Cache bool
}

// Options tune Fetch. The zero value works.
type Options struct {
	// HTTPClient downloads http and https URIs; nil means a client with
	// Go's default transport (which honours HTTP_PROXY, HTTPS_PROXY and
	// NO_PROXY, as Mesos's libcurl honours their lower-case forms).
	HTTPClient *http.Client
	// StallTimeout abandons a download that receives no data for this long
	// (Mesos's --fetcher_stall_timeout). Zero means DefaultStallTimeout.
	// Bound a whole fetch with the context instead.
	StallTimeout time.Duration
	// FrameworksHome is prepended to relative local paths (Mesos's
	// --frameworks_home). Empty makes relative paths an error.
	FrameworksHome string
	// CacheDir holds downloads of URIs with Cache set, named by a hash of
	// the URI. Fetch never evicts: whoever owns the directory clears it
	// (Mesos empties its cache when the agent starts).
	CacheDir string
	// MaxBytes caps what one Fetch writes into the sandbox, downloads and
	// extracted files together (and each download into the cache); zero
	// means no limit. Pass the task's disk resource: an archive that
	// unpacks to far more than it weighs (a compression bomb, or a sparse
	// tar entry claiming exabytes) then fails the fetch with ErrTooLarge
	// instead of filling the agent's disk. Mesos has no such limit; its
	// disk isolator kills the task afterwards.
	MaxBytes int64
	// Logger receives progress; nil means slog.Default().
	Logger *slog.Logger
}

// Fetch fetches uris into sandbox one after the other, as Mesos's fetcher
// does before a task starts, and stops at the first failure (the task then
// fails to launch). The sandbox must exist.
//
// For each URI Fetch downloads (http, https) or copies (file://, local
// paths) the resource to the sandbox under OutputFile or the URI's last
// path segment (the query and fragment of an http URI are not part of the
// name). Then, if Executable, it makes the file mode 0755; else if Extract
// and the name ends in .tar, .tar.gz, .tgz, .tar.bz2, .tbz2, .tar.xz,
// .txz or .zip, it unpacks the archive into the sandbox, keeping the
// archive beside its contents; a name ending in .gz alone is decompressed
// to the name without .gz. Extract on any other name only logs a warning,
// as in Mesos. A URI fetched through the cache leaves only the extracted
// files when extracted.
//
// Nothing is ever written outside the sandbox: output files, archive
// entries and hard links must be relative paths that stay inside it,
// symlinks in archives must point inside it, and writes never follow a
// symlink out. Tar archives are read with archive/tar (and compress/gzip,
// compress/bzip2); .tar.xz and .txz need the xz command on the agent's
// PATH, since Go's standard library has no xz decoder.
func Fetch(ctx context.Context, uris []URI, sandbox string, opts Options) error {
	f := newFetcher(opts)
	info, err := os.Stat(sandbox)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSandbox, err)
	}
	if !info.IsDir() {
		return fmt.Errorf("%w: %s is not a directory", ErrSandbox, sandbox)
	}
	root, err := os.OpenRoot(sandbox)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSandbox, err)
	}
	defer root.Close()
	// os.Root reports a path that leads out of it with an error os does
	// not export; provoke one to recognise it.
	_, probe := root.Lstat("..")
	var pathErr *fs.PathError
	if errors.As(probe, &pathErr) {
		f.escapes = pathErr.Err
	}

	for _, uri := range uris {
		start := time.Now()
		name, err := f.fetch(ctx, root, uri)
		if err != nil {
			f.log.Warn("fetch failed", "uri", redact(uri.Value), "sandbox", sandbox, "err", err)
			return err
		}
		f.log.Info("fetched", "uri", redact(uri.Value), "sandbox", sandbox, "file", name,
			"executable", uri.Executable, "extract", uri.Extract, "took", time.Since(start).Round(time.Millisecond))
	}
	return nil
}

type fetcher struct {
	opts   Options
	client *http.Client
	stall  time.Duration
	log    *slog.Logger
	// escapes is os.Root's error for a path that leads out of the sandbox.
	escapes error
	// written counts the bytes written into the sandbox, against MaxBytes.
	written int64
}

func newFetcher(opts Options) *fetcher {
	f := &fetcher{opts: opts, client: opts.HTTPClient, stall: opts.StallTimeout, log: opts.Logger}
	if f.client == nil {
		f.client = &http.Client{}
	}
	if f.stall <= 0 {
		f.stall = DefaultStallTimeout
	}
	if f.log == nil {
		f.log = slog.Default()
	}
	return f
}

// failure classifies an error raised deep inside a step, so that fetch can
// put the sentinel first and the URI after it.
type failure struct {
	kind error
	err  error
}

func (e *failure) Error() string { return e.err.Error() }
func (e *failure) Unwrap() error { return e.err }

func fail(kind error, format string, args ...any) error {
	return &failure{kind: kind, err: fmt.Errorf(format, args...)}
}

// classify turns a failed filesystem operation in the sandbox into an
// ErrUnsafePath if os.Root refused to leave the sandbox, else into kind.
func (f *fetcher) classify(kind, err error) error {
	var known *failure
	if errors.As(err, &known) {
		return err
	}
	if f.escapes != nil && errors.Is(err, f.escapes) {
		kind = ErrUnsafePath
	}
	return &failure{kind: kind, err: err}
}

// fetch fetches one URI and returns the name it was stored under.
func (f *fetcher) fetch(ctx context.Context, root *os.Root, uri URI) (string, error) {
	name, err := f.fetchURI(ctx, root, uri)
	if err != nil {
		kind := ErrDownload
		var known *failure
		if errors.As(err, &known) {
			kind, err = known.kind, known.err
		}
		return "", fmt.Errorf("%w: %q: %w", kind, redact(uri.Value), err)
	}
	return name, nil
}

func (f *fetcher) fetchURI(ctx context.Context, root *os.Root, uri URI) (string, error) {
	value := strings.TrimLeft(uri.Value, " \t\r\n") // Mesos trims leading whitespace
	if value == "" {
		return "", fail(ErrInvalidURI, "the URI is empty")
	}
	if strings.ContainsRune(value, 0) {
		return "", fail(ErrInvalidURI, "the URI contains a NUL byte")
	}
	src, err := locate(value, f.opts.FrameworksHome)
	if err != nil {
		return "", err
	}
	name, err := outputName(uri.OutputFile, src)
	if err != nil {
		return "", err
	}
	if dir := filepath.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return "", f.classify(ErrDownload, err)
		}
	}
	kind := archiveKindOf(name)
	extract := uri.Extract && !uri.Executable && kind != notArchive
	if uri.Extract && !uri.Executable && kind == notArchive {
		f.log.Warn("copying instead of extracting: not a recognised archive",
			"uri", redact(uri.Value), "file", name)
	}

	if uri.Cache && f.opts.CacheDir != "" {
		cached, err := f.cache(ctx, value, src)
		if err != nil {
			return "", err
		}
		archive, err := os.Open(cached)
		if err != nil {
			return "", fail(ErrDownload, "open cached copy: %w", err)
		}
		defer archive.Close()
		if extract {
			return name, f.extract(ctx, root, archive, kind, name)
		}
		info, err := archive.Stat()
		if err != nil {
			return "", fail(ErrDownload, "%w", err)
		}
		if err := f.write(root, name, contextReader(ctx, archive), info.Mode().Perm()); err != nil {
			return "", err
		}
	} else {
		if err := f.download(ctx, root, name, src); err != nil {
			return "", err
		}
		if extract {
			archive, err := root.Open(name)
			if err != nil {
				return "", f.classify(ErrExtract, err)
			}
			defer archive.Close()
			return name, f.extract(ctx, root, archive, kind, name)
		}
	}
	if uri.Executable {
		// rwxr-xr-x, Mesos's chmodExecutable.
		if err := root.Chmod(name, 0o755); err != nil {
			return "", f.classify(ErrDownload, err)
		}
	}
	return name, nil
}

// source is where a URI's bytes come from: url for http and https, path
// for local files.
type source struct {
	url  *url.URL
	path string
}

// locate classifies a URI as Mesos's fetcher does: a value with "://" is a
// URI (file:// names a local file), anything else is a local path.
func locate(value, frameworksHome string) (source, error) {
	scheme, rest, isURI := strings.Cut(value, "://")
	if !isURI {
		p := value
		if !filepath.IsAbs(p) {
			if frameworksHome == "" {
				return source{}, fail(ErrInvalidURI,
					"relative path given but the agent has no frameworks home; use an absolute path or a URI, or set --frameworks_home")
			}
			p = filepath.Join(frameworksHome, p)
		}
		return source{path: p}, nil
	}
	switch strings.ToLower(scheme) {
	case "http", "https":
		u, err := url.Parse(value)
		if err != nil {
			return source{}, fail(ErrInvalidURI, "%w", err)
		}
		if u.Host == "" {
			return source{}, fail(ErrInvalidURI, "no host")
		}
		return source{url: u}, nil
	case "file":
		// Like Mesos, the rest is a path as written (no percent-decoding),
		// with an optional "localhost" host.
		p := strings.TrimPrefix(rest, "localhost")
		if !filepath.IsAbs(p) {
			return source{}, fail(ErrInvalidURI, "a file URI needs an absolute path: file:///path or file://localhost/path")
		}
		return source{path: p}, nil
	default:
		return source{}, fail(ErrUnsupportedScheme,
			"scheme %q: agora fetches http, https and file URIs and local paths", scheme)
	}
}

// outputName is the sandbox-relative name a URI is stored under.
func outputName(outputFile string, src source) (string, error) {
	if outputFile != "" {
		name, err := sandboxName(outputFile, "output_file")
		if err == nil && name == "." {
			err = fail(ErrInvalidURI, "output_file %q names the sandbox itself, not a file in it", outputFile)
		}
		return name, err
	}
	var base string
	if src.url != nil {
		// The last segment as written (escaped), without query or fragment.
		p := src.url.EscapedPath()
		if p == "" || strings.HasSuffix(p, "/") {
			return "", fail(ErrInvalidURI, "the URI names no file; set output_file")
		}
		base = path.Base(p)
	} else {
		if strings.HasSuffix(src.path, "/") {
			return "", fail(ErrInvalidURI, "the path names a directory, not a file")
		}
		base = filepath.Base(src.path)
	}
	if base == "." || base == ".." || base == "/" {
		return "", fail(ErrInvalidURI, "the URI names no file; set output_file")
	}
	return base, nil
}

// sandboxName checks a name taken from a framework or an archive: it must
// be a relative path that stays inside the sandbox. It returns it cleaned.
func sandboxName(name, what string) (string, error) {
	if strings.ContainsRune(name, 0) {
		return "", fail(ErrInvalidURI, "%s %q contains a NUL byte", what, name)
	}
	if filepath.IsAbs(name) {
		return "", fail(ErrUnsafePath, "%s %q is absolute; it must be a path relative to the sandbox", what, name)
	}
	clean := filepath.Clean(name)
	if !filepath.IsLocal(clean) {
		return "", fail(ErrUnsafePath, "%s %q leads out of the sandbox", what, name)
	}
	return clean, nil
}

// download stores src in the sandbox as name.
func (f *fetcher) download(ctx context.Context, root *os.Root, name string, src source) error {
	if src.url != nil {
		r, err := f.get(ctx, src.url)
		if err != nil {
			return err
		}
		defer r.Close()
		return f.write(root, name, r, 0o644)
	}
	r, perm, err := openLocal(src.path)
	if err != nil {
		return err
	}
	defer r.Close()
	// Keep the source's permissions, as Mesos's cp does.
	return f.write(root, name, contextReader(ctx, r), perm)
}

// write stores r in the sandbox as name with mode perm, replacing what was
// there. On failure it removes the partial file.
func (f *fetcher) write(root *os.Root, name string, r io.Reader, perm fs.FileMode) error {
	dst, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return f.classify(ErrDownload, err)
	}
	_, err = io.Copy(dst, f.limit(r, &f.written))
	if err == nil {
		err = dst.Chmod(perm)
	}
	if closeErr := closeBeforeExec(dst); err == nil {
		err = closeErr
	}
	if err != nil {
		_ = root.Remove(name)
		return f.classify(ErrDownload, err)
	}
	return nil
}

func openLocal(p string) (*os.File, fs.FileMode, error) {
	file, err := os.Open(p)
	if err != nil {
		return nil, 0, fail(ErrDownload, "%w", err)
	}
	info, err := file.Stat()
	if err != nil {
		file.Close()
		return nil, 0, fail(ErrDownload, "%w", err)
	}
	if !info.Mode().IsRegular() {
		file.Close()
		return nil, 0, fail(ErrDownload, "%s is not a regular file", p)
	}
	return file, info.Mode().Perm(), nil
}

// errStalled is the cause of a download cancelled by the stall timeout.
var errStalled = errors.New("stalled")

// get starts an HTTP download. The body it returns stops with an error if
// no data arrives for the stall timeout, and must be closed.
func (f *fetcher) get(ctx context.Context, u *url.URL) (io.ReadCloser, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	stall := time.AfterFunc(f.stall, func() { cancel(errStalled) })
	stop := func() {
		stall.Stop()
		cancel(nil)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		stop()
		return nil, fail(ErrInvalidURI, "%w", err)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		stop()
		return nil, fail(ErrDownload, "%w", f.stalled(ctx, err))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		resp.Body.Close()
		stop()
		return nil, fail(ErrDownload, "the server answered %s", resp.Status)
	}
	return &stallingBody{ctx: ctx, f: f, body: resp.Body, stall: stall, stop: stop}, nil
}

// stalled explains an error caused by the stall timeout.
func (f *fetcher) stalled(ctx context.Context, err error) error {
	if errors.Is(context.Cause(ctx), errStalled) {
		return fmt.Errorf("no data received for %v (stall timeout)", f.stall)
	}
	return err
}

// stallingBody is an HTTP response body that re-arms the stall timer whenever
// data arrives.
type stallingBody struct {
	ctx   context.Context
	f     *fetcher
	body  io.ReadCloser
	stall *time.Timer
	stop  func()
}

func (d *stallingBody) Read(p []byte) (int, error) {
	n, err := d.body.Read(p)
	if n > 0 {
		d.stall.Reset(d.f.stall)
	}
	if err != nil && err != io.EOF {
		err = fail(ErrDownload, "%w", d.f.stalled(d.ctx, err))
	}
	return n, err
}

func (d *stallingBody) Close() error {
	d.stop()
	return d.body.Close()
}

// cache returns the path of value's copy in the cache directory,
// downloading it first if it is not there.
func (f *fetcher) cache(ctx context.Context, value string, src source) (string, error) {
	sum := sha256.Sum256([]byte(value))
	key := hex.EncodeToString(sum[:])
	cached := filepath.Join(f.opts.CacheDir, key)
	if _, err := os.Stat(cached); err == nil {
		f.log.Debug("fetching from cache", "uri", redact(value), "cached", cached)
		return cached, nil
	}
	if err := os.MkdirAll(f.opts.CacheDir, 0o755); err != nil {
		return "", fail(ErrDownload, "cache: %w", err)
	}
	// Download beside the final name and rename: concurrent fetches of the
	// same URI never see a partial file, and the last one to finish wins.
	tmp, err := os.CreateTemp(f.opts.CacheDir, key+".*.partial")
	if err != nil {
		return "", fail(ErrDownload, "cache: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	var (
		r    io.ReadCloser
		perm fs.FileMode = 0o644
	)
	if src.url != nil {
		r, err = f.get(ctx, src.url)
	} else {
		r, perm, err = openLocal(src.path)
	}
	if err != nil {
		tmp.Close()
		return "", err
	}
	var downloaded int64
	_, err = io.Copy(tmp, f.limit(contextReader(ctx, r), &downloaded))
	r.Close()
	if err == nil {
		err = tmp.Chmod(perm)
	}
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), cached)
	}
	if err != nil {
		return "", f.classify(ErrDownload, err)
	}
	f.log.Debug("cached", "uri", redact(value), "cached", cached)
	return cached, nil
}

// limit counts what is read from r into *count and fails with ErrTooLarge
// once the count passes MaxBytes.
func (f *fetcher) limit(r io.Reader, count *int64) io.Reader {
	if f.opts.MaxBytes <= 0 {
		return r
	}
	return readerFunc(func(p []byte) (int, error) {
		if err := f.reserve(count, 0); err != nil {
			return 0, err
		}
		if left := f.opts.MaxBytes - *count + 1; int64(len(p)) > left {
			p = p[:left] // read one byte past the limit at most
		}
		n, err := r.Read(p)
		if limitErr := f.reserve(count, int64(n)); limitErr != nil {
			return n, limitErr
		}
		return n, err
	})
}

// reserve adds n bytes to *count, failing if that passes MaxBytes.
func (f *fetcher) reserve(count *int64, n int64) error {
	*count += n
	if f.opts.MaxBytes > 0 && *count > f.opts.MaxBytes {
		return fail(ErrTooLarge, "more than %d bytes", f.opts.MaxBytes)
	}
	return nil
}

// redact hides the password of a URI with user information, for errors
// and logs.
func redact(value string) string {
	if !strings.Contains(value, "://") {
		return value
	}
	u, err := url.Parse(value)
	if err != nil || u.User == nil {
		return value
	}
	return u.Redacted()
}

// contextReader stops reading once ctx is done.
func contextReader(ctx context.Context, r io.Reader) io.Reader {
	return readerFunc(func(p []byte) (int, error) {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		return r.Read(p)
	})
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// closeBeforeExec closes a file the agent has written and may execute soon
// (an executor binary, a script from an archive). A child the agent forks
// while the file is open for writing inherits the descriptor until it execs
// its own program, and Linux refuses to execute a file open for writing
// anywhere ("Text file busy", golang/go#22315). Closing under the write side
// of syscall.ForkLock waits for any fork in progress: Go forks with
// CLONE_VFORK on Linux, so a child forked before that point has already
// exec'd (dropping its close-on-exec copy), and none is forked while the
// descriptor is being closed. The lock is held only for the close, so
// launches never wait for a download.
func closeBeforeExec(f *os.File) error {
	syscall.ForkLock.Lock()
	defer syscall.ForkLock.Unlock()
	return f.Close()
}
