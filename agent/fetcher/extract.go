package fetcher

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// archiveKind is the format a file name announces.
type archiveKind int

const (
	notArchive archiveKind = iota
	kindTar
	kindTarGzip
	kindTarBzip2
	kindTarXz
	kindZip
	// kindGzip is a single gzip-compressed file, not an archive.
	kindGzip
)

// archiveKindOf recognises the extensions Mesos's fetcher extracts, in the
// order it tests them (src/launcher/fetcher.cpp): tar formats before the
// bare .gz they may end with. Like Mesos's, the test is case-sensitive.
func archiveKindOf(name string) archiveKind {
	has := func(suffixes ...string) bool {
		for _, s := range suffixes {
			if strings.HasSuffix(name, s) {
				return true
			}
		}
		return false
	}
	switch {
	case has(".tar"):
		return kindTar
	case has(".tgz", ".tar.gz"):
		return kindTarGzip
	case has(".tbz2", ".tar.bz2"):
		return kindTarBzip2
	case has(".txz", ".tar.xz"):
		return kindTarXz
	case has(".zip"):
		return kindZip
	case has(".gz"):
		return kindGzip
	}
	return notArchive
}

// typeRegA is the pre-POSIX tar type of a regular file (tar.TypeRegA,
// deprecated in archive/tar but still found in old archives).
const typeRegA = '\x00'

// maxSymlinkTarget bounds the target a zip entry may declare.
const maxSymlinkTarget = 4096

// extractor unpacks one archive into the sandbox. Every write goes through
// the sandbox's os.Root, which refuses to follow a symlink out of it; names
// are checked before use so that a bad archive fails with a clear error.
type extractor struct {
	ctx  context.Context
	f    *fetcher
	root *os.Root
	// links are the symlinks created, checked once the archive is done.
	links []string
}

// extract unpacks archive, which is called name in the sandbox, into the
// sandbox root.
func (f *fetcher) extract(ctx context.Context, root *os.Root, archive *os.File, kind archiveKind, name string) error {
	x := &extractor{ctx: ctx, f: f, root: root}
	var err error
	switch kind {
	case kindTar:
		err = x.tar(archive)
	case kindTarGzip:
		var gz *gzip.Reader
		if gz, err = gzip.NewReader(archive); err != nil {
			err = fmt.Errorf("corrupt gzip data: %w", err)
		} else {
			err = x.tar(gz)
		}
	case kindTarBzip2:
		err = x.tar(bzip2.NewReader(archive))
	case kindTarXz:
		err = x.tarXz(archive, name)
	case kindZip:
		err = x.zip(archive)
	case kindGzip:
		err = x.gunzip(archive, name)
	default:
		err = fmt.Errorf("%s is not an archive", name)
	}
	if err == nil {
		err = x.checkLinks()
	}
	if err != nil {
		return f.classify(ErrExtract, err)
	}
	f.log.Debug("extracted", "archive", name, "symlinks", len(x.links))
	return nil
}

func (x *extractor) tar(r io.Reader) error {
	tr := tar.NewReader(r)
	for {
		if err := x.ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("corrupt tar archive: %w", err)
		}
		name, err := entryName(hdr.Name)
		if err != nil {
			return err
		}
		if name == "" {
			continue // the archive's own root directory
		}
		perm := hdr.FileInfo().Mode().Perm()
		switch hdr.Typeflag {
		case tar.TypeDir:
			err = x.mkdir(name, perm)
		case tar.TypeReg, typeRegA, tar.TypeGNUSparse:
			// Refuse early what cannot fit: a sparse entry's Size is
			// its size unpacked, which the archive need not hold.
			if err = x.fits(hdr.Size); err == nil {
				err = x.file(name, tr, perm)
			}
		case tar.TypeSymlink:
			err = x.symlink(name, hdr.Linkname)
		case tar.TypeLink:
			err = x.hardlink(name, hdr.Linkname)
		default:
			// Devices and FIFOs have no business in a sandbox.
			x.f.log.Warn("skipping archive entry of unsupported type", "entry", hdr.Name, "type", string(hdr.Typeflag))
		}
		if err != nil {
			return entryError(hdr.Name, err)
		}
	}
}

