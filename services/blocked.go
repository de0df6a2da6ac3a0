package services

import (
	"fmt"
	"math"
	"strings"
	"time"

	mesospb "agora/api/mesos/v1"
	"agora/services/app"
	"agora/services/placement"
)

// A restart or an upgrade that can never finish is Marathon's best-known
// stuck deployment: a hostname:UNIQUE app on as many agents as it has
// instances, with minimumHealthCapacity 1. The new instances need the
// agents the old ones hold, and the old ones stay until new ones are ready.
// Marathon waited forever without a word; agora says so, and what would
// let it go on, in /v2/queue (`blocked`), `agora app why` and the
// deployment's timeout reason.

// replacement counts an app's live instances as a blocked-deployment check
// needs them.
type replacement struct {
	old      int // of another configuration than the active one
	notReady int // of the active configuration, not yet ready
	killing  int // being killed
}

// countReplacement counts a's live (reachable) instances.
func countReplacement(a *appState) replacement {
	var r replacement
	config := configVersion(a.active)
	checked := len(a.active.HealthChecks) > 0
	for _, in := range a.instances {
		switch {
		case !in.UnreachableSince.IsZero():
		case !in.KilledAt.IsZero() || in.State == mesospb.TaskState_TASK_KILLING:
			r.killing++
		case in.Config != config:
			r.old++
		case in.State != mesospb.TaskState_TASK_RUNNING || checked && (in.Healthy == nil || !*in.Healthy):
			r.notReady++
		}
	}
	return r
}

// blockedHint says why an app's deployment cannot go on as it is, and what
// would let it, when the last offers were all refused and some only
// because instances being replaced hold their agents, while nothing is
// under way that could free one: no instance is being killed and no new
// one is about to become ready (which would let the upgrade strategy stop
// an old one). It is empty otherwise.
func blockedHint(rej placement.Rejections, def *app.App, r replacement) string {
	if rej.HeldByReplaced == 0 || r.old == 0 || r.killing > 0 || r.notReady > 0 {
		return ""
	}
	var refusing []string
	for _, c := range rej.Counts {
		if c.Kind == placement.KindConstraint {
			refusing = append(refusing, c.Constraint)
		}
	}
	n := max(def.Instances, 1)
	// The largest capacity, in hundredths, that lets one old instance stop
	// before its replacement is ready: ceil(n × c) ≤ n-1.
	lower := math.Floor(float64(n-1)/float64(n)*100) / 100
	return fmt.Sprintf("this deployment cannot go on: %d of the last %d offers are refused only because "+
		"the %d instance(s) being replaced hold their agents (%s), and upgradeStrategy.minimumHealthCapacity %g "+
		"keeps those running until new instances are ready; set minimumHealthCapacity to %g or less so that "+
		"old instances may stop first, or add agents",
		rej.HeldByReplaced, rej.Processed, r.old, strings.Join(refusing, ", "),
		def.UpgradeStrategy.MinimumHealthCapacity, lower)
}

// noteBlocked records, after a round of offers placed matched of a's
// instances, whether a's deployment is blocked: every round for
// Config.BlockedAfter placed nothing and found it blocked (blockedHint).
// A single round is not enough: right after an old instance stopped, a
// round may hold only the offers of the agents still held, and the freed
// agent comes in a later one.
func (e *Engine) noteBlocked(a *appState, rej placement.Rejections, matched int, now time.Time) {
	hint := ""
	if matched == 0 && rej.HeldByReplaced > 0 {
		hint = blockedHint(rej, a.active, countReplacement(a))
	}
	if hint == "" {
		a.blocked, a.blockedSince = "", time.Time{}
		return
	}
	if a.blockedSince.IsZero() {
		a.blockedSince = now
	}
	if now.Sub(a.blockedSince) < e.cfg.BlockedAfter {
		return
	}
	if a.blocked == "" {
		e.log.Warn("deployment blocked", "app", a.def.ID, "reason", hint)
	}
	a.blocked = hint
}
