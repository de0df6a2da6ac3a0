package marathon

import (
	"net"
	"net/http"
	"strings"
	"time"

	"agora/services/events"
)

// sseWriteTimeout bounds one write to an event stream client: a client that stops
// reading is disconnected instead of holding its goroutine forever.
const sseWriteTimeout = 30 * time.Second

// acceptsEventStream reports whether the client asked for server-sent events.
func acceptsEventStream(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		if strings.Contains(v, "text/event-stream") {
			return true
		}
	}
	return false
}

func remoteIP(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// events serves GET /v2/events as Marathon's event stream: "event: <type>\ndata:
// <json>\n\n" per event, flushed at once; ?event_type= (repeatable) filters by type. A
// client that does not accept text/event-stream gets 405, as from Marathon's servlet.
// Idle streams get a blank line every KeepAlive (Jetty's heartbeat). The stream ends when
// the client goes away, falls too far behind (the bus drops it) or the bus is closed.
func (h *handler) events(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet || !acceptsEventStream(r) {
		w.Header().Set("Allow", http.MethodGet)
		writeMessage(w, http.StatusMethodNotAllowed, "GET /v2/events needs the header Accept: text/event-stream")
		return
	}
	bus := h.opts.Events
	if bus == nil {
		writeMessage(w, http.StatusServiceUnavailable, "the event stream is not available")
		return
	}
	rc := http.NewResponseController(w)
	ip := remoteIP(r)
	sub := bus.Subscribe(ip, r.URL.Query()["event_type"]...)
	defer sub.Close()

	w.Header().Set("Content-Type", "text/event-stream;charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		return
	}
	// Subscribed first, so the client sees its own attachment, as in Marathon.
	bus.Publish(&events.EventStreamAttached{RemoteAddress: ip})
	defer func() { bus.Publish(&events.EventStreamDetached{RemoteAddress: ip}) }()

	keepAlive := time.NewTicker(h.opts.KeepAlive)
	defer keepAlive.Stop()
	write := func(parts ...string) bool {
		rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout)) // unsupported writers: no deadline
		for _, p := range parts {
			if _, err := w.Write([]byte(p)); err != nil {
				return false
			}
		}
		return rc.Flush() == nil
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case m, ok := <-sub.C():
			if !ok {
				if sub.Dropped() {
					h.log.Info("marathon: event stream client dropped: too slow", "remote", ip)
				}
				return // dropped, or the bus closed (the scheduler is stopping)
			}
			if !write("event: ", m.Type, "\ndata: ", string(m.Data), "\n\n") {
				return
			}
		case <-keepAlive.C:
			if !write("\r\n") {
				return
			}
		}
	}
}
