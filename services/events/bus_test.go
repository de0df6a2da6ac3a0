package events

import (
	"encoding/json"
	"sync"
	"testing"
	"time"
)

func fixedNow() time.Time { return time.Date(2026, 11, 24, 23, 37, 44, 123456789, time.UTC) }

func TestPublishSetsTypeAndTimestampAndMarathonFields(t *testing.T) {
	b := NewBus(Options{Now: fixedNow})
	s := b.Subscribe("test")
	defer s.Close()

	if err := b.Publish(&StatusUpdate{
		SlaveID: "S1", TaskID: "web.1", TaskStatus: "TASK_RUNNING", AppID: "/web", Host: "h1",
		IPAddresses: []IPAddress{{IPAddress: "10.0.0.1", Protocol: "IPv4"}}, Ports: []int{31000},
		Version: "2026-11-24T23:00:00.000Z",
	}); err != nil {
		t.Fatal(err)
	}
	m := <-s.C()
	if m.Type != "status_update_event" {
		t.Fatalf("type = %q", m.Type)
	}
	var got map[string]any
	if err := json.Unmarshal(m.Data, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"eventType": "status_update_event", "timestamp": "2026-11-24T23:37:44.123Z",
		"slaveId": "S1", "taskId": "web.1", "taskStatus": "TASK_RUNNING", "message": "",
		"appId": "/web", "host": "h1", "version": "2026-11-24T23:00:00.000Z",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if ports, _ := got["ports"].([]any); len(ports) != 1 || ports[0] != 31000.0 {
		t.Errorf("ports = %v", got["ports"])
	}
	if ips, _ := got["ipAddresses"].([]any); len(ips) != 1 {
		t.Errorf("ipAddresses = %v", got["ipAddresses"])
	}
}

func TestPublishKeepsAGivenTimestamp(t *testing.T) {
	b := NewBus(Options{Now: fixedNow})
	s := b.Subscribe("test")
	defer s.Close()
	b.Publish(&AppTerminated{Base: Base{Timestamp: "2020-01-01T00:00:00.000Z"}, AppID: "/a"})
	var got AppTerminated
	json.Unmarshal((<-s.C()).Data, &got)
	if got.Timestamp != "2020-01-01T00:00:00.000Z" || got.EventType != "app_terminated_event" || got.AppID != "/a" {
		t.Fatalf("got %+v", got)
	}
}

func TestEveryEventTypeHasItsMarathonName(t *testing.T) {
	all := map[Event]string{
		&APIPost{}: "api_post_event", &StatusUpdate{}: "status_update_event",
		&InstanceChanged{}: "instance_changed_event", &InstanceHealthChanged{}: "instance_health_changed_event",
		&UnknownInstanceTerminated{}: "unknown_instance_terminated_event", &AppTerminated{}: "app_terminated_event",
		&AddHealthCheck{}: "add_health_check_event", &RemoveHealthCheck{}: "remove_health_check_event",
		&FailedHealthCheck{}: "failed_health_check_event", &HealthStatusChanged{}: "health_status_changed_event",
		&UnhealthyTaskKill{}: "unhealthy_task_kill_event", &UnhealthyInstanceKill{}: "unhealthy_instance_kill_event",
		&GroupChangeSuccess{}: "group_change_success", &GroupChangeFailed{}: "group_change_failed",
		&DeploymentSuccess{}: "deployment_success", &DeploymentFailed{}: "deployment_failed",
		&DeploymentInfo{}: "deployment_info", &DeploymentStepSuccess{}: "deployment_step_success",
		&DeploymentStepFailure{}: "deployment_step_failure", &SchedulerRegistered{}: "scheduler_registered_event",
		&SchedulerReregistered{}: "scheduler_reregistered_event", &SchedulerDisconnected{}: "scheduler_disconnected_event",
		&EventStreamAttached{}: "event_stream_attached", &EventStreamDetached{}: "event_stream_detached",
		&FrameworkMessage{}: "framework_message_event",
	}
	b := NewBus(Options{Now: fixedNow})
	for e, name := range all {
		s := b.Subscribe("t")
		if err := b.Publish(e); err != nil {
			t.Fatal(err)
		}
		m := <-s.C()
		s.Close()
		var base Base
		json.Unmarshal(m.Data, &base)
		if m.Type != name || base.EventType != name || base.Timestamp == "" {
			t.Errorf("%T: type %q, eventType %q, timestamp %q; want %q", e, m.Type, base.EventType, base.Timestamp, name)
		}
	}
}

func TestDeploymentEventShape(t *testing.T) {
	b := NewBus(Options{Now: fixedNow})
	s := b.Subscribe("t")
	defer s.Close()
	plan := DeploymentPlan{ID: "d1", Version: "v", Steps: []DeploymentStep{{Actions: []DeploymentAction{{Action: "ScaleApplication", App: "/a"}}}}}
	b.Publish(&DeploymentInfo{Plan: plan, CurrentStep: plan.Steps[0]})
	const want = `{"eventType":"deployment_info","timestamp":"2026-11-24T23:37:44.123Z","plan":{"id":"d1","steps":[{"actions":[{"action":"ScaleApplication","app":"/a"}]}],"version":"v"},"currentStep":{"actions":[{"action":"ScaleApplication","app":"/a"}]}}`
	if got := string((<-s.C()).Data); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestFilterByType(t *testing.T) {
	b := NewBus(Options{})
	s := b.Subscribe("t", TypeDeploymentSuccess, TypeAppTerminated)
	defer s.Close()
	b.Publish(&StatusUpdate{})
	b.Publish(&AppTerminated{AppID: "/a"})
	b.Publish(&DeploymentFailed{ID: "x"})
	b.Publish(&DeploymentSuccess{ID: "d"})
	for _, want := range []string{TypeAppTerminated, TypeDeploymentSuccess} {
		if m := <-s.C(); m.Type != want {
			t.Fatalf("got %s, want %s", m.Type, want)
		}
	}
	select {
	case m := <-s.C():
		t.Fatalf("unexpected %s", m.Type)
	default:
	}
}

func TestSlowSubscriberIsDroppedAndOthersKeepReceiving(t *testing.T) {
	b := NewBus(Options{Buffer: 2})
	slow := b.Subscribe("slow")
	fast := b.Subscribe("fast")
	defer fast.Close()
	var got []string
	for i := range 5 {
		b.Publish(&AppTerminated{AppID: string(rune('a' + i))})
		m := <-fast.C()
		var e AppTerminated
		json.Unmarshal(m.Data, &e)
		got = append(got, e.AppID)
	}
	if len(got) != 5 {
		t.Fatalf("fast subscriber got %v", got)
	}
	if !slow.Dropped() || fast.Dropped() {
		t.Fatalf("dropped: slow %v fast %v", slow.Dropped(), fast.Dropped())
	}
	// The slow one keeps what it had buffered, then sees its channel closed.
	n := 0
	for range slow.C() {
		n++
	}
	if n != 2 {
		t.Fatalf("slow subscriber drained %d, want its buffer of 2", n)
	}
	if b.Subscribers() != 1 {
		t.Fatalf("subscribers = %d", b.Subscribers())
	}
	slow.Close() // after a drop: no panic
}

func TestCloseTwiceAndConcurrentPublish(t *testing.T) {
	b := NewBus(Options{Buffer: 4})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				b.Publish(&SchedulerDisconnected{})
			}
		}()
	}
	for range 50 {
		s := b.Subscribe("x")
		s.Close()
		s.Close()
	}
	wg.Wait()
	if b.Subscribers() != 0 {
		t.Fatalf("subscribers = %d", b.Subscribers())
	}
}

