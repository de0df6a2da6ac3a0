package stream

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"google.golang.org/protobuf/proto"

	"agora/wire"
)

// Lifecycle guards a driver's Run: one Run at a time, and a Stop, safe
// from any goroutine and callbacks, that ends it. The zero value is ready.
type Lifecycle struct {
	running atomic.Bool
	mu      sync.Mutex
	stop    context.CancelFunc
}

// Start begins a Run. It returns the Run's context, which Stop ends, and
// the function to defer, which also closes own's idle connections (own is
// the driver's own transport, from Client; nil when the user gave a
// client). ok is false when a Run is already active.
func (l *Lifecycle) Start(ctx context.Context, own *http.Transport) (runCtx context.Context, end func(), ok bool) {
	if !l.running.CompareAndSwap(false, true) {
		return nil, nil, false
	}
	runCtx, stop := context.WithCancel(ctx)
	l.mu.Lock()
	l.stop = stop
	l.mu.Unlock()
	return runCtx, func() {
		stop()
		if own != nil {
			own.CloseIdleConnections()
		}
		l.running.Store(false)
	}, true
}

// Stop ends the active Run, if any.
func (l *Lifecycle) Stop() {
	l.mu.Lock()
	stop := l.stop
	l.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// Client returns the client a driver uses: c when given, else a client
// with a transport of its own (returned too, so that the driver closes
// its idle connections when Run returns).
func Client(c *http.Client) (*http.Client, *http.Transport) {
	if c != nil {
		return c, nil
	}
	own := http.DefaultTransport.(*http.Transport).Clone()
	return &http.Client{Transport: own}, own
}

// Post sends call to url in codec, with the Content-Type and Accept
// headers Mesos requires and the extra header given (may be nil).
func Post(ctx context.Context, client *http.Client, url string, codec wire.Codec, call proto.Message, header http.Header) (*http.Response, error) {
	body, err := codec.Marshal(call)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", codec.MediaType())
	req.Header.Set("Accept", codec.MediaType())
	return client.Do(req)
}

// Permanent reports whether an error status answering a SUBSCRIBE means
// trying again cannot help: a 4xx other than 408 and 429.
func Permanent(status int) bool {
	return status >= 400 && status < 500 && status != http.StatusRequestTimeout && status != http.StatusTooManyRequests
}

// Message reads the start of an error answer's body, for error messages,
// and closes it.
func Message(resp *http.Response) string {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
	return strings.TrimSpace(string(b))
}

// Drain discards an answer's body so its connection can be reused.
func Drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

// Rejected formats a refused call's error: its type, status and message.
func Rejected(sentinel error, callType fmt.Stringer, resp *http.Response) error {
	return fmt.Errorf("%w: %v: %s: %s", sentinel, callType, resp.Status, Message(resp))
}
