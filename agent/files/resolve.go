package files

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"
)

// Errors from Resolve, and what the handler answers for each.
var (
	// ErrNotFound: nothing in the table has that path (404).
	ErrNotFound = errors.New("files: no such file or directory")
	// ErrInaccessible: the path leads outside the sandbox that holds it,
	// through ".." or a symbolic link (400, as Mesos answers).
	ErrInaccessible = errors.New("files: path is inaccessible")
	// ErrInvalid: the request cannot be served as asked (400).
	ErrInvalid = errors.New("files: invalid request")
)

// Table maps virtual paths to the directories they expose. Keys are
// absolute, slash-separated paths without a trailing slash; values are
// directories on this machine. A Table is read, never changed, once
// handed to Resolve or a Handler.
type Table map[string]string

// Add exposes dir under virtual, normalised as Mesos normalises what it
// attaches (no trailing slash, repeated slashes collapsed).
func (t Table) Add(virtual, dir string) {
	t[normalize(virtual)] = dir
}

// Resolved is a requested path resolved inside the directory that
// exposes it.
type Resolved struct {
	// Root is the directory, with every symbolic link resolved.
	Root string
	// Rel is the file, relative to Root, with every symbolic link
	// resolved ("." for Root itself).
	Rel string
}

// Path is the resolved file's full path.
func (r Resolved) Path() string { return filepath.Join(r.Root, r.Rel) }

// Resolve finds the file a requested path names, as Mesos's
// FilesProcess::resolve does: the longest virtual path in the table that
// is a prefix of path (component by component) names a directory; the
// rest of path is looked up in it, following symbolic links. The result
// must stay inside that directory: a path that leaves it through ".." or
// a link is ErrInaccessible, one that names nothing ErrNotFound.
func (t Table) Resolve(path string) (Resolved, error) {
	dir, suffix, ok := t.lookup(path)
	if !ok {
		return Resolved{}, ErrNotFound
	}
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return Resolved{}, fmt.Errorf("%w: %s", ErrNotFound, path)
	}
	if suffix == "" {
		return Resolved{Root: root, Rel: "."}, nil
	}
	// Joined without cleaning, so that "link/.." climbs from where the
	// link points, as the kernel (and Mesos's realpath) would.
	real, err := filepath.EvalSymlinks(root + "/" + suffix)
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		return Resolved{}, fmt.Errorf("%w: %s", ErrNotFound, path)
	case err != nil:
		return Resolved{}, fmt.Errorf("%w: cannot resolve %q: %v", ErrInvalid, path, err)
	}
	rel, err := filepath.Rel(root, real)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") || filepath.IsAbs(rel) {
		return Resolved{}, fmt.Errorf("%w: '%s' is inaccessible", ErrInaccessible, path)
	}
	return Resolved{Root: root, Rel: rel}, nil
}

// lookup is the pure part of Resolve: the directory of the longest
// virtual path that prefixes path, and the rest of path ("" if path is
// that virtual path). Components are compared literally: "." and ".."
// are never part of a key, so they end up in the suffix, to be resolved
// inside the directory.
func (t Table) lookup(path string) (dir, suffix string, ok bool) {
	path = normalize(path)
	prefix := path
	for {
		if dir, ok := t[prefix]; ok {
			return dir, strings.TrimPrefix(strings.TrimPrefix(path, prefix), "/"), true
		}
		i := strings.LastIndexByte(prefix, '/')
		if i <= 0 {
			if prefix != "/" && strings.HasPrefix(prefix, "/") {
				prefix = "/"
				continue
			}
			return "", "", false
		}
		prefix = prefix[:i]
	}
}

// normalize collapses repeated slashes and drops a trailing one, leaving
// "." and ".." alone (they are resolved against the file system, not
// lexically). It also drops Mesos's optional "file://" prefix
// (stout's path::from_uri).
func normalize(path string) string {
	path = strings.TrimPrefix(path, "file://")
	out := make([]byte, 0, len(path))
	for i := 0; i < len(path); i++ {
		if path[i] == '/' && len(out) > 0 && out[len(out)-1] == '/' {
			continue
		}
		out = append(out, path[i])
	}
	if len(out) > 1 && out[len(out)-1] == '/' {
		out = out[:len(out)-1]
	}
	return string(out)
}
