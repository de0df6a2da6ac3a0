//go:build !unix

package cgroups

import "errors"

// kill is never reached off Unix: Detect finds no cgroups there.
func kill(int) error { return errors.ErrUnsupported }
