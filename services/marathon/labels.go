package marathon

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// labelSelector is one condition of Marathon's label query (GET /v2/apps?label=...):
//
//	key               the label exists
//	key == v, key != v
//	key in (a, b), key notin (a, b)
//
// Conditions are separated by commas and all must hold. Terms are letters, digits and
// "-_."; any other character must be escaped with a backslash. (Marathon's
// api/v2/LabelSelector.scala.)
type labelSelector struct {
	key    string
	op     string // "exists", "==", "!=", "in", "notin"
	values []string
}

type labelSelectors []labelSelector

func (ss labelSelectors) matches(labels map[string]string) bool {
	for _, s := range ss {
		v, ok := labels[s.key]
		if !ok {
			return false
		}
		switch s.op {
		case "==":
			ok = v == s.values[0]
		case "!=":
			ok = v != s.values[0]
		case "in":
			ok = slices.Contains(s.values, v)
		case "notin":
			ok = !slices.Contains(s.values, v)
		}
		if !ok {
			return false
		}
	}
	return true
}

type labelToken struct {
	kind string // "term", "==", "!=", "(", ")", ","
	text string
}

var errLabelEnd = errors.New("unexpected end of the query")

func tokenizeLabels(in string) ([]labelToken, error) {
	var toks []labelToken
	for i := 0; i < len(in); {
		c := in[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case strings.HasPrefix(in[i:], "==") || strings.HasPrefix(in[i:], "!="):
			toks = append(toks, labelToken{kind: in[i : i+2]})
			i += 2
		case c == '(' || c == ')' || c == ',':
			toks = append(toks, labelToken{kind: string(c)})
			i++
		case c == '\\' || isTermChar(c):
			var b strings.Builder
			for i < len(in) && (in[i] == '\\' || isTermChar(in[i])) {
				if in[i] == '\\' {
					if i+1 >= len(in) {
						return nil, fmt.Errorf("a backslash at the end escapes nothing")
					}
					// An escape takes the next character as it is.
					_, size := utf8.DecodeRuneInString(in[i+1:])
					j := i + 1 + size
					b.WriteString(in[i+1 : j])
					i = j
					continue
				}
				b.WriteByte(in[i])
				i++
			}
			toks = append(toks, labelToken{kind: "term", text: b.String()})
		default:
			return nil, fmt.Errorf("unexpected character %q at %d (escape it with a backslash)", c, i)
		}
	}
	return toks, nil
}

func isTermChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
}

// parseLabelSelectors reads a label query; the error is Marathon's 422 message.
func parseLabelSelectors(in string) (labelSelectors, error) {
	sel, err := parseLabels(in)
	if err != nil {
		return nil, fmt.Errorf("Can not parse label selector %s. Reason: %v", in, err)
	}
	return sel, nil
}

func parseLabels(in string) (labelSelectors, error) {
	toks, err := tokenizeLabels(in)
	if err != nil {
		return nil, err
	}
	sel := labelSelectors{}
	pos := 0
	next := func() (labelToken, error) {
		if pos >= len(toks) {
			return labelToken{}, errLabelEnd
		}
		pos++
		return toks[pos-1], nil
	}
	for pos < len(toks) {
		key, err := next()
		if err != nil {
			return nil, err
		}
		if key.kind != "term" {
			return nil, fmt.Errorf("expected a label, got %q", key.kind)
		}
		s := labelSelector{key: key.text, op: "exists"}
		if pos < len(toks) {
			t := toks[pos]
			switch {
			case t.kind == "==" || t.kind == "!=":
				pos++
				v, err := next()
				if err != nil {
					return nil, err
				}
				if v.kind != "term" {
					return nil, fmt.Errorf("expected a value after %s", t.kind)
				}
				s.op, s.values = t.kind, []string{v.text}
			case t.kind == "term" && (t.text == "in" || t.text == "notin"):
				pos++
				s.op = t.text
				if open, err := next(); err != nil || open.kind != "(" {
					return nil, fmt.Errorf("expected ( after %s", t.text)
				}
				for {
					v, err := next()
					if err != nil {
						return nil, err
					}
					if v.kind == ")" && len(s.values) == 0 {
						break
					}
					if v.kind != "term" {
						return nil, fmt.Errorf("expected a value in the set of %s", s.key)
					}
					s.values = append(s.values, v.text)
					sep, err := next()
					if err != nil {
						return nil, err
					}
					if sep.kind == ")" {
						break
					}
					if sep.kind != "," {
						return nil, fmt.Errorf("expected , or ) in the set of %s", s.key)
					}
				}
			}
		}
		sel = append(sel, s)
		if pos < len(toks) {
			if sep, _ := next(); sep.kind != "," {
				return nil, fmt.Errorf("expected , between selectors, got %q", sep.kind+sep.text)
			}
			if pos == len(toks) {
				return nil, errLabelEnd
			}
		}
	}
	return sel, nil
}
