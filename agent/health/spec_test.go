package health

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
)

func TestFromProtoDefaults(t *testing.T) {
	spec, err := FromProto(&mesospb.HealthCheck{
		Type: mesospb.HealthCheck_TCP.Enum(),
		Tcp:  &mesospb.HealthCheck_TCPCheckInfo{Port: proto.Uint32(8080)},
	})
	if err != nil || spec.TCP == nil || spec.TCP.Port != 8080 || spec.Timing != DefaultTiming() || spec.Type() != "TCP" {
		t.Fatalf("FromProto = %+v, %v; want a TCP check with the default timing", spec, err)
	}
	spec, err = FromProto(&mesospb.HealthCheck{
		Type:                mesospb.HealthCheck_HTTP.Enum(),
		Http:                &mesospb.HealthCheck_HTTPCheckInfo{Port: proto.Uint32(80), Path: proto.String("/ok"), Scheme: proto.String("https")},
		DelaySeconds:        proto.Float64(0),
		IntervalSeconds:     proto.Float64(0.1),
		TimeoutSeconds:      proto.Float64(0.5),
		GracePeriodSeconds:  proto.Float64(0),
		ConsecutiveFailures: proto.Uint32(1),
	})
	want := Timing{Interval: 100 * time.Millisecond, Timeout: 500 * time.Millisecond, ConsecutiveFailures: 1}
	if err != nil || spec.Timing != want || spec.HTTP.URL() != "https://127.0.0.1:80/ok" {
		t.Fatalf("FromProto = %+v, %v; want timing %+v", spec, err, want)
	}
}

func TestFromProtoRejectsWhatMesosRejects(t *testing.T) {
	cmd := &mesospb.CommandInfo{Value: proto.String("true")}
	tests := []struct {
		hc   *mesospb.HealthCheck
		want string
	}{
		{&mesospb.HealthCheck{}, "HealthCheck must specify 'type'"},
		{&mesospb.HealthCheck{Type: mesospb.HealthCheck_UNKNOWN.Enum()}, "'UNKNOWN' is not a valid health check type"},
		{&mesospb.HealthCheck{Type: mesospb.HealthCheck_COMMAND.Enum()}, "Expecting 'command' to be set for COMMAND health check"},
		{&mesospb.HealthCheck{Type: mesospb.HealthCheck_COMMAND.Enum(), Command: &mesospb.CommandInfo{}},
			"Command health check must contain 'shell command'"},
		{&mesospb.HealthCheck{Type: mesospb.HealthCheck_COMMAND.Enum(), Command: &mesospb.CommandInfo{Shell: proto.Bool(false)}},
			"Command health check must contain 'executable path'"},
		{&mesospb.HealthCheck{Type: mesospb.HealthCheck_HTTP.Enum()}, "Expecting 'http' to be set for HTTP health check"},
		{&mesospb.HealthCheck{Type: mesospb.HealthCheck_HTTP.Enum(),
			Http: &mesospb.HealthCheck_HTTPCheckInfo{Port: proto.Uint32(1), Scheme: proto.String("ftp")}},
			"Unsupported HTTP health check scheme: 'ftp'"},
		{&mesospb.HealthCheck{Type: mesospb.HealthCheck_HTTP.Enum(),
			Http: &mesospb.HealthCheck_HTTPCheckInfo{Port: proto.Uint32(1), Path: proto.String("health")}},
			"The path 'health' of HTTP health check must start with '/'"},
		{&mesospb.HealthCheck{Type: mesospb.HealthCheck_TCP.Enum()}, "Expecting 'tcp' to be set for TCP health check"},
		{&mesospb.HealthCheck{Type: mesospb.HealthCheck_COMMAND.Enum(), Command: cmd, DelaySeconds: proto.Float64(-1)},
			"Expecting 'delay_seconds' to be non-negative"},
		{&mesospb.HealthCheck{Type: mesospb.HealthCheck_COMMAND.Enum(), Command: cmd, GracePeriodSeconds: proto.Float64(-1)},
			"Expecting 'grace_period_seconds' to be non-negative"},
		{&mesospb.HealthCheck{Type: mesospb.HealthCheck_COMMAND.Enum(), Command: cmd, IntervalSeconds: proto.Float64(-1)},
			"Expecting 'interval_seconds' to be non-negative"},
		{&mesospb.HealthCheck{Type: mesospb.HealthCheck_COMMAND.Enum(), Command: cmd, TimeoutSeconds: proto.Float64(-1)},
			"Expecting 'timeout_seconds' to be non-negative"},
		{&mesospb.HealthCheck{Type: mesospb.HealthCheck_COMMAND.Enum(), Command: cmd, TimeoutSeconds: proto.Float64(math.NaN())},
			"'timeout_seconds' is not a duration"},
		{&mesospb.HealthCheck{Type: mesospb.HealthCheck_COMMAND.Enum(), Command: cmd, DelaySeconds: proto.Float64(math.Inf(1))},
			"'delay_seconds' is not a duration"},
	}
	for _, tt := range tests {
		_, err := FromProto(tt.hc)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("FromProto(%v) = %v; want %q", tt.hc, err, tt.want)
		}
	}
}
