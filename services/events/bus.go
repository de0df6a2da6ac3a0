package events

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// DefaultBuffer is how many encoded events a subscriber may have waiting before the bus
// drops it.
const DefaultBuffer = 1024

// Message is one encoded event as subscribers receive it.
type Message struct {
	// Type is the event's type name ("status_update_event").
	Type string
	// Data is the event's JSON: one line, no trailing newline.
	Data []byte
}

// Options configure a Bus. The zero value is usable.
type Options struct {
	// Buffer is each subscriber's buffer (DefaultBuffer when 0).
	Buffer int
	// Now is the clock for timestamps (time.Now when nil).
	Now func() time.Time
	// Logger logs dropped subscribers (slog.Default when nil).
	Logger *slog.Logger
}

// Bus fans events out to subscribers. Its methods are safe for concurrent use; Publish
// never blocks on a subscriber.
type Bus struct {
	buffer int
	now    func() time.Time
	log    *slog.Logger

	mu     sync.Mutex
	subs   map[*Subscription]struct{}
	closed bool
}

// NewBus returns a bus with no subscribers.
func NewBus(opts Options) *Bus {
	b := &Bus{buffer: opts.Buffer, now: opts.Now, log: opts.Logger, subs: map[*Subscription]struct{}{}}
	if b.buffer <= 0 {
		b.buffer = DefaultBuffer
	}
	if b.now == nil {
		b.now = time.Now
	}
	if b.log == nil {
		b.log = slog.Default()
	}
	return b
}

// Publish sets e's eventType (and its timestamp when empty), encodes it once and offers
// it to every subscriber that takes its type. A subscriber whose buffer is full is
// dropped. The error is an encoding error (an unencodable field of e); nothing is sent
// then.
func (b *Bus) Publish(e Event) error {
	base := e.base()
	base.EventType = e.Type()
	if base.Timestamp == "" {
		base.Timestamp = FormatTime(b.now())
	}
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("events: encode %s: %w", base.EventType, err)
	}
	m := Message{Type: base.EventType, Data: data}

	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	for s := range b.subs {
		if !s.takes(m.Type) {
			continue
		}
		select {
		case s.c <- m:
		default:
			// The publisher is the engine's loop: it must not wait for a slow reader.
			// Dropping the subscriber (rather than one event) keeps what a client sees
			// a gap-free prefix of the stream; it reconnects and re-reads state.
			b.log.Warn("events: subscriber too slow, dropped", "subscriber", s.name, "buffer", cap(s.c))
			s.dropped = true
			b.remove(s)
		}
	}
	return nil
}

// Subscribe registers a subscriber for the given event types (all types when none).
// name identifies it in logs (a client address). Call Close when done. After the bus is
// closed, the subscription's channel is closed at once.
func (b *Bus) Subscribe(name string, types ...string) *Subscription {
	s := &Subscription{bus: b, name: name, c: make(chan Message, b.buffer)}
	if len(types) > 0 {
		s.types = make(map[string]bool, len(types))
		for _, t := range types {
			s.types[t] = true
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		close(s.c)
		return s
	}
	b.subs[s] = struct{}{}
	return s
}

// Close ends every subscription (their channels close after what they hold) and
// makes later publications no-ops. The owner calls it when the scheduler stops, so that
// event stream clients are let go and an HTTP server can shut down.
func (b *Bus) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for s := range b.subs {
		b.remove(s)
	}
}

// Subscribers returns how many subscribers the bus has.
func (b *Bus) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

// remove closes s's channel; b.mu must be held.
func (b *Bus) remove(s *Subscription) {
	if _, ok := b.subs[s]; ok {
		delete(b.subs, s)
		close(s.c)
	}
}

// Subscription receives events from a Bus.
type Subscription struct {
	bus   *Bus
	name  string
	types map[string]bool // nil: every type
	c     chan Message

	dropped bool // under bus.mu
}

func (s *Subscription) takes(eventType string) bool {
	return s.types == nil || s.types[eventType]
}

// C delivers the subscriber's events. It is closed by Close, or by the bus when the
// subscriber fell behind (Dropped).
func (s *Subscription) C() <-chan Message { return s.c }

// Dropped reports whether the bus dropped this subscriber because its buffer was full.
func (s *Subscription) Dropped() bool {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	return s.dropped
}

// Close unsubscribes; it may be called more than once.
func (s *Subscription) Close() {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	s.bus.remove(s)
}
