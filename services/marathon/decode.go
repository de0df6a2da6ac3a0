package marathon

import (
	"bytes"
	"encoding/json"

	"agora/services/app"
)

// decodeApp reads a full app definition and validates it. A non-empty id replaces the
// body's id, as Marathon does for PUT /v2/apps/{id} (the URL names the app).
func decodeApp(body []byte, id string) (*app.App, error) {
	if id != "" {
		var obj map[string]json.RawMessage
		if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '{' && json.Unmarshal(t, &obj) == nil {
			obj["id"], _ = json.Marshal(id)
			body, _ = json.Marshal(obj)
		}
		// Anything else is left for app.Decode to reject with its own message.
	}
	a, err := app.Decode(body)
	if err != nil {
		return nil, err
	}
	a.Version, a.VersionInfo = "", nil
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return a, nil
}

// decodeGroup reads a group body whose id has been resolved to id, and validates it.
func decodeGroup(obj map[string]json.RawMessage, id string) (*app.Group, error) {
	obj["id"], _ = json.Marshal(id)
	body, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	g, err := app.DecodeGroupIn(body, "/")
	if err != nil {
		return nil, err
	}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	return g, nil
}
