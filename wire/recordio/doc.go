// Package recordio reads and writes RecordIO, the framing of the Mesos v1
// API's streams (the scheduler and executor event streams, the operator
// API's SUBSCRIBE): each record is its length in bytes as decimal ASCII, a
// '\n', then the record itself (docs/recordio.md in Mesos).
//
// A master streams events with a Writer over the http.ResponseWriter of the
// subscription; it flushes after every record so each one goes out in its
// own HTTP chunk:
//
//	w := recordio.NewWriter(rw)
//	body, _ := wire.JSON.Marshal(event)
//	err := w.WriteRecord(body)
//
// A client reads the stream with a Reader, which bounds the record size:
//
//	r := recordio.NewReader(resp.Body, recordio.DefaultMaxRecordSize)
//	for {
//		record, err := r.ReadRecord()
//		if err == io.EOF {
//			break // the master closed the stream
//		}
//		...
//	}
//
// The package knows nothing of what a record holds; encoding records is the
// wire package's job.
package recordio
