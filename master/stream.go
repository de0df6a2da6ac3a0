package master

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"agora/wire"
	"agora/wire/recordio"
)

// streamBuffer is how many events may wait for a slow reader before the
// master gives up on the stream. A scheduler that reads nothing for that long
// is treated as disconnected rather than letting memory grow without bound.
const streamBuffer = 4096

// eventStream is one long-lived RecordIO response: a framework's scheduler
// stream, an agent's cluster stream or an operator subscription. The master
// loop sends events with send (never blocking); the HTTP handler goroutine
// that owns the response writes them out in order with serve.
type eventStream struct {
	id        string
	codec     wire.Codec
	events    chan proto.Message
	heartbeat func() proto.Message // nil: no heartbeats
	interval  time.Duration

	closeOnce sync.Once
	closed    chan struct{} // closed by close: the master ended the stream
}

func newEventStream(codec wire.Codec, heartbeat func() proto.Message, interval time.Duration) *eventStream {
	return &eventStream{
		id:        newUUID(),
		codec:     codec,
		events:    make(chan proto.Message, streamBuffer),
		heartbeat: heartbeat,
		interval:  interval,
		closed:    make(chan struct{}),
	}
}

// send queues an event. It reports false when the stream is closed or its
// buffer is full; the caller then treats the peer as disconnected.
func (s *eventStream) send(ev proto.Message) bool {
	select {
	case <-s.closed:
		return false
	default:
	}
	select {
	case s.events <- ev:
		return true
	default:
		s.close()
		return false
	}
}

// close ends the stream; serve returns after writing what was queued.
func (s *eventStream) close() { s.closeOnce.Do(func() { close(s.closed) }) }

// serve writes the response head and then every event until the master
// closes the stream or the client goes away. It returns nil when the master
// closed the stream and an error when the client went away or a write failed.
// Mesos streams are chunked with no Content-Length; each record is flushed on
// its own so that clients reading one record per chunk work.
func (s *eventStream) serve(w http.ResponseWriter, r *http.Request, header func(http.Header)) error {
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
			return fmt.Errorf("master: encode event: %w", err)
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
			// Drain what the master queued before closing (an ERROR event,
			// say) so the client learns why the stream ends.
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

// newUUID returns a random (version 4) UUID in its canonical text form.
func newUUID() string {
	b := newUUIDBytes()
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// newUUIDBytes returns a random version 4 UUID as 16 raw bytes, the form
// TaskStatus.uuid uses on the wire.
func newUUIDBytes() []byte {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("master: no randomness: " + err.Error()) // crypto/rand never fails on Linux
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return b
}
