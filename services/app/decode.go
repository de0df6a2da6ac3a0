package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Decode reads a full app body, as POST /v2/apps receives it, into an App with Marathon's
// defaults for every member the body leaves out or sets to null. A relative id is resolved
// against the root group, and dependencies against the app's parent group.
//
// Decode reads the body as Marathon does:
//   - unknown members are ignored; member names are case-sensitive;
//   - null for any member means its default ("ports":null, "dependencies":null);
//   - the deprecated "ports": [p, ...] becomes portDefinitions [{port: p, protocol: tcp}]
//     and "uris": [...] becomes fetch (extract set for archive names); giving both
//     forms with different contents is an error;
//   - an app with neither "ports" nor "portDefinitions" gets one port definition
//     {port 0, tcp, name "default"}; "portDefinitions": [] means no ports;
//   - health checks get Marathon's defaults, and portIndex 0 when they need a port, the
//     app has one and the check names none;
//   - nested objects ("upgradeStrategy", health checks, port definitions, fetch entries)
//     replace the whole value; their missing members take their defaults.
//
// agora is more lenient in one place: env and label values that are JSON numbers or
// booleans (common in YAML files) are taken as their text. Marathon's secret references
// in env ({"secret": "name"}), Docker containers and "secrets" are refused with a
// *ValidationError, since agora cannot honour them.
//
// The error is a *ValidationError wrapping ErrInvalidJSON when the body is not a JSON
// object or a member has the wrong JSON type, and wrapping ErrInvalid when the body's
// forms conflict. Decode does not validate values: call Validate next.
func Decode(data []byte) (*App, error) { return DecodeIn(data, "/") }

// DecodeIn is Decode for an app inside the group whose absolute id is base: a relative
// app id is resolved against base.
func DecodeIn(data []byte, base string) (*App, error) {
	body, err := object(data)
	if err != nil {
		return nil, err
	}
	a := Defaults()
	if err := apply(a, body, base, false); err != nil {
		return nil, err
	}
	return a, nil
}

// Patch applies a partial update, as PUT /v2/apps/{id} receives it, to base and returns
// the new app; base is not changed. Members present in the body replace the app's;
// members absent or null keep their current value, as in Marathon (whose clients send
// "ports":null and "dependencies":null with every update). The body's "id", "version" and
// "versionInfo" are ignored: the id comes from the URL, and a rollback body
// ({"version": ...}) is recognised by RollbackVersion before Patch is called.
//
// Setting "cmd" without "args" drops the app's args, and the other way round, so that a
// command can be switched from one form to the other in one update (Marathon would
// refuse the mix). Health checks without a port get portIndex 0 again when the update
// gives the app ports.
func Patch(base *App, data []byte) (*App, error) {
	if base == nil {
		return nil, invalidJSON("/", "no app to update")
	}
	body, err := object(data)
	if err != nil {
		return nil, err
	}
	a := base.Clone()
	normalize(a)
	if err := apply(a, body, Parent(base.ID), true); err != nil {
		return nil, err
	}
	return a, nil
}

// RollbackVersion reports whether a PUT /v2/apps/{id} body asks to return to an earlier
// version ({"version": "2026-..."}, optionally with the id). Marathon allows the version
// only with the id; any other member with it is an error.
func RollbackVersion(data []byte) (version string, ok bool, err error) {
	body, err := object(data)
	if err != nil {
		return "", false, err
	}
	raw, has := body["version"]
	if !has || isNull(raw) {
		return "", false, nil
	}
	if err := json.Unmarshal(raw, &version); err != nil {
		return "", false, invalidJSON("/version", "expected a string")
	}
	for k, v := range body {
		if k != "version" && k != "id" && !isNull(v) {
			var p problems
			p.add("/", "The 'version' field may only be combined with the 'id' field.")
			return "", false, p.err(MessageInvalid)
		}
	}
	if _, err := ParseVersion(version); err != nil {
		return "", false, invalidJSON("/version", err.Error())
	}
	return version, true, nil
}

