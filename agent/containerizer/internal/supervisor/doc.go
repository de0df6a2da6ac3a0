// Package supervisor is the container supervisor's side of the
// agent-supervisor protocol (agent/containerizer has the agent's side):
// the spec a supervisor runs, its encoding, its reports and, on Linux, the
// supervisor itself, which runs from this package's init when the process
// was started with EnvVar set.
//
// The package imports nothing above package os (no fmt, no encoding/json,
// not even strconv), so that Go's initialisation order, which initialises
// a package as soon as its imports are and the smallest import path first,
// runs this package's init before the ~100 package initialisers of the
// agent's binary (protobuf descriptors among them) that a supervisor never
// needs. `GODEBUG=inittrace=1` shows the order.
//
// Wire formats, all plain text:
//
//   - the spec, in the EnvVar environment variable: a sequence of fields,
//     each its decimal length, ':' and its bytes (Spec.Encode, Decode);
//   - reports, one line each on file descriptor ReportFD: "started <pid>",
//     "error <message>" (newlines in it replaced by spaces) and
//     "exited <code> <signal> <core dumped: 0 or 1>";
//   - the status file, JSON: {"code":0,"signal":9,"core_dumped":true}
//     (signal and core_dumped left out when zero), written atomically.
package supervisor
