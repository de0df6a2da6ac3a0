package containerizer

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// ErrInvalidDuration reports a duration that is not written in Mesos units.
var ErrInvalidDuration = errors.New("containerizer: invalid duration")

// Mesos duration units, smallest first. The factors are those of stout's
// Duration (3rdparty/stout/include/stout/duration.hpp); a Mesos "day" is
// exactly 24 hours and a "week" exactly 7 days.
const (
	day  = 24 * time.Hour
	week = 7 * day
)

var durationUnits = []struct {
	name   string
	factor time.Duration
}{
	{"ns", time.Nanosecond},
	{"us", time.Microsecond},
	{"ms", time.Millisecond},
	{"secs", time.Second},
	{"mins", time.Minute},
	{"hrs", time.Hour},
	{"days", day},
	{"weeks", week},
}

// FormatDuration writes d the way Mesos prints a Duration, which is what
// executors parse out of MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD and friends:
// 5s is "5secs", 15m is "15mins", 3.14s is "3140ms", 10 days is "10days"
// and 14 days is "2weeks".
//
// It reproduces stout's operator<<: pick the largest unit not exceeding d;
// if d is not a whole number of that unit but is a whole number of the next
// smaller one, use the smaller one ("10days", not "1.42857142857143weeks");
// otherwise print the value in the larger unit with up to 15 significant
// digits ("1.1875days").
func FormatDuration(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign = "-"
		if d == math.MinInt64 {
			// -MinInt64 overflows; stout prints Duration::max() here too.
			d = math.MaxInt64
		} else {
			d = -d
		}
	}
	if d < time.Microsecond {
		return sign + strconv.FormatInt(int64(d), 10) + "ns"
	}
	// i is the largest unit with d >= unit (d >= 1us, so i >= 1).
	i := len(durationUnits) - 1
	for d < durationUnits[i].factor {
		i--
	}
	unit, smaller := durationUnits[i], durationUnits[i-1]
	if d%unit.factor != 0 && d%smaller.factor == 0 {
		unit = smaller
	}
	// %.15g, as stout sets the stream precision to digits10 of a double.
	value := float64(d) / float64(unit.factor)
	return sign + strconv.FormatFloat(value, 'g', 15, 64) + unit.name
}

// ParseDuration reads a duration in Mesos units, as Mesos's flag parser does
// (stout's Duration::parse): a non-negative decimal number immediately
// followed by one of ns, us, ms, secs, mins, hrs, days or weeks, for example
// "5secs", "1.5mins" or "15mins". Like Mesos it rejects a missing unit,
// spaces, signs and exponents. The value is rounded to the nearest
// nanosecond (Mesos truncates; the two differ only below a nanosecond).
func ParseDuration(s string) (time.Duration, error) {
	end := 0
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || s[end] == '.') {
		end++
	}
	if end == len(s) {
		return 0, fmt.Errorf("%w: %q: want a number followed by a unit such as 5secs", ErrInvalidDuration, s)
	}
	number, unitName := s[:end], s[end:]
	value, err := strconv.ParseFloat(number, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q: %q is not a number", ErrInvalidDuration, s, number)
	}
	for _, unit := range durationUnits {
		if unit.name != unitName {
			continue
		}
		nanos := math.Round(value * float64(unit.factor))
		// float64(MaxInt64) rounds up to 2^63, which is already out of range.
		if nanos >= float64(math.MaxInt64) {
			return 0, fmt.Errorf("%w: %q is longer than the longest duration (%s)",
				ErrInvalidDuration, s, FormatDuration(math.MaxInt64))
		}
		return time.Duration(nanos), nil
	}
	return 0, fmt.Errorf("%w: %q: unknown unit %q; supported units are ns, us, ms, secs, mins, hrs, days and weeks",
		ErrInvalidDuration, s, unitName)
}