// object parses a JSON object into its members.
func object(data []byte) (map[string]json.RawMessage, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, invalidJSON("/", "expected a JSON object")
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &body); err != nil {
		return nil, invalidJSON("/", jsonMessage(err))
	}
	return body, nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// appFields maps App's JSON member names to its struct fields.
var appFields = func() map[string]int {
	m := map[string]int{}
	t := reflect.TypeFor[App]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			m[name] = i
		}
	}
	return m
}()

// apply writes the members of body onto a. base is the group that relative ids are
// resolved against.
func apply(a *App, body map[string]json.RawMessage, base string, patch bool) error {
	var bad, invalid problems
	defaults := Defaults()
	keys := make([]string, 0, len(body))
	for k := range body {
		keys = append(keys, k)
	}
	slices.Sort(keys)

	var ports []int
	portsGiven, defsGiven := false, false
	var uris []string
	for _, key := range keys {
		raw := body[key]
		null := isNull(raw)
		path := "/" + key
		switch key {
		case "id":
			if patch || null {
				continue
			}
			var id string
			if err := json.Unmarshal(raw, &id); err != nil {
				bad.add(path, jsonMessage(err))
				continue
			}
			a.ID = id
		case "version", "versionInfo":
			if patch {
				continue
			}
			setField(a, defaults, key, raw, null, &bad)
		case "cmd":
			setField(a, defaults, key, raw, null, &bad)
			if patch && a.Cmd != "" && !present(body, "args") {
				a.Args = nil
			}
		case "args":
			setField(a, defaults, key, raw, null, &bad)
			if patch && len(a.Args) > 0 && !present(body, "cmd") {
				a.Cmd = ""
			}
		case "env", "labels":
			if null {
				if !patch {
					setField(a, defaults, key, raw, true, &bad)
				}
				continue
			}
			m, ok := stringMap(path, raw, key == "env", &bad, &invalid)
			if !ok {
				continue
			}
			if key == "env" {
				a.Env = m
			} else {
				a.Labels = m
			}
		case "ports":
			if null {
				continue
			}
			if err := json.Unmarshal(raw, &ports); err != nil {
				bad.add(path, jsonMessage(err))
				continue
			}
			portsGiven = true
		case "portDefinitions":
			if null {
				continue
			}
			defs, ok := decodeList(path, raw, func() PortDefinition { return PortDefinition{Protocol: "tcp"} }, &bad)
			if !ok {
				continue
			}
			a.PortDefinitions = defs
			defsGiven = true
		case "uris":
			if null {
				continue
			}
			if err := json.Unmarshal(raw, &uris); err != nil {
				bad.add(path, jsonMessage(err))
			}
		case "fetch":
			if null {
				if !patch {
					a.Fetch = []Fetch{}
				}
				continue
			}
			fetch, ok := decodeList(path, raw, func() Fetch { return Fetch{Extract: true} }, &bad)
			if ok {
				a.Fetch = fetch
			}
		case "healthChecks":
			if null {
				if !patch {
					a.HealthChecks = []HealthCheck{}
				}
				continue
			}
			checks, ok := decodeHealthChecks(path, raw, &bad)
			if ok {
				a.HealthChecks = checks
			}
		case "constraints":
			if null {
				if !patch {
					a.Constraints = [][]string{}
				}
				continue
			}
			if cs, ok := constraintList(path, raw, &bad); ok {
				a.Constraints = cs
			}
		case "container":
			if !null {
				checkContainer(raw, &invalid)
			}
		case "networks":
			if !null {
				checkNetworks(raw, &bad, &invalid)
			}
		case "secrets":
			var m map[string]json.RawMessage
			if !null && json.Unmarshal(raw, &m) == nil && len(m) > 0 {
				invalid.add(path, "secrets are not supported by agora")
			}
		default:
			if _, known := appFields[key]; !known {
				continue // Marathon ignores members it does not know
			}
			if null && patch {
				continue
			}
			setField(a, defaults, key, raw, null, &bad)
		}
	}

	// The deprecated forms, as Marathon's AppNormalization reads them.
	switch {
	case portsGiven && defsGiven:
		if !samePorts(ports, a.PortDefinitions) {
			invalid.add("/", "cannot specify both ports and port definitions")
		}
	case portsGiven:
		a.PortDefinitions = make([]PortDefinition, len(ports))
		for i, p := range ports {
			a.PortDefinitions[i] = PortDefinition{Port: p, Protocol: "tcp"}
		}
	}
	if len(uris) > 0 {
		if present(body, "fetch") && len(a.Fetch) > 0 {
			invalid.add("/", "cannot specify both uris and fetch fields")
		} else {
			a.Fetch = make([]Fetch, len(uris))
			for i, u := range uris {
				a.Fetch[i] = Fetch{URI: u, Extract: isArchive(u)}
			}
		}
	}

	if err := bad.err(MessageInvalidJSON); err != nil {
		return err
	}
	if err := invalid.err(MessageInvalid); err != nil {
		return err
	}

	if !patch && a.ID != "" {
		if id, err := CanonicalID(a.ID, base); err == nil {
			a.ID = id
		} // else Validate names the problem
	}
	if strings.HasPrefix(a.ID, "/") {
		parent := Parent(a.ID)
		for i, d := range a.Dependencies {
			if id, err := CanonicalID(d, parent); err == nil {
				a.Dependencies[i] = id
			}
		}
	}
	normalize(a)
	return nil
}

