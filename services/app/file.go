package app

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// DecodeFile reads an app or group definition file, as `agora app deploy FILE` sends it:
// JSON, or YAML (by the name's .yaml or .yml suffix, or when the content is not JSON). YAML
// is converted to JSON first, so both forms mean the same. The content is
//   - a group (an object with "apps" or "groups"): returned as group, apps nil;
//   - an app (any other object): returned as apps[0], group nil;
//   - a list of apps: returned as apps.
//
// Apps are decoded as Decode does, but not validated; call Validate (App or Group) next.
// Errors are *ValidationError values, with "/(1)/cpus"-style paths for a list.
func DecodeFile(name string, data []byte) (apps []*App, group *Group, err error) {
	js, err := toJSON(name, data)
	if err != nil {
		return nil, nil, err
	}
	switch js[0] {
	case '[':
		var elems []json.RawMessage
		if err := json.Unmarshal(js, &elems); err != nil {
			return nil, nil, invalidJSON("/", jsonMessage(err))
		}
		var bad, invalid problems
		for i, e := range elems {
			a, err := Decode(e)
			if err != nil {
				p := "/(" + strconv.Itoa(i) + ")"
				if isJSONError(err) {
					bad.merge(p, err)
				} else {
					invalid.merge(p, err)
				}
				continue
			}
			apps = append(apps, a)
		}
		if err := bad.err(MessageInvalidJSON); err != nil {
			return nil, nil, err
		}
		if err := invalid.err(MessageInvalid); err != nil {
			return nil, nil, err
		}
		if len(apps) == 0 {
			return nil, nil, invalidJSON("/", "the file lists no apps")
		}
		return apps, nil, nil
	case '{':
		var head map[string]json.RawMessage
		if err := json.Unmarshal(js, &head); err != nil {
			return nil, nil, invalidJSON("/", jsonMessage(err))
		}
		_, hasApps := head["apps"]
		_, hasGroups := head["groups"]
		if hasApps || hasGroups {
			g, err := DecodeGroup(js)
			if err != nil {
				return nil, nil, err
			}
			return nil, g, nil
		}
		a, err := Decode(js)
		if err != nil {
			return nil, nil, err
		}
		return []*App{a}, nil, nil
	}
	return nil, nil, invalidJSON("/", "expected an app, a group or a list of apps")
}

func isJSONError(err error) bool {
	ve, ok := err.(*ValidationError)
	return ok && ve.Message == MessageInvalidJSON
}

// toJSON returns the file's content as JSON, starting with '{' or '['.
func toJSON(name string, data []byte) ([]byte, error) {
	ext := strings.ToLower(filepath.Ext(name))
	trimmed := bytes.TrimSpace(data)
	if ext != ".yaml" && ext != ".yml" && len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') && json.Valid(trimmed) {
		return trimmed, nil
	}
	if ext == ".json" {
		if len(trimmed) == 0 {
			return nil, invalidJSON("/", "the file is empty")
		}
		var v any
		err := json.Unmarshal(trimmed, &v)
		if err == nil {
			return nil, invalidJSON("/", "expected an app, a group or a list of apps")
		}
		return nil, invalidJSON("/", jsonMessage(err))
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, invalidJSON("/", "not JSON or YAML: "+strings.TrimPrefix(err.Error(), "error converting YAML to JSON: "))
	}
	js = bytes.TrimSpace(js)
	if len(js) == 0 || (js[0] != '{' && js[0] != '[') {
		return nil, invalidJSON("/", "expected an app, a group or a list of apps")
	}
	return js, nil
}
