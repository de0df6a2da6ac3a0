//go:build !linux

package cgroups

import "errors"

// watchOOM has no kernel notification to use off Linux (where Detect finds
// no cgroups anyway).
func (c *Cgroup) watchOOM(string) (oomWatch, error) { return nil, errors.ErrUnsupported }
