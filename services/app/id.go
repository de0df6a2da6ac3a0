package app

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// ErrBadID is wrapped by the errors of CanonicalID and AppIDFromTaskID.
var ErrBadID = errors.New("app: bad id")

// idSegment is Marathon's rule for one segment of an app or group id (PathId.scala): DNS
// labels of lowercase letters, digits and inner dashes, joined by dots.
const idSegmentPattern = `^(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])$`

var idSegment = regexp.MustCompile(idSegmentPattern)

// Marathon's id messages, so that a Marathon user recognises them.
const (
	msgIDSegment  = "must fully match regular expression '" + idSegmentPattern + "'"
	msgIDReserved = "must not end with any of the following reserved keywords: restart, tasks, versions, ., .."
	msgIDEmpty    = "Path must contain at least one path element"
)

// reserved last segments: they would collide with /v2/apps/{id}/restart and friends.
var reservedLast = map[string]bool{"restart": true, "tasks": true, "versions": true}

// CanonicalID resolves id against the absolute group id base, as Marathon does: an id
// starting with "/" is absolute, any other is relative to base; "." and ".." segments are
// resolved ("../bar" in "/prod/web" is "/prod/bar"; ".." never climbs above the root), and
// leading and trailing slashes are dropped. The result has the canonical form "/a/b".
// Every remaining segment must match Marathon's segment rule; "" and "/" resolve to the
// root "/" only when base is the root and id is "/" (the root group), otherwise an id
// must name at least one segment.
func CanonicalID(id, base string) (string, error) {
	if id == "" {
		return "", fmt.Errorf("%w: empty id; want a path such as /prod/web", ErrBadID)
	}
	var segs []string
	if !strings.HasPrefix(id, "/") {
		if base == "" {
			base = "/"
		}
		if !strings.HasPrefix(base, "/") {
			return "", fmt.Errorf("%w: base %q is not absolute", ErrBadID, base)
		}
		segs = split(base)
	}
	for _, s := range split(id) {
		switch s {
		case ".":
		case "..":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
		default:
			if !idSegment.MatchString(s) {
				return "", fmt.Errorf("%w: %q: segment %q %s (lowercase letters, digits, '-' and '.')", ErrBadID, id, s, msgIDSegment)
			}
			segs = append(segs, s)
		}
	}
	return "/" + strings.Join(segs, "/"), nil
}

// split returns the segments of a path without its leading and trailing slashes; inner
// empty segments ("a//b") are kept so that validation rejects them.
func split(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// Parent returns the id of the group holding id: "/prod" for "/prod/web", "/" for "/web".
func Parent(id string) string {
	i := strings.LastIndexByte(strings.TrimSuffix(id, "/"), '/')
	if i <= 0 {
		return "/"
	}
	return id[:i]
}

// IsUnder reports whether id is group itself or lies below it ("/a/b" is under "/a" and
// "/", not under "/ab").
func IsUnder(id, group string) bool {
	if group == "/" || group == "" {
		return true
	}
	return id == group || strings.HasPrefix(id, group+"/")
}

// checkID validates an app id already through Decode: absolute, canonical, not the root,
// not ending in a reserved word. It returns Marathon's messages.
func checkID(id string) []string {
	if id == "" || strings.Trim(id, "/") == "" {
		return []string{msgIDEmpty}
	}
	var msgs []string
	if !strings.HasPrefix(id, "/") {
		msgs = append(msgs, "Path needs to be absolute")
	}
	segs := split(id)
	for _, s := range segs {
		if !idSegment.MatchString(s) {
			msgs = append(msgs, msgIDSegment)
			break
		}
	}
	if last := segs[len(segs)-1]; reservedLast[last] || last == "." || last == ".." {
		msgs = append(msgs, msgIDReserved)
	}
	return msgs
}
