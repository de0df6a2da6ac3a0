package wire_test

import (
	"fmt"
	"testing"

	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/wire"
)

// offersEvent100 is an OFFERS event with 100 offers, the size of a busy
// cluster's offer round for one framework.
func offersEvent100() *schedulerpb.Event {
	event := &schedulerpb.Event{
		Type:   schedulerpb.Event_OFFERS.Enum(),
		Offers: &schedulerpb.Event_Offers{},
	}
	for i := range 100 {
		event.Offers.Offers = append(event.Offers.Offers, offer(fmt.Sprintf("offer-%03d", i)))
	}
	return event
}

func BenchmarkMarshalJSONOffers100(b *testing.B) {
	event := offersEvent100()
	data, _ := wire.MarshalJSON(event)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := wire.MarshalJSON(event); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalJSONOffers100(b *testing.B) {
	data, err := wire.MarshalJSON(offersEvent100())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var event schedulerpb.Event
		if err := wire.UnmarshalJSON(data, &event); err != nil {
			b.Fatal(err)
		}
	}
}

// The protobuf codec, for comparison.
func BenchmarkMarshalProtoOffers100(b *testing.B) {
	event := offersEvent100()
	data, _ := wire.MarshalProto(event)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := wire.MarshalProto(event); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalProtoOffers100(b *testing.B) {
	data, _ := wire.MarshalProto(offersEvent100())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var event schedulerpb.Event
		if err := wire.UnmarshalProto(data, &event); err != nil {
			b.Fatal(err)
		}
	}
}
