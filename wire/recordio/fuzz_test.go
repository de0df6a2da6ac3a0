package recordio_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"agora/wire/recordio"
)

// FuzzReadRecord feeds arbitrary streams to a Reader. It must never panic
// or return a record over the limit, must end with one of its documented
// errors, and the records it did read must survive a Writer/Reader round
// trip. Seeds: testdata/fuzz/FuzzReadRecord.
func FuzzReadRecord(f *testing.F) {
	f.Add([]byte("5\nhello6\nworld!"))
	const limit = 1 << 10
	f.Fuzz(func(t *testing.T, stream []byte) {
		r := recordio.NewReader(bytes.NewReader(stream), limit)
		var records [][]byte
		var err error
		for {
			var rec []byte
			rec, err = r.ReadRecord()
			if err != nil {
				break
			}
			if len(rec) > limit {
				t.Fatalf("record of %d bytes passed the %d-byte limit", len(rec), limit)
			}
			records = append(records, rec)
		}
		switch {
		case err == io.EOF, err == io.ErrUnexpectedEOF,
			errors.Is(err, recordio.ErrBadLength), errors.Is(err, recordio.ErrRecordTooLarge):
		default:
			t.Fatalf("unexpected error %v", err)
		}

		var buf bytes.Buffer
		w := recordio.NewWriter(&buf)
		for _, rec := range records {
			if err := w.WriteRecord(rec); err != nil {
				t.Fatal(err)
			}
		}
		if err == io.EOF {
			// The whole stream was records. Re-encoding can only drop
			// leading zeros of length prefixes; when it is as long as the
			// input it must be the input.
			if buf.Len() > len(stream) || buf.Len() == len(stream) && !bytes.Equal(buf.Bytes(), stream) {
				t.Fatalf("re-encoded %q as %q", stream, buf.Bytes())
			}
		}
		again := recordio.NewReader(&buf, limit)
		for i, want := range records {
			got, err := again.ReadRecord()
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("record %d round-tripped as %q, %v; want %q", i, got, err, want)
			}
		}
		if _, err := again.ReadRecord(); err != io.EOF {
			t.Fatalf("after the round-tripped records: %v, want io.EOF", err)
		}
	})
}