func TestPublishReportsEncodingErrors(t *testing.T) {
	b := NewBus(Options{})
	s := b.Subscribe("t")
	defer s.Close()
	if err := b.Publish(&APIPost{AppDefinition: func() {}}); err == nil {
		t.Fatal("want an encoding error")
	}
	select {
	case m := <-s.C():
		t.Fatalf("unexpected %s", m.Type)
	default:
	}
}

func TestCloseEndsSubscriptions(t *testing.T) {
	b := NewBus(Options{})
	s := b.Subscribe("a")
	b.Publish(&AppTerminated{AppID: "/a"})
	b.Close()
	if m, ok := <-s.C(); !ok || m.Type != TypeAppTerminated {
		t.Fatalf("buffered event lost: %v %v", m, ok)
	}
	if _, ok := <-s.C(); ok {
		t.Fatal("channel open after Close")
	}
	if s.Dropped() {
		t.Fatal("a closed bus is not a drop")
	}
	if err := b.Publish(&AppTerminated{}); err != nil {
		t.Fatal(err)
	}
	late := b.Subscribe("late")
	if _, ok := <-late.C(); ok {
		t.Fatal("subscription after Close is open")
	}
	late.Close()
	if b.Subscribers() != 0 {
		t.Fatal("subscribers after Close")
	}
}