// present reports whether body has key with a value other than null.
func present(body map[string]json.RawMessage, key string) bool {
	raw, ok := body[key]
	return ok && !isNull(raw)
}

// setField decodes raw into a's field for the JSON member key, or, for null, copies the
// default from defaults.
func setField(a, defaults *App, key string, raw json.RawMessage, null bool, bad *problems) {
	i, ok := appFields[key]
	if !ok {
		return
	}
	field := reflect.ValueOf(a).Elem().Field(i)
	def := reflect.ValueOf(defaults).Elem().Field(i)
	if null {
		field.Set(def)
		return
	}
	// Start from the default so that an object member's missing fields take theirs.
	v := reflect.New(field.Type())
	v.Elem().Set(def)
	if err := json.Unmarshal(raw, v.Interface()); err != nil {
		bad.add(errorPath("/"+key, err), jsonMessage(err))
		return
	}
	field.Set(v.Elem())
}

// decodeList decodes a JSON array whose elements start from fresh() before their members
// are read, so that members an element leaves out take their defaults.
func decodeList[T any](path string, raw json.RawMessage, fresh func() T, bad *problems) ([]T, bool) {
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		bad.add(path, jsonMessage(err))
		return nil, false
	}
	out := make([]T, len(elems))
	ok := true
	for i, e := range elems {
		out[i] = fresh()
		p := path + "(" + strconv.Itoa(i) + ")"
		if isNull(e) {
			bad.add(p, "expected an object, got null")
			ok = false
			continue
		}
		if err := json.Unmarshal(e, &out[i]); err != nil {
			bad.add(errorPath(p, err), jsonMessage(err))
			ok = false
		}
	}
	return out, ok
}

func decodeHealthChecks(path string, raw json.RawMessage, bad *problems) ([]HealthCheck, bool) {
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		bad.add(path, jsonMessage(err))
		return nil, false
	}
	out := make([]HealthCheck, len(elems))
	ok := true
	for i, e := range elems {
		p := path + "(" + strconv.Itoa(i) + ")"
		var head struct {
			Protocol *string `json:"protocol"`
		}
		if err := json.Unmarshal(e, &head); err != nil || isNull(e) {
			msg := "expected an object"
			if err != nil {
				msg = jsonMessage(err)
			}
			bad.add(errorPath(p, err), msg)
			ok = false
			continue
		}
		protocol := ProtocolHTTP
		if head.Protocol != nil {
			protocol = strings.ToUpper(*head.Protocol)
		}
		out[i] = DefaultHealthCheck(protocol)
		if err := json.Unmarshal(e, &out[i]); err != nil {
			bad.add(errorPath(p, err), jsonMessage(err))
			ok = false
			continue
		}
		out[i].Protocol = protocol
	}
	return out, ok
}

