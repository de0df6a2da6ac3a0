package app

import (
	"errors"
	"fmt"
)

// ErrNoServicePorts is returned by AssignServicePorts when the range is used up.
var ErrNoServicePorts = errors.New("app: no free service port")

// AssignServicePorts gives every port definition of a with port 0 a service port: the
// lowest port in [min, max] (Marathon: 10000–20000) that used does not report and a does
// not already use. It changes a in place; on error a is unchanged. Whether the host port
// must equal the service port (requirePorts) is the engine's business.
func AssignServicePorts(a *App, used func(port int) bool, min, max int) error {
	if min < 1 || max > 65535 || min > max {
		return fmt.Errorf("%w: bad range %d-%d", ErrNoServicePorts, min, max)
	}
	mine := map[int]bool{}
	for _, d := range a.PortDefinitions {
		if d.Port != 0 {
			mine[d.Port] = true
		}
	}
	assigned := make([]int, len(a.PortDefinitions))
	next := min
	for i, d := range a.PortDefinitions {
		if d.Port != 0 {
			assigned[i] = d.Port
			continue
		}
		for next <= max && (mine[next] || (used != nil && used(next))) {
			next++
		}
		if next > max {
			return fmt.Errorf("%w: every port in %d-%d is taken; app %s needs %d more", ErrNoServicePorts, min, max, a.ID, countZero(a.PortDefinitions[i:]))
		}
		assigned[i] = next
		mine[next] = true
		next++
	}
	for i := range a.PortDefinitions {
		a.PortDefinitions[i].Port = assigned[i]
	}
	return nil
}

func countZero(defs []PortDefinition) int {
	n := 0
	for _, d := range defs {
		if d.Port == 0 {
			n++
		}
	}
	return n
}

// ReuseServicePorts keeps an app's service ports across an update, as Marathon does: a
// port definition of a with port 0 takes the port of prev's definition at the same
// position. Call it before AssignServicePorts.
func ReuseServicePorts(a, prev *App) {
	if prev == nil {
		return
	}
	taken := map[int]bool{}
	for _, d := range a.PortDefinitions {
		taken[d.Port] = true
	}
	for i := range a.PortDefinitions {
		if i < len(prev.PortDefinitions) && a.PortDefinitions[i].Port == 0 {
			if p := prev.PortDefinitions[i].Port; p != 0 && !taken[p] {
				a.PortDefinitions[i].Port = p
				taken[p] = true
			}
		}
	}
}

// ServicePorts returns the ports of a's port definitions, in order.
func (a *App) ServicePorts() []int {
	out := make([]int, len(a.PortDefinitions))
	for i, d := range a.PortDefinitions {
		out[i] = d.Port
	}
	return out
}
