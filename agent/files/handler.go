package files

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"os"
	"os/user"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// maxReadPages caps one /files/read at 16 pages, as Mesos does.
const maxReadPages = 16

// Handler serves /files/browse, /files/read, /files/download and
// /files/debug (a ".json" suffix is accepted too, as older Mesos web UIs
// ask for it). Mount it on "/files/".
type Handler struct {
	// Table returns what may be reached; it is called on every request
	// with the requested path, normalised (repeated and trailing slashes
	// dropped), so that it may return only the entries that could hold
	// it; path is "" for /files/debug, which lists everything. An error
	// (the agent is stopping) answers 503.
	Table func(ctx context.Context, path string) (Table, error)
	// Logger receives a line per refused request; nil means slog.Default().
	Logger *slog.Logger
}

var _ http.Handler = (*Handler)(nil)

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	endpoint := path.Base(r.URL.Path)
	if ext := path.Ext(endpoint); ext == ".json" {
		endpoint = endpoint[:len(endpoint)-len(ext)]
	}
	switch endpoint {
	case "browse", "read", "download", "debug":
	default:
		http.NotFound(w, r)
		return
	}
	query := r.URL.Query()
	requested := ""
	if endpoint != "debug" {
		requested = normalize(query.Get("path"))
	}
	table, err := h.Table(r.Context(), requested)
	if err != nil {
		writeText(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	if callback := query.Get("jsonp"); callback != "" && !validCallback(callback) {
		writeText(w, http.StatusBadRequest, "Expecting 'jsonp' to be a JavaScript function name")
		return
	}
	switch endpoint {
	case "browse":
		h.browse(w, r, table, query)
	case "read":
		h.read(w, r, table, query)
	case "download":
		h.download(w, r, table, query)
	case "debug":
		writeJSON(w, query.Get("jsonp"), map[string]string(table))
	}
}

// FileInfo is one entry of /files/browse, Mesos's model of its FileInfo
// message.
type FileInfo struct {
	Path  string `json:"path"`
	Nlink uint64 `json:"nlink"`
	Size  int64  `json:"size"`
	// Mtime is in seconds since the epoch.
	Mtime int64 `json:"mtime"`
	// Mode is written like ls -l: "drwxr-xr-x".
	Mode string `json:"mode"`
	UID  string `json:"uid"`
	GID  string `json:"gid"`
}

// ReadResult is the body of /files/read.
type ReadResult struct {
	Data   string `json:"data"`
	Offset int64  `json:"offset"`
}

// ReadQuery is a decoded /files/read query.
type ReadQuery struct {
	Path string
	// Offset is where to read from; -1 (the default, as in Mesos) asks
	// only for the file's size.
	Offset int64
	// Length is how much to read; -1 (the default) reads to the end, up
	// to the read cap.
	Length int64
}

// ParsePath returns the required path parameter.
func ParsePath(q url.Values) (string, error) {
	p := q.Get("path")
	if p == "" {
		return "", fmt.Errorf("%w: Expecting 'path=value' in query.", ErrInvalid)
	}
	return p, nil
}

// ParseReadQuery decodes /files/read's path, offset and length with
// Mesos's rules and messages: offset and length are integers, -1 or
// more.
func ParseReadQuery(q url.Values) (ReadQuery, error) {
	p, err := ParsePath(q)
	if err != nil {
		return ReadQuery{}, err
	}
	out := ReadQuery{Path: p, Offset: -1, Length: -1}
	for _, param := range []struct {
		name string
		dst  *int64
	}{{"offset", &out.Offset}, {"length", &out.Length}} {
		if !q.Has(param.name) {
			continue
		}
		v, err := strconv.ParseInt(q.Get(param.name), 10, 64)
		if err != nil {
			return ReadQuery{}, fmt.Errorf("%w: Failed to parse %s: %v.", ErrInvalid, param.name, err)
		}
		if v < -1 {
			return ReadQuery{}, fmt.Errorf("%w: Negative %s provided: %d.", ErrInvalid, param.name, v)
		}
		*param.dst = v
	}
	return out, nil
}

func (h *Handler) browse(w http.ResponseWriter, r *http.Request, table Table, q url.Values) {
	requested, err := ParsePath(q)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res, err := table.Resolve(requested)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	root, err := os.OpenRoot(res.Root)
	if err != nil {
		h.fail(w, r, openError(err))
		return
	}
	defer root.Close()
	listing, err := list(root, res.Rel, normalize(requested))
	if err != nil {
		h.fail(w, r, openError(err))
		return
	}
	writeJSON(w, q.Get("jsonp"), listing)
}

// list is the listing of dir (relative to root), each entry named
// virtual/<name>, sorted by name. A directory that cannot be listed (a
// file, say) lists as empty, as in Mesos.
func list(root *os.Root, dir, virtual string) ([]FileInfo, error) {
	listing := []FileInfo{}
	f, err := root.Open(dir)
	if err != nil {
		return nil, err
	}
	entries, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		return listing, nil
	}
	names := newNameCache()
	for _, e := range entries {
		rel := filepath.Join(dir, e.Name())
		// Mesos stats (follows) each entry; a link the root will not
		// follow (it leads outside, or is absolute) is shown as itself.
		// A dangling link is left out, as Mesos leaves out what it cannot
		// stat.
		info, err := root.Stat(rel)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			if info, err = root.Lstat(rel); err != nil {
				continue
			}
		}
		listing = append(listing, fileInfo(strings.TrimSuffix(virtual, "/")+"/"+e.Name(), info, names))
	}
	sort.Slice(listing, func(i, j int) bool { return listing[i].Path < listing[j].Path })
	return listing, nil
}

