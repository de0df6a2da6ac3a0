package app

import (
	"errors"
	"strings"
)

// Sentinels for errors.Is. A *ValidationError wraps ErrInvalid (the body is JSON but not a
// valid app or group: Marathon answers 422) or ErrInvalidJSON (the body is not JSON of the
// right shape: Marathon answers 400).
var (
	ErrInvalid     = errors.New("app: object is not valid")
	ErrInvalidJSON = errors.New("app: invalid JSON")
)

// Messages of a ValidationError, as Marathon writes them.
const (
	MessageInvalid     = "Object is not valid"
	MessageInvalidJSON = "Invalid JSON"
)

// ValidationError is Marathon's error body for a rejected app or group:
//
//	{"message":"Object is not valid","details":[{"path":"/cpus","errors":["got -1.0, expected 0.0 or more"]}]}
//
// Paths are JSON pointers into the body, with list positions written as Marathon writes
// them: "/healthChecks(0)/portIndex". Marshal it as it is to answer a REST request.
type ValidationError struct {
	Message string   `json:"message"`
	Details []Detail `json:"details"`
}

// Detail is one path of a ValidationError and what is wrong there.
type Detail struct {
	Path   string   `json:"path"`
	Errors []string `json:"errors"`
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString(e.sentinel().Error())
	for i, d := range e.Details {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(d.Path)
		b.WriteString(": ")
		b.WriteString(strings.Join(d.Errors, ", "))
	}
	return b.String()
}

// Unwrap returns ErrInvalidJSON or ErrInvalid.
func (e *ValidationError) Unwrap() error { return e.sentinel() }

func (e *ValidationError) sentinel() error {
	if e.Message == MessageInvalidJSON {
		return ErrInvalidJSON
	}
	return ErrInvalid
}

// problems collects validation failures in the order they are found, one Detail per path.
type problems struct {
	details []Detail
}

func (p *problems) add(path, msg string) {
	if path == "" {
		path = "/"
	}
	for i := range p.details {
		if p.details[i].Path == path {
			p.details[i].Errors = append(p.details[i].Errors, msg)
			return
		}
	}
	p.details = append(p.details, Detail{Path: path, Errors: []string{msg}})
}

func (p *problems) merge(prefix string, err error) {
	var ve *ValidationError
	if errors.As(err, &ve) {
		for _, d := range ve.Details {
			path := d.Path
			if path == "/" {
				path = ""
			}
			for _, m := range d.Errors {
				p.add(prefix+path, m)
			}
		}
		return
	}
	p.add(prefix, err.Error())
}

func (p *problems) err(message string) error {
	if len(p.details) == 0 {
		return nil
	}
	return &ValidationError{Message: message, Details: p.details}
}

func invalidJSON(path, msg string) error {
	var p problems
	p.add(path, msg)
	return p.err(MessageInvalidJSON)
}