// stringMap reads env or labels: an object of strings. Numbers and booleans are taken as
// their text; Marathon's secret references are refused.
func stringMap(path string, raw json.RawMessage, env bool, bad, invalid *problems) (map[string]string, bool) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		bad.add(path, jsonMessage(err))
		return nil, false
	}
	out := make(map[string]string, len(m))
	ok := true
	for k, v := range m {
		v = bytes.TrimSpace(v)
		p := path + "/" + k
		switch {
		case len(v) == 0:
		case v[0] == '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				bad.add(p, jsonMessage(err))
				ok = false
			}
			out[k] = s
		case v[0] == '{' && env && bytes.Contains(v, []byte(`"secret"`)):
			invalid.add(p, `secret references ({"secret": ...}) are not supported by agora; env values must be strings`)
			ok = false
		case v[0] == '{' || v[0] == '[' || string(v) == "null":
			bad.add(p, "expected a string, got "+jsonKind(v))
			ok = false
		default: // a number or a boolean: its text
			out[k] = string(v)
		}
	}
	return out, ok
}

// constraintList reads Marathon constraints, [[field, OPERATOR, value?], ...], taking a
// number or boolean as its text (YAML files write GROUP_BY counts as numbers).
func constraintList(path string, raw json.RawMessage, bad *problems) ([][]string, bool) {
	var list [][]json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		bad.add(path, jsonMessage(err)+`; want [["field", "OPERATOR", "value"], ...]`)
		return nil, false
	}
	out := make([][]string, len(list))
	ok := true
	for i, parts := range list {
		out[i] = make([]string, len(parts))
		for j, v := range parts {
			v = bytes.TrimSpace(v)
			switch k := jsonKind(v); k {
			case "a string":
				_ = json.Unmarshal(v, &out[i][j])
			case "a number", "a boolean":
				out[i][j] = string(v)
			default:
				bad.add(path+"("+strconv.Itoa(i)+")", "expected a string, got "+k)
				ok = false
			}
		}
	}
	return out, ok
}

func jsonKind(v []byte) string {
	switch {
	case len(v) == 0:
		return "nothing"
	case v[0] == '{':
		return "an object"
	case v[0] == '[':
		return "an array"
	case v[0] == '"':
		return "a string"
	case string(v) == "null":
		return "null"
	case string(v) == "true" || string(v) == "false":
		return "a boolean"
	}
	return "a number"
}

// checkContainer refuses Docker containers: agora runs commands on the agent's host.
func checkContainer(raw json.RawMessage, invalid *problems) {
	var c struct {
		Type   string          `json:"type"`
		Docker json.RawMessage `json:"docker"`
		Appc   json.RawMessage `json:"appc"`
	}
	_ = json.Unmarshal(raw, &c)
	if strings.EqualFold(c.Type, "DOCKER") || (len(c.Docker) > 0 && !isNull(c.Docker)) || (len(c.Appc) > 0 && !isNull(c.Appc)) {
		invalid.add("/container", "container images (Docker, appc) are not supported by agora; give cmd or args to run on the agent's host")
	}
}

// checkNetworks reads Marathon's "networks" (1.5+): agora runs every task in the agent's
// host network, so only [{"mode": "host"}] (or none) is accepted; container networks are
// refused rather than silently given the host's.
func checkNetworks(raw json.RawMessage, bad, invalid *problems) {
	var nets []struct {
		Mode string `json:"mode"`
	}
	if err := json.Unmarshal(raw, &nets); err != nil {
		bad.add("/networks", jsonMessage(err))
		return
	}
	for i, n := range nets {
		path := "/networks(" + strconv.Itoa(i) + ")/mode"
		switch n.Mode {
		case "", "host":
			if i > 0 {
				invalid.add("/networks", "host networking must be the only network")
			}
		case "container", "container/bridge":
			invalid.add(path, "container networks are not supported by agora: tasks run in the agent's host network (mode host)")
		default:
			invalid.add(path, "got "+strconv.Quote(n.Mode)+", expected one of host, container, container/bridge")
		}
	}
}

