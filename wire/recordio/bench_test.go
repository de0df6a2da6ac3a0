package recordio_test

import (
	"bytes"
	"io"
	"testing"

	"agora/wire/recordio"
)

// A typical event: a few hundred bytes of JSON.
var benchRecord = bytes.Repeat([]byte(`{"type":"HEARTBEAT"}`), 20)

func BenchmarkWriteRecord(b *testing.B) {
	w := recordio.NewWriter(io.Discard)
	b.SetBytes(int64(len(benchRecord)))
	b.ReportAllocs()
	for b.Loop() {
		if err := w.WriteRecord(benchRecord); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadRecord(b *testing.B) {
	var stream bytes.Buffer
	w := recordio.NewWriter(&stream)
	const perStream = 1000
	for range perStream {
		w.WriteRecord(benchRecord)
	}
	data := stream.Bytes()
	b.SetBytes(int64(len(benchRecord)))
	b.ReportAllocs()
	var r *recordio.Reader
	n := perStream
	for b.Loop() {
		if n == perStream {
			r = recordio.NewReader(bytes.NewReader(data), 0)
			n = 0
		}
		if _, err := r.ReadRecord(); err != nil {
			b.Fatal(err)
		}
		n++
	}
}
