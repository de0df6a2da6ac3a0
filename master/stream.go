package master

import (
	"crypto/rand"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	"agora/wire"
)

// newEventStream is a stream with a fresh uuid as its id.
func newEventStream(codec wire.Codec, heartbeat func() proto.Message, interval time.Duration) *wire.EventStream {
	return wire.NewEventStream(newUUID(), codec, heartbeat, interval)
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
