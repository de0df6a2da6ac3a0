package fakestream

import (
	"net/http"

	"agora/wire/recordio"
)

// Stream is one event stream to serve.
type Stream struct {
	// ContentType and Header are the response's headers.
	ContentType string
	Header      http.Header
	// First are written at once (SUBSCRIBED); then Started, if set, is
	// called (the test may now send on Next).
	First   [][]byte
	Started func()
	// Next carries the following records, each written in its own chunk.
	Next <-chan []byte
	// End ends the stream when it is closed or receives.
	End <-chan struct{}
}

// Serve answers r with a 200 RecordIO stream and returns when the stream
// ends: End, the client going away, or a failed write.
func (s Stream) Serve(w http.ResponseWriter, r *http.Request) {
	for k, v := range s.Header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", s.ContentType)
	w.WriteHeader(http.StatusOK)
	rw := recordio.NewWriter(w)
	for _, rec := range s.First {
		if rw.WriteRecord(rec) != nil {
			return
		}
	}
	if s.Started != nil {
		s.Started()
	}
	for {
		select {
		case rec := <-s.Next:
			if rw.WriteRecord(rec) != nil {
				return
			}
		case <-s.End:
			return
		case <-r.Context().Done():
			return
		}
	}
}
