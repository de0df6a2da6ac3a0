package master

import (
	"time"

	"agora/agent/containerizer"
)

func durationFlag(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return containerizer.FormatDuration(d)
}