func samePorts(ports []int, defs []PortDefinition) bool {
	if len(ports) != len(defs) {
		return false
	}
	for i, p := range ports {
		if defs[i].Port != p {
			return false
		}
	}
	return true
}

// archiveSuffixes are the names the Mesos fetcher extracts (Marathon's FetchUri).
var archiveSuffixes = []string{".tar", ".tar.gz", ".tar.bz2", ".tar.xz", ".gz", ".tgz", ".tbz2", ".txz", ".zip"}

func isArchive(uri string) bool {
	for _, s := range archiveSuffixes {
		if strings.HasSuffix(uri, s) {
			return true
		}
	}
	return false
}

// normalize replaces nil lists and maps with empty ones so that an App prints as Marathon
// prints one, and fills the health check port index Marathon fills.
func normalize(a *App) {
	if a.Env == nil {
		a.Env = map[string]string{}
	}
	if a.Labels == nil {
		a.Labels = map[string]string{}
	}
	if a.Constraints == nil {
		a.Constraints = [][]string{}
	}
	if a.PortDefinitions == nil {
		a.PortDefinitions = []PortDefinition{}
	}
	if a.Fetch == nil {
		a.Fetch = []Fetch{}
	}
	if a.HealthChecks == nil {
		a.HealthChecks = []HealthCheck{}
	}
	if a.Dependencies == nil {
		a.Dependencies = []string{}
	}
	// Members Marathon leaves out when empty are nil, so that a printed app reads back
	// the same.
	if len(a.Args) == 0 {
		a.Args = nil
	}
	if len(a.AcceptedResourceRoles) == 0 {
		a.AcceptedResourceRoles = nil
	}
	for i := range a.PortDefinitions {
		if len(a.PortDefinitions[i].Labels) == 0 {
			a.PortDefinitions[i].Labels = nil
		}
	}
	for i := range a.HealthChecks {
		h := &a.HealthChecks[i]
		if h.Protocol == "" {
			h.Protocol = ProtocolHTTP
		}
		if h.Path == "" && h.UsesPath() {
			h.Path = DefaultHealthPath // go-marathon sends "path": ""
		}
		if h.Protocol != ProtocolCommand && h.Command == nil && h.Port == nil && h.PortIndex == nil && len(a.PortDefinitions) > 0 {
			zero := 0
			h.PortIndex = &zero
		}
	}
}

// errorPath extends path with the member a json error names.
func errorPath(path string, err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return path + "/" + strings.ReplaceAll(te.Field, ".", "/")
	}
	return path
}

// jsonMessage says what a json error found, without Go type names.
func jsonMessage(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		want := "a value"
		switch te.Type.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			want = "an integer"
		case reflect.Float32, reflect.Float64:
			want = "a number"
		case reflect.String:
			want = "a string"
		case reflect.Bool:
			want = "a boolean"
		case reflect.Slice, reflect.Array:
			want = "an array"
		case reflect.Map, reflect.Struct:
			want = "an object"
		case reflect.Pointer:
			want = "an object"
			if e := te.Type.Elem().Kind(); e == reflect.Int {
				want = "an integer"
			}
		}
		got := te.Value
		switch got {
		case "number", "string", "array", "object", "bool":
			if got == "bool" {
				got = "boolean"
			}
			got = "a " + got
			if te.Value == "array" || te.Value == "object" {
				got = "an " + te.Value
			}
		default:
			if strings.HasPrefix(got, "number") {
				got = strings.Replace(got, "number", "the number", 1)
			}
		}
		return "expected " + want + ", got " + got
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return "malformed JSON at byte " + strconv.FormatInt(se.Offset, 10) + ": " + se.Error()
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}
