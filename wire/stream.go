package wire

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"agora/wire/recordio"
)

// DefaultStreamBuffer is how many events may wait for a slow reader before
// EventStream.Send gives up on the stream.
const DefaultStreamBuffer = 4096

// EventStream is one long-lived RecordIO response of the v1 APIs: a
// scheduler's or executor's event stream, an agent's cluster stream. The
// goroutine that owns the state (the master's or agent's loop) queues events
// with Send, which never blocks; the HTTP handler goroutine that owns the
// response writes them out, in order, with Serve.
type EventStream struct {
	// ID names the stream (Mesos-Stream-Id for schedulers); may be empty.
	ID string

	codec     Codec
	events    chan proto.Message
	heartbeat func() proto.Message
	interval  time.Duration

	closeOnce sync.Once
	closed    chan struct{}
}

// NewEventStream returns a stream encoding events with codec. When
// heartbeat is non-nil, Serve writes heartbeat() every interval.
func NewEventStream(id string, codec Codec, heartbeat func() proto.Message, interval time.Duration) *EventStream {
	return &EventStream{
		ID:        id,
		codec:     codec,
		events:    make(chan proto.Message, DefaultStreamBuffer),
		heartbeat: heartbeat,
		interval:  interval,
		closed:    make(chan struct{}),
	}
}

// Send queues an event. It reports false when the stream is closed or its
// buffer is full, in which case it closes the stream: a reader that far
// behind is treated as gone rather than letting memory grow.
func (s *EventStream) Send(ev proto.Message) bool {
	select {
	case <-s.closed:
		return false
	default:
	}
	select {
	case s.events <- ev:
		return true
	default:
		s.Close()
		return false
	}
}

// Close ends the stream; Serve returns after writing what was queued.
func (s *EventStream) Close() { s.closeOnce.Do(func() { close(s.closed) }) }

// Serve writes the response head (200, the codec's Content-Type, whatever
// header adds) and then every event until the stream is closed or the
// client goes away. It returns nil when the stream was closed and an error
// when the client went away or a write failed. Streams are chunked with no
// Content-Length and each record is flushed on its own, so clients that
// read one record per chunk work.
func (s *EventStream) Serve(w http.ResponseWriter, r *http.Request, header func(http.Header)) error {
	h := w.Header()
	h.Set("Content-Type", s.codec.MediaType())
	h.Set("Cache-Control", "no-cache")
	if header != nil {
		header(h)
	}
	w.WriteHeader(http.StatusOK)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	out := recordio.NewWriter(w)

	var tick <-chan time.Time
	if s.heartbeat != nil && s.interval > 0 {
		t := time.NewTicker(s.interval)
		defer t.Stop()
		tick = t.C
	}
	write := func(ev proto.Message) error {
		b, err := s.codec.Marshal(ev)
		if err != nil {
			return fmt.Errorf("wire: encode event: %w", err)
		}
		return out.WriteRecord(b)
	}
	for {
		select {
		case ev := <-s.events:
			if err := write(ev); err != nil {
				return err
			}
		case <-tick:
			if err := write(s.heartbeat()); err != nil {
				return err
			}
		case <-s.closed:
			// Drain what was queued before closing (an ERROR or SHUTDOWN
			// event, say) so the client learns why the stream ends.
			for {
				select {
				case ev := <-s.events:
					if err := write(ev); err != nil {
						return err
					}
				default:
					return nil
				}
			}
		case <-r.Context().Done():
			return r.Context().Err()
		}
	}
}
