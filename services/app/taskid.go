package app

import (
	"fmt"
	"strings"
)

// TaskID returns Marathon's task id for an instance of appID: the app id without its
// leading slash and with '/' replaced by '_', a '.', then uuid
// ("/prod/web" → "prod_web.4f1c…"). App ids never contain '_', so the mapping reverses.
func TaskID(appID, uuid string) string {
	return strings.ReplaceAll(strings.TrimPrefix(appID, "/"), "/", "_") + "." + uuid
}

// AppIDFromTaskID returns the app id a task id belongs to: "/prod/web" for
// "prod_web.4f1c…". It also reads Marathon 1.5+ instance task ids
// ("prod_web.instance-4f1c…._app.1" and "prod_web.marathon-4f1c…").
func AppIDFromTaskID(taskID string) (string, error) {
	prefix := ""
	for _, marker := range []string{".instance-", ".marathon-"} {
		if i := strings.LastIndex(taskID, marker); i > 0 {
			prefix = taskID[:i]
			break
		}
	}
	if prefix == "" {
		i := strings.LastIndexByte(taskID, '.')
		if i <= 0 || i == len(taskID)-1 {
			return "", fmt.Errorf("%w: task id %q is not an app id with '/' as '_', a '.' and a unique suffix", ErrBadID, taskID)
		}
		prefix = taskID[:i]
	}
	id := "/" + strings.ReplaceAll(prefix, "_", "/")
	if msgs := checkID(id); len(msgs) > 0 {
		return "", fmt.Errorf("%w: task id %q names app %q, which %s", ErrBadID, taskID, id, msgs[0])
	}
	return id, nil
}
