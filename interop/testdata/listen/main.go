// Command listen is a task that needs its port: it serves HTTP on $PORT0
// until it is killed, answering with its task id, and fails at once if the
// port is taken. The interop tests run it as a Marathon app.
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
)

func main() {
	ln, err := net.Listen("tcp", ":"+os.Getenv("PORT0"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	err = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, os.Getenv("MESOS_TASK_ID"))
	}))
	fmt.Fprintln(os.Stderr, "listen:", err)
	os.Exit(1)
}
