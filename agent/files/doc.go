// Package files serves the Mesos files API over an agent's sandboxes:
// GET /files/browse, /files/read, /files/download and /files/debug, with
// the query parameters, JSON shapes and status codes of Mesos's
// src/files/files.cpp, which the Mesos web UI, the DC/OS CLI and log
// tailers use to look into a task's sandbox.
//
// What can be reached is a Table: virtual paths, each naming a directory
// (a sandbox). Mesos exposes an executor run's sandbox under three
// virtual paths, and so does agora's agent: the real sandbox path (as
// the agent's /state reports it in an executor's "directory"), the
// executor's runs/latest path in the work directory, and
// /frameworks/<framework>/executors/<executor>/runs/latest. A requested
// path is resolved as Mesos resolves it (Table.Resolve): the longest
// virtual path that is a prefix of it names the directory, the rest is
// looked up inside, and a result that leaves the directory, through
// ".." or a symbolic link, is refused. Files are then opened through an
// os.Root on the directory, so a link swapped in after the check cannot
// lead outside either.
//
// Status codes follow Mesos: 400 for a missing or malformed parameter,
// for reading or downloading a directory and for a path that resolves
// outside its sandbox ("... is inaccessible"); 404 for a path that
// names nothing, or nothing the table exposes.
//
// The Handler asks for the table on every request (the agent builds it
// from its executors on its loop), so nothing needs attaching or
// detaching: a sandbox is reachable while the agent knows its executor
// and its directory exists.
package files
