package app

import (
	"reflect"
	"time"
)

// NeedsRestart reports whether replacing old by new needs its instances replaced (a
// rolling restart), as Marathon decides between a scale and an upgrade: any change of the
// definition does, except the instance count, the version stamps and agora's deployment
// timeout options, which only change how the deployment is run. A restart request
// (Restarted) also does, though the definition is the same: its lastConfigChangeAt moves.
// A nil old (a new app) needs no restart: there is nothing to replace.
//
// A port definition with port 0 in new where old has a service port at the same position
// counts as that port (ReuseServicePorts): re-sending an unchanged definition, as a group
// or app file deploy does, is not a change. Call ReuseServicePorts on new before
// AssignServicePorts so that the ports really stay.
func NeedsRestart(old, new *App) bool {
	if old == nil || new == nil {
		return false
	}
	if old.VersionInfo != nil && new.VersionInfo != nil &&
		old.VersionInfo.LastConfigChangeAt != new.VersionInfo.LastConfigChangeAt {
		return true
	}
	return configChanged(old, new)
}

// configChanged compares the definitions, new with old's service ports where it asks for
// any.
func configChanged(old, new *App) bool {
	n := config(new)
	ReuseServicePorts(n, old)
	return !reflect.DeepEqual(config(old), n)
}

// IsScaleOnly reports whether new differs from old in its instance count and nothing that
// needs a restart.
func IsScaleOnly(old, new *App) bool {
	return old != nil && new != nil && old.Instances != new.Instances && !NeedsRestart(old, new)
}

// config is a's definition without what NeedsRestart ignores, with nil and empty lists
// made equal.
func config(a *App) *App {
	c := a.Clone()
	normalize(c)
	c.Instances = 0
	c.Version = ""
	c.VersionInfo = nil
	c.DeploymentTimeoutSeconds = 0
	c.RollbackOnTimeout = false
	return c
}

// Stamp returns a copy of a stored as a new version at now, following prev (the app's
// current version, nil for a new app), as Marathon keeps versionInfo: version is now;
// lastConfigChangeAt moves when the definition changed (NeedsRestart), and lastScalingAt
// when it changed or the instance count did. When nothing changed at all, the copy keeps
// prev's stamps.
func Stamp(a, prev *App, now time.Time) *App {
	c := a.Clone()
	v := VersionAt(now)
	switch {
	case prev == nil || prev.VersionInfo == nil:
		c.Version = v
		c.VersionInfo = &VersionInfo{LastScalingAt: v, LastConfigChangeAt: v}
	case configChanged(prev, c):
		c.Version = v
		c.VersionInfo = &VersionInfo{LastScalingAt: v, LastConfigChangeAt: v}
	case prev.Instances != c.Instances:
		c.Version = v
		c.VersionInfo = &VersionInfo{LastScalingAt: v, LastConfigChangeAt: prev.VersionInfo.LastConfigChangeAt}
	default:
		c.Version = prev.Version
		pv := *prev.VersionInfo
		c.VersionInfo = &pv
	}
	return c
}

// Restarted returns a copy of a as a new version at now that NeedsRestart tells apart
// from a: POST /v2/apps/{id}/restart, which Marathon records as a configuration change.
func Restarted(a *App, now time.Time) *App {
	c := a.Clone()
	v := VersionAt(now)
	c.Version = v
	c.VersionInfo = &VersionInfo{LastScalingAt: v, LastConfigChangeAt: v}
	return c
}
