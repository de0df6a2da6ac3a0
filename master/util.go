package master

import (
	"strconv"
	"time"

	"agora/agent/containerizer"
)

func itoa(n int) string      { return strconv.Itoa(n) }
func itoa64(n uint64) string { return strconv.FormatUint(n, 10) }
func durationFlag(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return containerizer.FormatDuration(d)
}
