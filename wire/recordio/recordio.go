package recordio

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
)

// DefaultMaxRecordSize is the record size limit of a Reader made with a
// non-positive limit. Mesos events are far smaller; the largest are OFFERS
// events with many offers and operator state snapshots.
const DefaultMaxRecordSize = 16 << 20

// maxLengthDigits is the number of digits of the largest uint64, the
// longest length prefix Mesos can write (docs/recordio.md: the length is a
// uint64).
const maxLengthDigits = 20

var (
	// ErrBadLength: a length prefix is not 1 to 20 decimal digits followed
	// by '\n' ("+5", "-1", " 5", "5\r\n", an empty line are all refused).
	ErrBadLength = errors.New("recordio: bad record length prefix")
	// ErrRecordTooLarge: a length prefix declares a record larger than the
	// Reader's limit.
	ErrRecordTooLarge = errors.New("recordio: record larger than the limit")
)

// Writer writes records to an underlying io.Writer as Mesos does: the
// decimal length, '\n', then the record bytes, in a single Write call.
//
// After each record it flushes the underlying writer if it can (an
// http.ResponseWriter, possibly wrapped, or anything with a Flush() or
// Flush() error method), so that over chunked HTTP every record travels in
// its own chunk, as the npm mesos-framework client expects.
//
// A Writer is not safe for concurrent use: give each stream one writing
// goroutine.
type Writer struct {
	w     io.Writer
	flush func() error
	buf   []byte
}

// NewWriter returns a Writer writing records to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w, flush: flusherOf(w)}
}

func flusherOf(w io.Writer) func() error {
	switch f := w.(type) {
	case interface{ Flush() error }:
		return f.Flush
	case http.Flusher:
		return func() error { f.Flush(); return nil }
	case http.ResponseWriter:
		// A middleware's wrapper may hide Flush but offer Unwrap, which
		// ResponseController follows.
		rc := http.NewResponseController(f)
		return func() error {
			if err := rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
				return err
			}
			return nil
		}
	default:
		return nil
	}
}

// WriteRecord writes one record and flushes. The record may be empty.
func (w *Writer) WriteRecord(record []byte) error {
	// One Write of prefix and record together: net/http turns a Write
	// into at most one chunk when its buffer is empty, and Flush sends
	// what is buffered as one chunk, so a record is never split.
	w.buf = strconv.AppendUint(w.buf[:0], uint64(len(record)), 10)
	w.buf = append(w.buf, '\n')
	w.buf = append(w.buf, record...)
	_, err := w.w.Write(w.buf)
	if cap(w.buf) > 64<<10 {
		w.buf = nil // do not pin one huge record's memory
	}
	if err != nil {
		return fmt.Errorf("recordio: write: %w", err)
	}
	if w.flush != nil {
		if err := w.flush(); err != nil {
			return fmt.Errorf("recordio: flush: %w", err)
		}
	}
	return nil
}

// Reader reads records from a RecordIO stream. It reads the stream as it
// arrives (it never needs the whole stream) and refuses records larger than
// its limit before allocating for them.
//
// A Reader is not safe for concurrent use.
type Reader struct {
	r   *bufio.Reader
	max int
	err error
}

// NewReader returns a Reader of r that refuses records larger than
// maxRecordSize bytes; a maxRecordSize of 0 or less means
// DefaultMaxRecordSize.
func NewReader(r io.Reader, maxRecordSize int) *Reader {
	if maxRecordSize <= 0 {
		maxRecordSize = DefaultMaxRecordSize
	}
	return &Reader{r: bufio.NewReader(r), max: maxRecordSize}
}

// ReadRecord returns the next record, in a new slice the caller may keep.
// At the clean end of the stream (between records) it returns io.EOF; when
// the stream ends inside a record or its length prefix, io.ErrUnexpectedEOF.
// A bad prefix gives an error matching ErrBadLength, a record over the limit
// one matching ErrRecordTooLarge. Errors are final: once ReadRecord has
// failed it returns the same error again, because the position of the next
// record is lost.
func (r *Reader) ReadRecord() ([]byte, error) {
	if r.err != nil {
		return nil, r.err
	}
	record, err := r.read()
	if err != nil {
		r.err = err
		return nil, err
	}
	return record, nil
}

func (r *Reader) read() ([]byte, error) {
	size, err := r.readLength()
	if err != nil {
		return nil, err
	}
	// Grow the record as its bytes arrive rather than trusting the prefix
	// for a large allocation up front.
	const step = 64 << 10
	record := make([]byte, 0, min(size, step))
	for len(record) < size {
		if len(record) == cap(record) {
			record = slices.Grow(record, min(size-len(record), cap(record)))
		}
		n, err := r.r.Read(record[len(record):min(cap(record), size)])
		record = record[:len(record)+n]
		if err == io.EOF {
			return nil, io.ErrUnexpectedEOF
		}
		if err != nil {
			return nil, err
		}
	}
	return record, nil
}

// readLength reads a length prefix and its '\n'.
func (r *Reader) readLength() (int, error) {
	var size uint64
	digits := 0
	for {
		c, err := r.r.ReadByte()
		if err == io.EOF {
			if digits == 0 {
				return 0, io.EOF
			}
			return 0, io.ErrUnexpectedEOF
		}
		if err != nil {
			return 0, err
		}
		switch {
		case c >= '0' && c <= '9':
			digits++
			if digits > maxLengthDigits {
				return 0, fmt.Errorf("%w: more than %d digits", ErrBadLength, maxLengthDigits)
			}
			d := uint64(c - '0')
			if size > (1<<64-1-d)/10 {
				return 0, fmt.Errorf("%w: length overflows 64 bits", ErrBadLength)
			}
			size = size*10 + d
		case c == '\n' && digits > 0:
			if size > uint64(r.max) {
				return 0, fmt.Errorf("%w: %d bytes declared, limit %d", ErrRecordTooLarge, size, r.max)
			}
			return int(size), nil
		case c == '\n':
			return 0, fmt.Errorf("%w: empty length", ErrBadLength)
		default:
			return 0, fmt.Errorf("%w: unexpected %q, expected a decimal digit", ErrBadLength, c)
		}
	}
}
