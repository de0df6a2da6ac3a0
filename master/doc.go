// Package master is the agora master: the kernel that pools agents'
// resources and lends them to frameworks through offers, speaking the Apache
// Mesos v1 HTTP APIs.
//
// It owns the framework and agent registries, outstanding offers, the tasks
// and executors it has launched, and the routing of status updates and
// acknowledgements between agents and schedulers. Allocation decisions come
// from the pure DRF core in master/allocator.
//
// All mutable state belongs to the goroutine running Run. HTTP handlers
// decode and validate a request, then hand a closure to that goroutine
// (Master.do) and wait for it; long-lived responses (scheduler event streams,
// agent streams) are written by their handler goroutines from buffered
// queues the loop fills without blocking.
//
// To run one:
//
//	m, err := master.New(master.Config{Hostname: "10.0.0.1", Port: 5050})
//	go m.Run(ctx)
//	http.ListenAndServe(":5050", m.Handler())
//
// Endpoints: POST /api/v1/scheduler (scheduler API), POST /api/v1 (operator
// API), GET /master/state, /health, /version, and POST /agora/v1/cluster
// (the agent protocol, docs/agent-protocol.md).
package master
