package events_test

import (
	"fmt"
	"time"

	"agora/services/events"
)

func Example() {
	bus := events.NewBus(events.Options{Now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }})
	sub := bus.Subscribe("example", events.TypeAppTerminated)
	defer sub.Close()

	bus.Publish(&events.StatusUpdate{TaskID: "web.1", TaskStatus: "TASK_RUNNING"}) // filtered out
	bus.Publish(&events.AppTerminated{AppID: "/web"})

	m := <-sub.C()
	fmt.Printf("event: %s\ndata: %s\n", m.Type, m.Data)
	// Output:
	// event: app_terminated_event
	// data: {"eventType":"app_terminated_event","timestamp":"2026-01-02T03:04:05.000Z","appId":"/web"}
}
