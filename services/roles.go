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
// "g", the group's role, and must when /g has enforceRole (which also makes
// "g" its default); an app may keep the role it has. The framework
// subscribes with every role an app uses and changes its roles with
// UPDATE_FRAMEWORK as apps come and go, so that the master offers each
// role's resources (MULTI_ROLE offers carry the role they are allocated
// to, and an instance is placed only on an offer of its app's role).

// settleRole gives def a role when it names none (prev's, else the role
// its top-level group enforces, else the scheduler's) and checks it and
// acceptedResourceRoles against it, as Marathon validates them: a
// *app.ValidationError (422) when either is not allowed. enforced is the
// role def's top-level group enforces ("" for none).
func (e *Engine) settleRole(def, prev *app.App, enforced string) error {
	if def.Role == "" {
		switch {
		case prev != nil && prev.Role != "":
			def.Role = prev.Role
		case enforced != "":
			def.Role = enforced
		default:
			def.Role = e.cfg.Role
		}
	}
	var details []app.Detail
	valid := e.validRoles(def.ID, prev, enforced)
	if !slices.Contains(valid, def.Role) {
		quoted := make([]string, len(valid))
		for i, r := range valid {
			quoted[i] = fmt.Sprintf("%q", r)
		}
		why := "the services scheduler's role, the top-level group's, or the app's current one"
		if enforced != "" {
			why = "group /" + enforced + " enforces its role; or the app's current one"
		}
		details = append(details, app.Detail{Path: "/role", Errors: []string{fmt.Sprintf(
			"got %q, expected one of: %s (%s)", def.Role, strings.Join(quoted, ", "), why)}})
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
// RoleSettings.forService), in a fixed order: the scheduler's and its
// top-level group's, or only the group's when it enforces it; and the
// app's current one.
func (e *Engine) validRoles(id string, prev *app.App, enforced string) []string {
	var valid []string
	switch top := topLevelGroup(id); {
	case enforced != "":
		valid = []string{enforced}
	case top != "":
		valid = []string{e.cfg.Role, top}
	default:
		valid = []string{e.cfg.Role}
	}
	if prev != nil && prev.Role != "" {
		valid = append(valid, prev.Role)
	}
	slices.Sort(valid)
	return slices.Compact(valid)
}

// topLevelGroup is the name of the top-level group an app is under ("dev"
// for /dev/api and /dev/sub/api), "" for an app of the root group.
func topLevelGroup(id string) string {
	parent := app.Parent(id)
	if parent == "/" {
		return ""
	}
	top, _, _ := strings.Cut(strings.TrimPrefix(parent, "/"), "/")
	return top
}

// enforcedRole is the role the top-level group of the app with id
// enforces ("" for none). body is the group being deployed, if any: a
// top-level group it defines (itself, or a child of the root) says so with
// its own enforceRole, absent meaning false; otherwise the recorded group
// does.
func (e *Engine) enforcedRole(id string, body *app.Group) string {
	top := topLevelGroup(id)
	if top == "" {
		return ""
	}
	topID := "/" + top
	var g *app.Group
	switch {
	case body != nil && body.ID == topID:
		g = body
	case body != nil && body.ID == "/":
		for _, sub := range body.Groups {
			if sub.ID == topID {
				g = sub
			}
		}
	}
	enforce := e.cfg.NewGroupEnforceRole // a top-level group no one defined yet
	switch {
	case g != nil:
		enforce = e.groupEnforcesRole(g)
	case e.groups[topID] != nil:
		enforce = e.groups[topID].EnforceRole
	}
	if enforce {
		return top
	}
	return ""
}

// groupEnforcesRole is whether g, a group body being deployed, enforces
// its role: as it says, or, for a top-level group that does not say, as
// Config.NewGroupEnforceRole does (Marathon's --new_group_enforce_role).
// Only top-level groups enforce.
func (e *Engine) groupEnforcesRole(g *app.Group) bool {
	switch {
	case !isTopLevel(g.ID):
		return false
	case g.EnforceRoleGiven:
		return g.EnforceRole
	default:
		return e.cfg.NewGroupEnforceRole
	}
}

// isTopLevel reports whether a group id is a child of the root ("/dev").
func isTopLevel(id string) bool { return id != "/" && app.Parent(id) == "/" }

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
