package health_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"time"

	"agora/agent/health"
)

// A checker probing an HTTP endpoint reports the task healthy after its
// first passing check.
func ExampleChecker() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	port, _ := strconv.Atoi(u.Port())

	decisions := make(chan health.Decision, 1)
	c := &health.Checker{
		Timing: health.Timing{Interval: 10 * time.Millisecond, Timeout: time.Second, ConsecutiveFailures: 3},
		Probe:  &health.HTTP{Port: uint32(port), Path: "/"},
		Report: func(d health.Decision) { decisions <- d },
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.Run(ctx)
	fmt.Println("healthy:", (<-decisions).Healthy)
	// Output: healthy: true
}

// The policy alone: results and times in, decisions out.
func ExamplePolicy() {
	start := time.Now()
	p := health.NewPolicy(health.Timing{GracePeriod: 10 * time.Second, ConsecutiveFailures: 2}, start)
	failed := fmt.Errorf("connection refused")
	fmt.Printf("%+v\n", p.Observe(start.Add(5*time.Second), failed).InGracePeriod)
	fmt.Printf("%+v\n", p.Observe(start.Add(11*time.Second), failed).Kill)
	fmt.Printf("%+v\n", p.Observe(start.Add(12*time.Second), failed).Kill)
	// Output:
	// true
	// false
	// true
}