// tarXz pipes the archive through the xz command: Go's standard library
// has no xz decoder.
func (x *extractor) tarXz(archive io.Reader, name string) error {
	xz, err := exec.LookPath("xz")
	if err != nil {
		return fmt.Errorf("extracting %s needs the xz command, which is not on the agent's PATH", filepath.Base(name))
	}
	ctx, cancel := context.WithCancel(x.ctx)
	defer cancel()
	cmd := exec.CommandContext(ctx, xz, "--decompress", "--stdout")
	cmd.Stdin = archive
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("xz: %w", err)
	}
	tarErr := x.tar(out)
	if tarErr != nil {
		cancel() // stop xz; its own error is of no interest now
	} else {
		// Let xz finish writing past the end-of-archive marker.
		_, _ = io.Copy(io.Discard, out)
	}
	waitErr := cmd.Wait()
	if tarErr != nil {
		return tarErr
	}
	if waitErr != nil {
		return fmt.Errorf("xz: %w: %s", waitErr, strings.TrimSpace(stderr.String()))
	}
	return nil
}

func (x *extractor) zip(archive *os.File) error {
	info, err := archive.Stat()
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(archive, info.Size())
	if err != nil {
		return fmt.Errorf("corrupt zip archive: %w", err)
	}
	for _, zf := range zr.File {
		if err := x.ctx.Err(); err != nil {
			return err
		}
		name, err := entryName(zf.Name)
		if err != nil {
			return err
		}
		if name == "" {
			continue
		}
		mode := zf.Mode()
		switch {
		case mode&fs.ModeSymlink != 0:
			err = x.zipSymlink(zf, name)
		case mode.IsDir():
			err = x.mkdir(name, mode.Perm())
		case mode.IsRegular():
			if err = x.fits(int64(min(zf.UncompressedSize64, 1<<62))); err == nil {
				err = x.zipFile(zf, name, mode.Perm())
			}
		default:
			x.f.log.Warn("skipping archive entry of unsupported type", "entry", zf.Name, "mode", mode.String())
		}
		if err != nil {
			return entryError(zf.Name, err)
		}
	}
	return nil
}

func (x *extractor) zipFile(zf *zip.File, name string, perm fs.FileMode) error {
	r, err := zf.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	if perm == 0 {
		perm = 0o644 // made where files have no Unix permissions
	}
	return x.file(name, r, perm)
}

func (x *extractor) zipSymlink(zf *zip.File, name string) error {
	r, err := zf.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	target, err := io.ReadAll(io.LimitReader(r, maxSymlinkTarget+1))
	if err != nil {
		return err
	}
	if len(target) > maxSymlinkTarget {
		return fmt.Errorf("symlink target longer than %d bytes", maxSymlinkTarget)
	}
	return x.symlink(name, string(target))
}

// gunzip decompresses a single .gz file into the sandbox root, named
// without the .gz, as Mesos does with gunzip.
func (x *extractor) gunzip(archive io.Reader, name string) error {
	out := strings.TrimSuffix(filepath.Base(name), ".gz")
	if out == "" {
		return fmt.Errorf("%s names no file once .gz is removed", name)
	}
	gz, err := gzip.NewReader(archive)
	if err != nil {
		return fmt.Errorf("corrupt gzip file: %w", err)
	}
	return x.file(out, gz, 0o644)
}

// fits fails with ErrTooLarge if size more bytes would pass MaxBytes.
func (x *extractor) fits(size int64) error {
	if x.f.opts.MaxBytes > 0 && size > x.f.opts.MaxBytes-x.f.written {
		return fail(ErrTooLarge, "an entry of %d bytes does not fit in the %d bytes left of %d",
			size, max(x.f.opts.MaxBytes-x.f.written, 0), x.f.opts.MaxBytes)
	}
	return nil
}

