package containerizer

import (
	"errors"
	"math"
	"testing"
	"time"
)

// The expectations are stout's own (3rdparty/stout/tests/duration_tests.cpp)
// plus the values agents put into executor environments.
func TestFormatDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0ns"},
		{1, "1ns"},
		{2, "2ns"},
		{1500 * time.Nanosecond, "1500ns"},
		{7 * time.Microsecond, "7us"},
		{1500 * time.Microsecond, "1500us"},
		{250 * time.Millisecond, "250ms"},
		{3141592653, "3.141592653secs"},
		{3140 * time.Millisecond, "3140ms"},
		{2 * time.Second, "2secs"},
		{5 * time.Second, "5secs"},
		{90 * time.Second, "90secs"},
		{90*time.Second + time.Millisecond, "1.50001666666667mins"},
		{15 * time.Minute, "15mins"},
		{10 * time.Hour, "10hrs"},
		{-10 * time.Hour, "-10hrs"},
		{10 * day, "10days"},
		{day + 4*time.Hour + 30*time.Minute, "1.1875days"},
		{14 * day, "2weeks"},
		{math.MaxInt64, "15250.2844524715weeks"},
		{math.MinInt64, "-15250.2844524715weeks"},
	}
	for _, tt := range tests {
		if got := FormatDuration(tt.in); got != tt.want {
			t.Errorf("FormatDuration(%d) = %q, want %q", int64(tt.in), got, tt.want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"0ns", 0},
		{"1ns", 1},
		{"7us", 7 * time.Microsecond},
		{"250ms", 250 * time.Millisecond},
		{"5secs", 5 * time.Second},
		{"1.5mins", 90 * time.Second},
		{"15mins", 15 * time.Minute},
		{"3hrs", 3 * time.Hour},
		{"3.5hrs", 3*time.Hour + 30*time.Minute},
		{"1days", day},
		{"2weeks", 14 * day},
		{".5secs", 500 * time.Millisecond},
		{"5.secs", 5 * time.Second},
		{"0.1secs", 100 * time.Millisecond},
		{"3.141592653secs", 3141592653},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseDurationRejectsWhatMesosRejects(t *testing.T) {
	for _, in := range []string{
		"",
		"5",         // no unit
		"secs",      // no number
		"5s",        // Go unit, not a Mesos one
		"5sec",      // singular
		"5 secs",    // space
		" 5secs",    // leading space
		"-5secs",    // Mesos has no negative durations on input
		"+5secs",    // sign
		"1e3secs",   // exponent
		"1.2.3secs", // two points
		".secs",     // a point alone is no number
		"9223372036854775807secs",
		"15250.3weeks",
	} {
		if d, err := ParseDuration(in); !errors.Is(err, ErrInvalidDuration) {
			t.Errorf("ParseDuration(%q) = %v, %v; want ErrInvalidDuration", in, d, err)
		}
	}
}

// What FormatDuration writes, ParseDuration reads back.
func TestDurationRoundTrip(t *testing.T) {
	for _, d := range []time.Duration{
		0, 1, 999, time.Microsecond, 1234 * time.Microsecond, 5 * time.Second,
		3140 * time.Millisecond, 3141592653, 15 * time.Minute, 2 * time.Hour,
		day + 4*time.Hour + 30*time.Minute, 10 * day, 14 * day, 5217 * week,
	} {
		s := FormatDuration(d)
		got, err := ParseDuration(s)
		if err != nil || got != d {
			t.Errorf("ParseDuration(FormatDuration(%d) = %q) = %d, %v", int64(d), s, int64(got), err)
		}
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"5secs", "1.5mins", "3.5hrs", "", "1e3secs", "99999999999weeks"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		if d < 0 {
			t.Fatalf("ParseDuration(%q) = %d, a negative duration", s, int64(d))
		}
	})
}
