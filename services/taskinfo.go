package services

import (
	"math"
	"strings"

	mesospb "agora/api/mesos/v1"
	"agora/services/app"

	"google.golang.org/protobuf/proto"
)

// slot is where one instance goes: an agent, the resources taken from its
// offer (in the offer's own format) and the host ports chosen for the app's
// port definitions, in order.
type slot struct {
	AgentID   string
	Hostname  string
	Resources []*mesospb.Resource
	HostPorts []int
}

// neverKill is the consecutive_failures given to the agent's health checks:
// the agent reports health, the engine decides which unhealthy instance may
// be killed, so that health failures never kill more than the upgrade
// strategy allows at once.
const neverKill = math.MaxUint32

// taskInfo builds the TaskInfo of one instance of a.
func taskInfo(a *app.App, taskID string, index int, s slot) *mesospb.TaskInfo {
	cmd := &mesospb.CommandInfo{
		Environment: &mesospb.Environment{Variables: environment(a, taskID, index, s)},
	}
	if a.Cmd != "" {
		cmd.Shell = proto.Bool(true)
		cmd.Value = proto.String(a.Cmd)
	} else if len(a.Args) > 0 {
		cmd.Shell = proto.Bool(false)
		cmd.Value = proto.String(a.Args[0])
		cmd.Arguments = append([]string(nil), a.Args...)
	}
	if a.User != "" {
		cmd.User = proto.String(a.User)
	}
	for _, f := range a.Fetch {
		cmd.Uris = append(cmd.Uris, &mesospb.CommandInfo_URI{
			Value:      proto.String(f.URI),
			Executable: proto.Bool(f.Executable),
			Extract:    proto.Bool(f.Extract),
			Cache:      proto.Bool(f.Cache),
			OutputFile: optString(f.DestPath),
		})
	}
	t := &mesospb.TaskInfo{
		Name:      proto.String(taskName(a.ID)),
		TaskId:    &mesospb.TaskID{Value: proto.String(taskID)},
		AgentId:   &mesospb.AgentID{Value: proto.String(s.AgentID)},
		Resources: s.Resources,
		Command:   cmd,
	}
	if len(a.Labels) > 0 {
		t.Labels = &mesospb.Labels{}
		for _, k := range sortedKeys(a.Labels) {
			t.Labels.Labels = append(t.Labels.Labels, &mesospb.Label{Key: proto.String(k), Value: proto.String(a.Labels[k])})
		}
	}
	if a.TaskKillGracePeriodSeconds > 0 {
		t.KillPolicy = &mesospb.KillPolicy{GracePeriod: &mesospb.DurationInfo{
			Nanoseconds: proto.Int64(int64(a.TaskKillGracePeriodSeconds * 1e9)),
		}}
	}
	if hc := healthCheck(a, s); hc != nil {
		t.HealthCheck = hc
	}
	return t
}

// taskName is Marathon's: the app id's path segments, last first, joined by
// dots ("/prod/web" → "web.prod").
func taskName(id string) string {
	parts := strings.Split(strings.Trim(id, "/"), "/")
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, ".")
}

// environment is the task's environment as Marathon builds it (app.TaskEnv),
// in a stable order.
func environment(a *app.App, taskID string, index int, s slot) []*mesospb.Environment_Variable {
	env := app.TaskEnv(a, taskID, s.Hostname, s.HostPorts, index)
	out := make([]*mesospb.Environment_Variable, 0, len(env))
	for _, k := range sortedKeys(env) {
		out = append(out, &mesospb.Environment_Variable{Name: proto.String(k), Value: proto.String(env[k])})
	}
	return out
}

// healthCheck turns the app's first health check into the agent's. Mesos
// runs one health check per task; Marathon's own HTTP/HTTPS/TCP checks are
// delegated to the agent like their MESOS_ counterparts.
func healthCheck(a *app.App, s slot) *mesospb.HealthCheck {
	if len(a.HealthChecks) == 0 {
		return nil
	}
	h := a.HealthChecks[0]
	hc := &mesospb.HealthCheck{
		DelaySeconds:        proto.Float64(float64(h.DelaySeconds)),
		IntervalSeconds:     proto.Float64(float64(h.IntervalSeconds)),
		TimeoutSeconds:      proto.Float64(float64(h.TimeoutSeconds)),
		GracePeriodSeconds:  proto.Float64(float64(h.GracePeriodSeconds)),
		ConsecutiveFailures: proto.Uint32(neverKill),
	}
	port := 0
	switch {
	case h.Port != nil:
		port = *h.Port
	case h.PortIndex != nil && *h.PortIndex < len(s.HostPorts):
		port = s.HostPorts[*h.PortIndex]
	case len(s.HostPorts) > 0:
		port = s.HostPorts[0]
	}
	switch h.Protocol {
	case app.ProtocolCommand:
		if h.Command == nil {
			return nil
		}
		hc.Type = mesospb.HealthCheck_COMMAND.Enum()
		hc.Command = &mesospb.CommandInfo{Shell: proto.Bool(true), Value: proto.String(h.Command.Value)}
	case app.ProtocolTCP, app.ProtocolMesosTCP:
		hc.Type = mesospb.HealthCheck_TCP.Enum()
		hc.Tcp = &mesospb.HealthCheck_TCPCheckInfo{Port: proto.Uint32(uint32(port))}
	default: // HTTP, HTTPS, MESOS_HTTP, MESOS_HTTPS
		scheme := "http"
		if h.Protocol == app.ProtocolHTTPS || h.Protocol == app.ProtocolMesosHTTPS {
			scheme = "https"
		}
		path := h.Path
		if path == "" {
			path = app.DefaultHealthPath
		}
		hc.Type = mesospb.HealthCheck_HTTP.Enum()
		hc.Http = &mesospb.HealthCheck_HTTPCheckInfo{
			Scheme: proto.String(scheme),
			Port:   proto.Uint32(uint32(port)),
			Path:   proto.String(path),
		}
	}
	return hc
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return proto.String(s)
}
