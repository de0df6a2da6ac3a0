package health

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"agora/agent/containerizer"
)

// Prober performs one check. Probe returns nil if the check passed and an
// error saying why if not; it returns when ctx ends at the latest, and
// leaves nothing running behind.
type Prober interface {
	Probe(ctx context.Context) error
}

// Compile-time checks that the probers are Probers.
var (
	_ Prober = (*HTTP)(nil)
	_ Prober = (*TCP)(nil)
	_ Prober = (*Command)(nil)
)

// host is where network checks go: the task shares the agent's network,
// and Mesos uses the loopback address rather than "localhost".
func host(ipv6 bool) string {
	if ipv6 {
		return "::1"
	}
	return "127.0.0.1"
}

// timeoutError says a check outlived its context, in Mesos's words.
func timeoutError(ctx context.Context, what string, started time.Time) error {
	if deadline, ok := ctx.Deadline(); ok && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%s timed out after %s", what, containerizer.FormatDuration(deadline.Sub(started).Round(time.Millisecond)))
	}
	return fmt.Errorf("%s stopped: %w", what, ctx.Err())
}

// HTTP is an HTTP check: GET scheme://127.0.0.1:Port/Path passes on a
// final status from 200 to 399. Redirects are followed and certificates
// are not verified, as Mesos's curl -L -k does.
type HTTP struct {
	// Scheme is "http" (the default when empty) or "https".
	Scheme string
	Port   uint32
	Path   string
	// IPv6 checks ::1 instead of 127.0.0.1.
	IPv6 bool

	once   sync.Once
	client *http.Client
}

// URL is what the check GETs.
func (h *HTTP) URL() string {
	scheme := h.Scheme
	if scheme == "" {
		scheme = "http"
	}
	return scheme + "://" + net.JoinHostPort(host(h.IPv6), strconv.FormatUint(uint64(h.Port), 10)) + h.Path
}

func (h *HTTP) Probe(ctx context.Context) error {
	h.once.Do(func() {
		h.client = &http.Client{Transport: &http.Transport{
			// A fresh connection per check, as curl makes: a server that
			// stopped accepting must fail the check.
			DisableKeepAlives: true,
			TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, // curl -k
			Proxy:             nil,
		}}
	})
	started := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.URL(), nil)
	if err != nil {
		return fmt.Errorf("HTTP health check: %w", err)
	}
	req.Header.Set("User-Agent", "agora-health-check")
	resp, err := h.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return timeoutError(ctx, "HTTP health check", started)
		}
		return fmt.Errorf("HTTP health check failed: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return fmt.Errorf("Unexpected HTTP response code: %s", resp.Status)
	}
	return nil
}

// TCP is a TCP check: it passes if a connection to 127.0.0.1:Port opens.
type TCP struct {
	Port uint32
	IPv6 bool
}

func (t *TCP) Probe(ctx context.Context) error {
	started := time.Now()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host(t.IPv6), strconv.FormatUint(uint64(t.Port), 10)))
	if err != nil {
		if ctx.Err() != nil {
			return timeoutError(ctx, "TCP health check", started)
		}
		return fmt.Errorf("TCP connection failed: %w", err)
	}
	conn.Close()
	return nil
}

// Command is a COMMAND check: it runs Spec, a process in the task's
// sandbox with the task's environment, and passes if it exits 0. A check
// that outlives its context is killed, with its process group.
type Command struct {
	Spec containerizer.ProcessSpec
	// Launch starts the process; nil means containerizer.Launch.
	Launch func(containerizer.ProcessSpec) (*containerizer.Process, error)
}

func (c *Command) Probe(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	launch := c.Launch
	if launch == nil {
		launch = containerizer.Launch
	}
	started := time.Now()
	proc, err := launch(c.Spec)
	if err != nil {
		return fmt.Errorf("Failed to launch the health check command: %w", err)
	}
	select {
	case <-proc.Done():
		status := proc.Wait()
		if !status.Success() {
			return errors.New(status.Message())
		}
		return nil
	case <-ctx.Done():
		proc.Kill(0)
		return timeoutError(ctx, "Command", started)
	}
}
