//go:build !linux

package containerizer

// spreadSubdirectories is Linux-only (see topdir_linux.go).
func spreadSubdirectories(string) {}