func fileInfo(virtual string, info fs.FileInfo, names *nameCache) FileInfo {
	out := FileInfo{Path: virtual, Size: info.Size(), Mtime: info.ModTime().Unix(), Mode: modeString(info.Mode())}
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		out.Nlink = uint64(st.Nlink)
		out.UID = names.user(st.Uid)
		out.GID = names.group(st.Gid)
	}
	return out
}

// modeString writes a mode as Mesos does: a type letter and the nine
// permission bits, "drwxr-x---".
func modeString(m fs.FileMode) string {
	b := []byte("----------")
	switch {
	case m.IsDir():
		b[0] = 'd'
	case m&fs.ModeSymlink != 0:
		b[0] = 'l'
	case m&fs.ModeNamedPipe != 0:
		b[0] = 'p'
	case m&fs.ModeSocket != 0:
		b[0] = 's'
	case m&fs.ModeCharDevice != 0:
		b[0] = 'c'
	case m&fs.ModeDevice != 0:
		b[0] = 'b'
	}
	const rwx = "rwxrwxrwx"
	for i := range 9 {
		if m&(1<<uint(8-i)) != 0 {
			b[i+1] = rwx[i]
		}
	}
	return string(b)
}

// nameCache looks up user and group names once per listing.
type nameCache struct{ users, groups map[uint32]string }

func newNameCache() *nameCache {
	return &nameCache{users: map[uint32]string{}, groups: map[uint32]string{}}
}

func (c *nameCache) user(uid uint32) string {
	if name, ok := c.users[uid]; ok {
		return name
	}
	name := strconv.FormatUint(uint64(uid), 10)
	if u, err := user.LookupId(name); err == nil {
		name = u.Username
	}
	c.users[uid] = name
	return name
}

func (c *nameCache) group(gid uint32) string {
	if name, ok := c.groups[gid]; ok {
		return name
	}
	name := strconv.FormatUint(uint64(gid), 10)
	if g, err := user.LookupGroupId(name); err == nil {
		name = g.Name
	}
	c.groups[gid] = name
	return name
}

func (h *Handler) read(w http.ResponseWriter, r *http.Request, table Table, q url.Values) {
	req, err := ParseReadQuery(q)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res, err := table.Resolve(req.Path)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f, err := openFile(res, "read")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		h.fail(w, r, fmt.Errorf("files: stat %s: %w", req.Path, err))
		return
	}
	start, n, offset := ReadWindow(info.Size(), req.Offset, req.Length, maxReadPages*os.Getpagesize())
	data := make([]byte, n)
	got, err := f.ReadAt(data, start)
	if err != nil && !errors.Is(err, io.EOF) {
		h.fail(w, r, fmt.Errorf("files: read %s: %w", req.Path, err))
		return
	}
	writeJSON(w, q.Get("jsonp"), ReadResult{Data: string(data[:got]), Offset: offset})
}

