package recordio_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"agora/wire/recordio"
)

func TestReaderReadsRecordsUntilEndOfStream(t *testing.T) {
	tests := []struct {
		name    string
		stream  string
		max     int
		records []string
		err     error // after the records
	}{
		{name: "empty stream is a clean end", stream: "", err: io.EOF},
		{name: "one record", stream: "5\nhello", records: []string{"hello"}, err: io.EOF},
		{name: "records back to back", stream: "5\nhello6\nworld!", records: []string{"hello", "world!"}, err: io.EOF},
		{name: "empty record", stream: "0\n0\n2\nok", records: []string{"", "", "ok"}, err: io.EOF},
		{name: "record holding newlines and digits", stream: "4\n1\n2\n", records: []string{"1\n2\n"}, err: io.EOF},
		{name: "leading zeros in the length", stream: "007\nabcdefg", records: []string{"abcdefg"}, err: io.EOF},
		{name: "record exactly at the limit", stream: "4\nabcd", max: 4, records: []string{"abcd"}, err: io.EOF},
		{name: "stream ends inside the length", stream: "5", err: io.ErrUnexpectedEOF},
		{name: "stream ends before the record", stream: "5\n", err: io.ErrUnexpectedEOF},
		{name: "stream ends inside the record", stream: "3\nabc5\nhel", records: []string{"abc"}, err: io.ErrUnexpectedEOF},
		{name: "empty length line", stream: "\n5\nhello", err: recordio.ErrBadLength},
		{name: "plus sign", stream: "+5\nhello", err: recordio.ErrBadLength},
		{name: "minus sign", stream: "-5\nhello", err: recordio.ErrBadLength},
		{name: "leading space", stream: " 5\nhello", err: recordio.ErrBadLength},
		{name: "trailing space", stream: "5 \nhello", err: recordio.ErrBadLength},
		{name: "carriage return", stream: "5\r\nhello", err: recordio.ErrBadLength},
		{name: "hexadecimal", stream: "0x5\nhello", err: recordio.ErrBadLength},
		{name: "garbage after a record", stream: "5\nhelloX", records: []string{"hello"}, err: recordio.ErrBadLength},
		{name: "length overflows uint64", stream: "18446744073709551616\n", err: recordio.ErrBadLength},
		{name: "more digits than a uint64 has", stream: "000000000000000000001\nx", err: recordio.ErrBadLength},
		{name: "largest uint64 is over any limit", stream: "18446744073709551615\n", err: recordio.ErrRecordTooLarge},
		{name: "one byte over the limit", stream: "5\nabcde", max: 4, err: recordio.ErrRecordTooLarge},
		{name: "over the default limit", stream: strconv.Itoa(recordio.DefaultMaxRecordSize+1) + "\n", err: recordio.ErrRecordTooLarge},
	}
	readers := map[string]func(io.Reader) io.Reader{
		"whole":       func(r io.Reader) io.Reader { return r },
		"byte a read": iotest.OneByteReader,
		"data+EOF":    iotest.DataErrReader,
	}
	for _, tt := range tests {
		for how, wrap := range readers {
			t.Run(tt.name+"/"+how, func(t *testing.T) {
				r := recordio.NewReader(wrap(strings.NewReader(tt.stream)), tt.max)
				var got []string
				var err error
				for {
					var rec []byte
					rec, err = r.ReadRecord()
					if err != nil {
						break
					}
					got = append(got, string(rec))
				}
				if !equalStrings(got, tt.records) {
					t.Errorf("records = %q, want %q", got, tt.records)
				}
				if !errors.Is(err, tt.err) {
					t.Errorf("final error = %v, want %v", err, tt.err)
				}
			})
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReaderErrorsAreFinal(t *testing.T) {
	r := recordio.NewReader(strings.NewReader("x\n5\nhello"), 0)
	_, first := r.ReadRecord()
	_, second := r.ReadRecord()
	if !errors.Is(first, recordio.ErrBadLength) || second != first {
		t.Fatalf("errors = %v then %v, want the same ErrBadLength twice", first, second)
	}
}

func TestReaderPassesOnErrorsOfTheStream(t *testing.T) {
	broken := errors.New("connection reset")
	r := recordio.NewReader(io.MultiReader(strings.NewReader("5\nhe"), iotest.ErrReader(broken)), 0)
	if _, err := r.ReadRecord(); !errors.Is(err, broken) {
		t.Fatalf("err = %v, want %v", err, broken)
	}
}

func TestReaderReturnsEachRecordBeforeTheNextArrives(t *testing.T) {
	pr, pw := io.Pipe()
	r := recordio.NewReader(pr, 0)
	w := recordio.NewWriter(pw)
	for _, want := range []string{`{"type":"SUBSCRIBED"}`, `{"type":"HEARTBEAT"}`} {
		errc := make(chan error, 1)
		go func() { errc <- w.WriteRecord([]byte(want)) }()
		got, err := r.ReadRecord()
		if err != nil || string(got) != want {
			t.Fatalf("ReadRecord = %q, %v; want %q", got, err, want)
		}
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	pw.Close()
	if _, err := r.ReadRecord(); err != io.EOF {
		t.Fatalf("after close: err = %v, want io.EOF", err)
	}
}

func TestReaderDoesNotAllocateTheDeclaredSizeUpFront(t *testing.T) {
	// A prefix declaring 15 MiB (under the limit) followed by 3 bytes.
	stream := strconv.Itoa(15<<20) + "\nabc"
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := recordio.NewReader(strings.NewReader(stream), 0).ReadRecord()
	runtime.ReadMemStats(&after)
	if err != io.ErrUnexpectedEOF {
		t.Fatalf("err = %v, want io.ErrUnexpectedEOF", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Fatalf("allocated %d bytes for a 3-byte truncated record", grew)
	}
}

func TestReaderReturnsRecordsTheCallerMayKeep(t *testing.T) {
	r := recordio.NewReader(strings.NewReader("3\nabc3\nxyz"), 0)
	first, _ := r.ReadRecord()
	second, _ := r.ReadRecord()
	if string(first) != "abc" || string(second) != "xyz" {
		t.Fatalf("records = %q, %q; want abc, xyz", first, second)
	}
}

func TestWriterFramesEachRecordWithItsLength(t *testing.T) {
	var buf bytes.Buffer
	w := recordio.NewWriter(&buf)
	for _, rec := range []string{"hello", "", "world!", strings.Repeat("x", 70<<10)} {
		if err := w.WriteRecord([]byte(rec)); err != nil {
			t.Fatal(err)
		}
	}
	want := "5\nhello0\n6\nworld!71680\n" + strings.Repeat("x", 70<<10)
	if buf.String() != want {
		t.Fatalf("stream = %.40q..., want %.40q...", buf.String(), want)
	}
}

// journal records the calls a Writer makes on its underlying writer.
type journal struct{ calls []string }

func (j *journal) Write(p []byte) (int, error) {
	j.calls = append(j.calls, "write "+string(p))
	return len(p), nil
}

type flusher struct{ journal }

func (f *flusher) Flush() { f.calls = append(f.calls, "flush") }

type errFlusher struct{ journal }

func (f *errFlusher) Flush() error {
	f.calls = append(f.calls, "flush")
	return nil
}

// wrapped hides an http.ResponseWriter's Flush behind Unwrap, as
// middlewares do.
type wrapped struct{ http.ResponseWriter }

func (w wrapped) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func TestWriterFlushesAfterEveryRecord(t *testing.T) {
	want := []string{"write 2\nab", "flush", "write 1\nc", "flush"}
	writeTwo := func(t *testing.T, w io.Writer) {
		rw := recordio.NewWriter(w)
		for _, rec := range []string{"ab", "c"} {
			if err := rw.WriteRecord([]byte(rec)); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Run("http.Flusher", func(t *testing.T) {
		f := &flusher{}
		writeTwo(t, f)
		if got := fmt.Sprint(f.calls); got != fmt.Sprint(want) {
			t.Fatalf("calls = %q, want %q", f.calls, want)
		}
	})
	t.Run("Flush() error", func(t *testing.T) {
		f := &errFlusher{}
		writeTwo(t, f)
		if got := fmt.Sprint(f.calls); got != fmt.Sprint(want) {
			t.Fatalf("calls = %q, want %q", f.calls, want)
		}
	})
	t.Run("wrapped ResponseWriter", func(t *testing.T) {
		rec := httptest.NewRecorder()
		writeTwo(t, wrapped{rec})
		if !rec.Flushed || rec.Body.String() != "2\nab1\nc" {
			t.Fatalf("flushed = %v, body = %q", rec.Flushed, rec.Body.String())
		}
	})
	t.Run("plain writer", func(t *testing.T) {
		j := &journal{}
		writeTwo(t, j)
		if got := fmt.Sprint(j.calls); got != fmt.Sprint([]string{"write 2\nab", "write 1\nc"}) {
			t.Fatalf("calls = %q", j.calls)
		}
	})
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

type failingFlusher struct {
	journal
	err error
}

func (f *failingFlusher) Flush() error { return f.err }

func TestWriterReportsWriteAndFlushErrors(t *testing.T) {
	gone := errors.New("client went away")
	if err := recordio.NewWriter(failingWriter{gone}).WriteRecord([]byte("x")); !errors.Is(err, gone) {
		t.Errorf("write error = %v, want %v", err, gone)
	}
	if err := recordio.NewWriter(&failingFlusher{err: gone}).WriteRecord([]byte("x")); !errors.Is(err, gone) {
		t.Errorf("flush error = %v, want %v", err, gone)
	}
}

// TestWriterSendsEachRecordInItsOwnHTTPChunk reads a real chunked response
// off the socket: the npm mesos-framework client relies on one record per
// chunk, also for records larger than net/http's 4 KiB buffer.
func TestWriterSendsEachRecordInItsOwnHTTPChunk(t *testing.T) {
	records := []string{`{"type":"SUBSCRIBED"}`, strings.Repeat("o", 10000), `{"type":"HEARTBEAT"}`}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		w := recordio.NewWriter(rw)
		for _, rec := range records {
			if err := w.WriteRecord([]byte(rec)); err != nil {
				t.Error(err)
			}
		}
	}))
	defer srv.Close()

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/scheduler HTTP/1.1\r\nHost: master\r\nContent-Length: 0\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if te := resp.TransferEncoding; len(te) != 1 || te[0] != "chunked" {
		t.Fatalf("Transfer-Encoding = %v, want chunked", te)
	}
	// http.ReadResponse has not consumed the body: read the raw chunks.
	var chunks []string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		size, err := strconv.ParseInt(strings.TrimSpace(line), 16, 64)
		if err != nil {
			t.Fatalf("chunk size line %q: %v", line, err)
		}
		data := make([]byte, size+2) // with its CRLF
		if _, err := io.ReadFull(br, data); err != nil {
			t.Fatal(err)
		}
		if size == 0 {
			break
		}
		chunks = append(chunks, string(data[:size]))
	}
	if len(chunks) != len(records) {
		t.Fatalf("got %d chunks, want one per record (%d)", len(chunks), len(records))
	}
	for i, rec := range records {
		if want := strconv.Itoa(len(rec)) + "\n" + rec; chunks[i] != want {
			t.Errorf("chunk %d = %.30q..., want %.30q...", i, chunks[i], want)
		}
	}
}
