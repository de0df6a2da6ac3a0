package recordio_test

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"agora/wire/recordio"
)

func ExampleWriter() {
	var stream bytes.Buffer // in a master: the subscription's http.ResponseWriter
	w := recordio.NewWriter(&stream)
	for _, event := range []string{`{"type":"SUBSCRIBED"}`, `{"type":"HEARTBEAT"}`} {
		if err := w.WriteRecord([]byte(event)); err != nil {
			return // the subscriber went away
		}
	}
	fmt.Printf("%q\n", stream.String())
	// Output:
	// "21\n{\"type\":\"SUBSCRIBED\"}20\n{\"type\":\"HEARTBEAT\"}"
}

func ExampleReader() {
	stream := strings.NewReader("21\n{\"type\":\"SUBSCRIBED\"}20\n{\"type\":\"HEARTBEAT\"}")
	r := recordio.NewReader(stream, recordio.DefaultMaxRecordSize)
	for {
		record, err := r.ReadRecord()
		if err == io.EOF {
			fmt.Println("end of stream")
			return
		}
		if err != nil {
			fmt.Println("broken stream:", err)
			return
		}
		fmt.Println(string(record))
	}
	// Output:
	// {"type":"SUBSCRIBED"}
	// {"type":"HEARTBEAT"}
	// end of stream
}