// entryError names the entry an error came from, unless the error is a
// classified failure, which names it already.
func entryError(name string, err error) error {
	var known *failure
	if errors.As(err, &known) {
		return err
	}
	return fmt.Errorf("archive entry %q: %w", name, err)
}

// entryName checks an archive entry's name and returns it cleaned, or ""
// for the archive's root directory ("./").
func entryName(raw string) (string, error) {
	name, err := sandboxName(raw, "archive entry")
	if err != nil {
		return "", err
	}
	if name == "." {
		return "", nil
	}
	return name, nil
}

func (x *extractor) mkdir(name string, perm fs.FileMode) error {
	// Owner rwx, so the directory's own entries can be extracted into it.
	return x.root.MkdirAll(name, perm|0o700)
}

func (x *extractor) mkparent(name string) error {
	if dir := filepath.Dir(name); dir != "." {
		return x.root.MkdirAll(dir, 0o755)
	}
	return nil
}

// replace removes what an earlier entry left at name, unless it is a
// directory: a later entry replaces a file or link; it never writes
// through a link.
func (x *extractor) replace(name string) error {
	info, err := x.root.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if info.IsDir() {
		return errors.New("a directory of that name exists")
	}
	return x.root.Remove(name)
}

func (x *extractor) file(name string, r io.Reader, perm fs.FileMode) error {
	if err := x.mkparent(name); err != nil {
		return err
	}
	if err := x.replace(name); err != nil {
		return err
	}
	dst, err := x.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(dst, x.f.limit(contextReader(x.ctx, r), &x.f.written))
	if err == nil {
		// Exactly the archived permissions (less setuid, setgid and
		// sticky), whatever the agent's umask.
		err = dst.Chmod(perm)
	}
	if closeErr := closeBeforeExec(dst); err == nil {
		err = closeErr
	}
	return err
}

// symlink creates name -> target. The target must be relative and, read
// from name's directory, stay inside the sandbox.
func (x *extractor) symlink(name, target string) error {
	if target == "" || strings.ContainsRune(target, 0) {
		return fmt.Errorf("invalid symlink target %q", target)
	}
	if filepath.IsAbs(target) {
		return fail(ErrUnsafePath, "archive entry %q is a symlink to the absolute path %q; symlinks must point inside the sandbox", name, target)
	}
	if !filepath.IsLocal(filepath.Join(filepath.Dir(name), target)) {
		return fail(ErrUnsafePath, "archive entry %q is a symlink to %q, outside the sandbox", name, target)
	}
	if err := x.mkparent(name); err != nil {
		return err
	}
	if err := x.replace(name); err != nil {
		return err
	}
	if err := x.root.Symlink(target, name); err != nil {
		return err
	}
	x.links = append(x.links, name)
	return nil
}

// hardlink creates name as a hard link to target, a name in the archive.
func (x *extractor) hardlink(name, target string) error {
	old, err := sandboxName(target, "hard link target")
	if err != nil {
		return err
	}
	if err := x.mkparent(name); err != nil {
		return err
	}
	if err := x.replace(name); err != nil {
		return err
	}
	return x.root.Link(old, name)
}

// checkLinks resolves every symlink the archive created now that all of
// them exist: each was checked on its own, but links through links could
// still lead out of the sandbox together. A link that leads out is removed
// and fails the extraction; a dangling link is left alone.
func (x *extractor) checkLinks() error {
	for _, link := range x.links {
		_, err := x.root.Stat(link)
		if err == nil || x.f.escapes == nil || !errors.Is(err, x.f.escapes) {
			continue
		}
		_ = x.root.Remove(link)
		return fail(ErrUnsafePath, "archive entry %q is a symlink that resolves outside the sandbox", link)
	}
	return nil
}
