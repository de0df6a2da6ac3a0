package gc

import (
	"math"
	"sort"
	"time"
)

// Defaults of the agent flags that drive garbage collection.
const (
	// DefaultDelay is --gc_delay.
	DefaultDelay = 7 * 24 * time.Hour
	// DefaultDiskHeadroom is --gc_disk_headroom.
	DefaultDiskHeadroom = 0.1
	// DefaultDiskWatchInterval is --disk_watch_interval.
	DefaultDiskWatchInterval = time.Minute
)

// Schedule holds the paths waiting for deletion and when each is due. It
// is pure (no clock, no I/O) and not safe for concurrent use.
type Schedule struct {
	due map[string]time.Time
}

// NewSchedule returns an empty schedule.
func NewSchedule() *Schedule { return &Schedule{due: make(map[string]time.Time)} }

// Add schedules path for deletion at at; a path already scheduled is
// rescheduled, as Mesos's GarbageCollector::schedule does.
func (s *Schedule) Add(path string, at time.Time) { s.due[path] = at }

// Remove unschedules path and reports whether it was scheduled.
func (s *Schedule) Remove(path string) bool {
	_, ok := s.due[path]
	delete(s.due, path)
	return ok
}

// Len is how many paths are scheduled.
func (s *Schedule) Len() int { return len(s.due) }

// Has reports whether path is scheduled, and when.
func (s *Schedule) Has(path string) (time.Time, bool) {
	at, ok := s.due[path]
	return at, ok
}

// Next is the earliest due time; false if nothing is scheduled.
func (s *Schedule) Next() (time.Time, bool) {
	var next time.Time
	for _, at := range s.due {
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	return next, !next.IsZero()
}

// Due takes out every path due at now, earliest first.
func (s *Schedule) Due(now time.Time) []string {
	return s.Prune(now, 0)
}

// Prune takes out every path due within d of now, earliest first: Mesos's
// GarbageCollector::prune, which the disk watch calls with gc_delay −
// MaxAge so that everything scheduled at least MaxAge ago goes.
func (s *Schedule) Prune(now time.Time, d time.Duration) []string {
	type entry struct {
		path string
		at   time.Time
	}
	var out []entry
	for path, at := range s.due {
		if at.Sub(now) <= d {
			out = append(out, entry{path, at})
			delete(s.due, path)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].at.Equal(out[j].at) {
			return out[i].at.Before(out[j].at)
		}
		return out[i].path < out[j].path
	})
	paths := make([]string, len(out))
	for i, e := range out {
		paths[i] = e.path
	}
	return paths
}

// MaxAge is how old a finished sandbox may grow before it is deleted,
// given how full its disk is (usage, 0 to 1): Mesos's Slave::age,
// delay × max(0, 1 − headroom − usage).
func MaxAge(delay time.Duration, headroom, usage float64) time.Duration {
	f := math.Max(0, 1-headroom-usage)
	if math.IsNaN(f) {
		f = 0
	}
	return time.Duration(float64(delay) * math.Min(f, 1))
}