// ReadWindow is what /files/read reads of a file of the given size, as
// Mesos decides it: offset -1 asks only for the size, which comes back as
// the offset, with no data; an offset at or past the end reads nothing;
// otherwise up to length bytes from offset (to the end if length is -1),
// never more than max. It returns where to read, how much, and the
// offset to answer with.
func ReadWindow(size, offset, length int64, max int) (start, n, answer int64) {
	if offset == -1 {
		return 0, 0, size
	}
	if offset >= size {
		return offset, 0, offset
	}
	n = size - offset
	if length >= 0 {
		n = min(n, length)
	}
	return offset, min(n, int64(max)), offset
}

func (h *Handler) download(w http.ResponseWriter, r *http.Request, table Table, q url.Values) {
	requested, err := ParsePath(q)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res, err := table.Resolve(requested)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f, err := openFile(res, "download")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		h.fail(w, r, fmt.Errorf("files: stat %s: %w", requested, err))
		return
	}
	name := filepath.Base(res.Path())
	contentType := "application/octet-stream"
	if t := mime.TypeByExtension(filepath.Ext(name)); t != "" {
		contentType = t
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", "attachment; filename="+name)
	// ServeContent streams the file (and honours Range requests).
	http.ServeContent(w, r, name, info.ModTime(), f)
}

// openFile opens a resolved file through an os.Root on its directory, so
// that nothing swapped in since Resolve leads outside. Directories cannot
// be read or downloaded.
func openFile(res Resolved, verb string) (*os.File, error) {
	root, err := os.OpenRoot(res.Root)
	if err != nil {
		return nil, openError(err)
	}
	defer root.Close()
	f, err := root.Open(res.Rel)
	if err != nil {
		return nil, openError(err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, openError(err)
	}
	if info.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%w: Cannot %s a directory.", ErrInvalid, verb)
	}
	return f, nil
}

// openError classifies an error from opening a file that Resolve found:
// gone meanwhile is 404; a link changed to lead outside is refused.
func openError(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %v", ErrNotFound, err)
	}
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("files: %w", err) // the agent may not read it: 500, as in Mesos
	}
	// os.Root refuses a path that leads outside (a link changed since
	// Resolve).
	return fmt.Errorf("%w: %v", ErrInaccessible, err)
}

// fail answers a refused request with Mesos's status code for it.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, ErrInvalid), errors.Is(err, ErrInaccessible):
		status = http.StatusBadRequest
	}
	log := h.Logger
	if log == nil {
		log = slog.Default()
	}
	log.Info("files request refused", "path", r.URL.Path, "query", r.URL.RawQuery, "status", status, "err", err)
	message := ""
	if status != http.StatusNotFound {
		message = errorMessage(err)
	}
	writeText(w, status, message)
}

// errorMessage is what the client reads: the part after our sentinel's
// prefix, which is Mesos's message.
func errorMessage(err error) string {
	msg := err.Error()
	for _, sentinel := range []error{ErrInvalid, ErrInaccessible} {
		if prefix := sentinel.Error() + ": "; len(msg) > len(prefix) && msg[:len(prefix)] == prefix {
			return msg[len(prefix):]
		}
	}
	return msg
}

func writeText(w http.ResponseWriter, status int, message string) {
	if message != "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	w.WriteHeader(status)
	if message != "" {
		io.WriteString(w, message+"\n")
	}
}

// validCallback accepts JSONP callbacks made of name characters and dots
// ("jQuery123_456", "app.cb"); nothing else is echoed into a script.
func validCallback(s string) bool {
	if len(s) > 128 {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c == '$' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// writeJSON answers 200 with v as JSON, or as a JSONP call of callback
// when one is given, as libprocess's OK(json, jsonp) does.
func writeJSON(w http.ResponseWriter, callback string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		writeText(w, http.StatusInternalServerError, err.Error())
		return
	}
	if callback != "" {
		w.Header().Set("Content-Type", "text/javascript")
		body = append(append([]byte(callback+"("), body...), ");"...)
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}
