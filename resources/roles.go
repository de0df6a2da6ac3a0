package resources

import (
	"strconv"
	"strings"
)

// UnreservedRole is the special role "*": unreserved resources, and the role
// of a framework that names none.
const UnreservedRole = "*"

// ValidateRole checks a role name with Mesos's rules (src/common/roles.cpp,
// docs/roles.md). "*" is valid. Otherwise the name is a path of components
// separated by "/": no leading, trailing or doubled slash, and no component
// that is ".", "..", "*", starts with "-" or contains whitespace or DEL.
// The error wraps ErrInvalidRole.
func ValidateRole(role string) error {
	if reason := roleProblem(role); reason != "" {
		return errorf(ErrInvalidRole, "role %q %s", role, reason)
	}
	return nil
}

// roleProblem returns why role is invalid, or "" when it is valid. The
// reasons read after the role name: `role "a//b" cannot contain ...`.
func roleProblem(role string) string {
	if role == UnreservedRole {
		return ""
	}
	switch {
	case role == "":
		return "is empty; a role needs a name"
	case strings.HasPrefix(role, "/"):
		return "cannot start with a slash"
	case strings.HasSuffix(role, "/"):
		return "cannot end with a slash"
	case strings.Contains(role, "//"):
		return "cannot contain two adjacent slashes"
	}
	for component := range strings.SplitSeq(role, "/") {
		switch {
		case component == ".":
			return "cannot include '.' as a component"
		case component == "..":
			return "cannot include '..' as a component"
		case component == "*":
			return "cannot include '*' as a component"
		case strings.HasPrefix(component, "-"):
			return "has component " + strconv.Quote(component) + " starting with a dash"
		case strings.ContainsAny(component, "\t\n\v\f\r \x7f"):
			return "has component " + strconv.Quote(component) + " containing whitespace or backspace"
		}
	}
	return ""
}

// IsStrictSubroleOf reports whether child lies strictly below parent in the
// role tree: "a/b" and "a/b/c" are strict subroles of "a"; "a" and "ab" are
// not.
func IsStrictSubroleOf(child, parent string) bool {
	return len(child) > len(parent) &&
		child[len(parent)] == '/' &&
		strings.HasPrefix(child, parent)
}

// RoleAncestors returns the ancestors of role, nearest first: "a/b/c" gives
// ["a/b", "a"].
func RoleAncestors(role string) []string {
	var out []string
	for i := len(role) - 1; i >= 0; i-- {
		if role[i] == '/' {
			out = append(out, role[:i])
		}
	}
	return out
}
