module agora/interop

go 1.26

// mesos-go v0.0.11 predates Go modules (it has no go.mod), so this module
// chooses its dependencies. The tests build its example-scheduler and
// example-executor from the module cache (see tools.go).
require github.com/mesos/mesos-go v0.0.11

// Pinned by hand: example-scheduler calls prometheus.Handler, which
// client_golang removed in v1.0.0, so client_golang stays at v0.9.4 with the
// prometheus modules of its own go.mod. gogo/protobuf is at v1.3.2, the
// release with the fix for CVE-2021-3121.
require (
	github.com/beorn7/perks v1.0.0 // indirect
	github.com/gogo/protobuf v1.3.2 // indirect
	github.com/golang/protobuf v1.3.1 // indirect
	github.com/google/uuid v1.0.0 // indirect
	github.com/matttproud/golang_protobuf_extensions v1.0.1 // indirect
	github.com/pborman/uuid v1.2.1 // indirect
	github.com/pquerna/ffjson v0.0.0-20190930134022-aa0246cd15f7 // indirect
	github.com/prometheus/client_golang v0.9.4 // indirect
	github.com/prometheus/client_model v0.0.0-20190129233127-fd36f4220a90 // indirect
	github.com/prometheus/common v0.4.1 // indirect
	github.com/prometheus/procfs v0.0.2 // indirect
)

require github.com/gambol99/go-marathon v0.7.1

require (
	github.com/donovanhide/eventsource v0.0.0-20210830082556-c59027999da0 // indirect
	github.com/google/go-querystring v1.2.0 // indirect
)
