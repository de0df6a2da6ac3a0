package services

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"agora/services/app"
)

// Roles, as Marathon 1.9 has them. Every app runs as one Mesos role (its
// `role`), so that the role's quota, weight and reservations apply to it.
// An app in the root group may use the scheduler's role (Config.Role,
// Marathon's --mesos_role); an app under a top-level group /g may also use
// "g", the group's role; an app keeps the role it has. The framework
// subscribes with every role an app uses and changes its roles with
// UPDATE_FRAMEWORK as apps come and go, so that the master offers each
// role's resources (MULTI_ROLE offers carry the role they are allocated
// to, and an instance is placed only on an offer of its app's role).
//
// Left out: Marathon's enforceRole group flag (a group whose apps must use
// the group role): every app may use the scheduler's role.

// settleRole gives def a role when it names none (prev's, else the
// scheduler's) and checks it and acceptedResourceRoles against it, as
// Marathon validates them: a *app.ValidationError (422) when either is not
// allowed.
func (e *Engine) settleRole(def, prev *app.App) error {
	if def.Role == "" {
		def.Role = e.cfg.Role
		if prev != nil && prev.Role != "" {
			def.Role = prev.Role
		}
	}
	var details []app.Detail
	valid := e.validRoles(def.ID, prev)
	if !slices.Contains(valid, def.Role) {
		quoted := make([]string, len(valid))
		for i, r := range valid {
			quoted[i] = fmt.Sprintf("%q", r)
		}
		details = append(details, app.Detail{Path: "/role", Errors: []string{fmt.Sprintf(
			"got %q, expected one of: %s (the services scheduler's role, the top-level group's, or the app's current one)",
			def.Role, strings.Join(quoted, ", "))}})
	}
	for _, r := range def.AcceptedResourceRoles {
		if r != "*" && r != def.Role {
			allowed := "*"
			if def.Role != "*" {
				allowed = "* and " + def.Role
			}
			details = append(details, app.Detail{Path: "/acceptedResourceRoles",
				Errors: []string{"acceptedResourceRoles can only contain " + allowed}})
			break
		}
	}
	if len(details) > 0 {
		return &app.ValidationError{Message: app.MessageInvalid, Details: details}
	}
	return nil
}

// validRoles are the roles the app with id may use (Marathon's
// RoleSettings.forService without enforceRole), in a fixed order.
func (e *Engine) validRoles(id string, prev *app.App) []string {
	valid := []string{e.cfg.Role}
	if parent := app.Parent(id); parent != "/" {
		top, _, _ := strings.Cut(strings.TrimPrefix(parent, "/"), "/")
		valid = append(valid, top)
	}
	if prev != nil && prev.Role != "" {
		valid = append(valid, prev.Role)
	}
	slices.Sort(valid)
	return slices.Compact(valid)
}

// roleOf is the role def's instances run as.
func (e *Engine) roleOf(def *app.App) string {
	if def == nil || def.Role == "" {
		return e.cfg.Role
	}
	return def.Role
}

// wantedRoles are the roles the framework needs: the scheduler's and every
// role an app's definition, or its definition still being replaced, uses.
func (e *Engine) wantedRoles() []string {
	roles := []string{e.cfg.Role}
	for _, a := range e.apps {
		roles = append(roles, e.roleOf(a.def))
		if a.active != nil && a.active != a.def {
			roles = append(roles, e.roleOf(a.active))
		}
	}
	slices.Sort(roles)
	return slices.Compact(roles)
}

// syncRoles tells the master the framework's roles when they are not
// those it has (UPDATE_FRAMEWORK), one update at a time; a failed one is
// tried again at the next tick. It runs on the loop.
func (e *Engine) syncRoles() {
	if !e.subscribed || e.rolesUpdating {
		return
	}
	wanted := e.wantedRoles()
	if slices.Equal(wanted, e.roles) {
		return
	}
	e.rolesUpdating = true
	info := e.frameworkInfo(e.frameworkID)
	info.Roles = wanted
	// The update replaces the suppressed roles: a suppressed framework
	// stays suppressed.
	var suppressed []string
	if e.suppressed {
		suppressed = wanted
	}
	e.log.Info("updating the framework's roles", "roles", wanted, "were", e.roles)
	e.call(func(ctx context.Context) {
		err := e.drv().UpdateFramework(ctx, info, suppressed...)
		e.do(context.Background(), func() {
			e.rolesUpdating = false
			if err != nil {
				e.log.Warn("cannot update the framework's roles; trying again", "roles", wanted, "err", err)
				return
			}
			e.roles = wanted
		})
	})
}
