package marathon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"agora/services/app"
	"agora/services/events"
)

// DeploymentHeader carries the id of the deployment a change started.
const DeploymentHeader = "Marathon-Deployment-Id"

// DefaultMaxBodyBytes limits request bodies (413 beyond it).
const DefaultMaxBodyBytes = 1 << 20

// DefaultKeepAlive is how often an idle /v2/events stream gets a blank line, as
// Marathon's Jetty event source sends every 10 s.
const DefaultKeepAlive = 10 * time.Second

// Options configure the handler. The zero value is usable, without /v2/events.
type Options struct {
	// Events feeds /v2/events; nil answers 503 there. The handler also publishes
	// api_post_event, event_stream_attached and event_stream_detached to it.
	Events *events.Bus
	// MaxBodyBytes limits request bodies (DefaultMaxBodyBytes when 0).
	MaxBodyBytes int64
	// KeepAlive is the /v2/events keep-alive period (DefaultKeepAlive when 0).
	KeepAlive time.Duration
	// Logger logs failed requests (slog.Default when nil).
	Logger *slog.Logger
}

// NewHandler returns an http.Handler serving Marathon's REST API (/v2/..., /ping) over b.
func NewHandler(b Backend, opts Options) http.Handler {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.KeepAlive <= 0 {
		opts.KeepAlive = DefaultKeepAlive
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &handler{b: b, opts: opts, log: opts.Logger}
}

type handler struct {
	b    Backend
	opts Options
	log  *slog.Logger
}

// ServeHTTP routes a request. A panic in a route is a bug: it is logged and answered
// with 500 rather than taking the server down (fuzz tests call route directly, so they
// still see it).
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.log.Error("marathon: panic serving request", "method", r.Method, "path", r.URL.Path, "panic", v)
			writeMessage(w, http.StatusInternalServerError, "internal error")
		}
	}()
	h.route(w, r)
}

// route dispatches on the path. Marathon's ids contain slashes, so the app, group and
// queue routes take the rest of the path as the id and recognise their suffixes
// (/restart, /tasks, /versions, /delay) at its end.
func (h *handler) route(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/ping":
		h.ping(w, r)
	case p == "/v2/apps" || p == "/v2/apps/":
		h.appsRoot(w, r)
	case strings.HasPrefix(p, "/v2/apps/"):
		h.appsPath(w, r, strings.TrimPrefix(p, "/v2/apps/"))
	case p == "/v2/tasks" || p == "/v2/tasks/":
		h.allowed(w, r, h.listTasks, http.MethodGet)
	case p == "/v2/tasks/delete":
		h.allowed(w, r, h.deleteTasks, http.MethodPost)
	case p == "/v2/deployments" || p == "/v2/deployments/":
		h.allowed(w, r, h.listDeployments, http.MethodGet)
	case strings.HasPrefix(p, "/v2/deployments/"):
		id := strings.TrimPrefix(p, "/v2/deployments/")
		h.allowed(w, r, func(w http.ResponseWriter, r *http.Request) { h.cancelDeployment(w, r, id) }, http.MethodDelete)
	case p == "/v2/groups" || p == "/v2/groups/":
		h.groups(w, r, "/")
	case strings.HasPrefix(p, "/v2/groups/"):
		h.groups(w, r, strings.TrimPrefix(p, "/v2/groups/"))
	case p == "/v2/queue" || p == "/v2/queue/":
		h.allowed(w, r, h.queue, http.MethodGet)
	case strings.HasPrefix(p, "/v2/queue/") && strings.HasSuffix(p, "/delay"):
		id := strings.TrimSuffix(strings.TrimPrefix(p, "/v2/queue/"), "/delay")
		h.allowed(w, r, func(w http.ResponseWriter, r *http.Request) { h.resetDelay(w, r, id) }, http.MethodDelete)
	case p == "/v2/info":
		h.allowed(w, r, h.info, http.MethodGet)
	case p == "/v2/leader":
		h.allowed(w, r, h.leader, http.MethodGet)
	case p == "/v2/events":
		h.allowed(w, r, h.events, http.MethodGet)
	case p == "/v2/eventSubscriptions" || strings.HasPrefix(p, "/v2/eventSubscriptions/"):
		// Marathon dropped HTTP callback subscriptions in 1.9; like it, agora has only
		// the /v2/events stream.
		writeMessage(w, http.StatusNotFound, "URI not found: "+p+" (HTTP callback subscriptions are not supported; use the /v2/events stream)")
	default:
		writeMessage(w, http.StatusNotFound, "URI not found: "+p)
	}
}

// allowed runs fn when the request's method is one of methods, else answers 405.
func (h *handler) allowed(w http.ResponseWriter, r *http.Request, fn http.HandlerFunc, methods ...string) {
	for _, m := range methods {
		if r.Method == m || (m == http.MethodGet && r.Method == http.MethodHead) {
			fn(w, r)
			return
		}
	}
	methodNotAllowed(w, methods...)
}

func methodNotAllowed(w http.ResponseWriter, methods ...string) {
	w.Header().Set("Allow", strings.Join(methods, ", "))
	writeMessage(w, http.StatusMethodNotAllowed, "Method Not Allowed")
}

func (h *handler) ping(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Cache-Control", "must-revalidate,no-cache,no-store")
	io.WriteString(w, "pong\n")
}

// writeJSON answers v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := marshal(v)
	if err != nil {
		writeMessage(w, http.StatusInternalServerError, "encoding the answer: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(data)
}

// marshal encodes v as Marathon's Jackson does: "<", ">" and "&" as they are.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// errorBody is Marathon's error JSON.
type errorBody struct {
	Message string `json:"message"`
}

func writeMessage(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Message: msg})
}

// lockedBody is Marathon's 409 body for a locked app.
type lockedBody struct {
	Message     string     `json:"message"`
	Deployments []idObject `json:"deployments"`
}

type idObject struct {
	ID string `json:"id"`
}

// notFound builds the 404 message of a route from the missing thing's id.
type notFound func() string

func appNotFound(id string) notFound {
	return func() string { return fmt.Sprintf("App '%s' does not exist", id) }
}

// writeError answers a Backend or decoding error as Marathon would. missing gives the
// 404 message for ErrNotFound.
func (h *handler) writeError(w http.ResponseWriter, r *http.Request, err error, missing notFound) {
	var locked *LockedError
	var invalid *app.ValidationError
	var tooLarge *http.MaxBytesError
	var reqErr *requestError
	switch {
	case errors.As(err, &reqErr):
		writeMessage(w, reqErr.status, reqErr.msg)
	case errors.As(err, &tooLarge):
		writeMessage(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("Request body too large: more than %d bytes", tooLarge.Limit))
	case errors.As(err, &locked):
		body := lockedBody{Message: LockedMessage, Deployments: []idObject{}}
		for _, id := range locked.Deployments {
			body.Deployments = append(body.Deployments, idObject{ID: id})
		}
		writeJSON(w, http.StatusConflict, body)
	case errors.As(err, &invalid):
		status := http.StatusUnprocessableEntity
		if errors.Is(invalid, app.ErrInvalidJSON) {
			status = http.StatusBadRequest
		}
		writeJSON(w, status, invalid)
	case errors.Is(err, ErrNotFound):
		msg := "Not found"
		if missing != nil {
			msg = missing()
		}
		writeMessage(w, http.StatusNotFound, msg)
	case errors.Is(err, ErrExists), errors.Is(err, ErrConflict):
		writeMessage(w, http.StatusConflict, userMessage(err))
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		writeMessage(w, http.StatusServiceUnavailable, err.Error())
	default:
		h.log.Error("marathon: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeMessage(w, http.StatusInternalServerError, err.Error())
	}
}

// userMessage strips this package's sentinel prefixes from an error's text, so that
// fmt.Errorf("%w: An app with id [/a] already exists.", ErrExists) answers Marathon's
// own message.
func userMessage(err error) string {
	msg := err.Error()
	for _, s := range []error{ErrExists, ErrConflict, ErrNotFound} {
		msg = strings.TrimPrefix(msg, s.Error()+": ")
	}
	return msg
}

// requestError is a bad request detected by the handler itself.
type requestError struct {
	status int
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &requestError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

func unprocessable(format string, args ...any) error {
	return &requestError{status: http.StatusUnprocessableEntity, msg: fmt.Sprintf(format, args...)}
}

// readBody reads a request body up to the size limit.
func (h *handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	return io.ReadAll(http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes))
}

// boolParam reads a boolean query parameter as Jersey does: "true" in any case is true,
// anything else false, absent is def.
func boolParam(r *http.Request, name string, def bool) bool {
	q := r.URL.Query()
	if !q.Has(name) {
		return def
	}
	return strings.EqualFold(q.Get(name), "true")
}

// deploymentResult answers a change: the deployment header and Marathon's
// {"version", "deploymentId"} body.
func deploymentResult(w http.ResponseWriter, status int, d Deployment) {
	w.Header().Set(DeploymentHeader, d.ID)
	writeJSON(w, status, struct {
		Version      string `json:"version"`
		DeploymentID string `json:"deploymentId"`
	}{d.Version, d.ID})
}

// pathID turns the id part of a URL path into an absolute id: canonical when it can be
// (".." resolved, slashes trimmed). An id that cannot be canonical is returned as given,
// with a leading slash, as Marathon's toAbsolutePath does: no app has it (404), and a
// create with it fails validation (422).
func pathID(raw string) string {
	trimmed := strings.Trim(raw, "/")
	if trimmed == "" {
		return "/"
	}
	if id, err := app.CanonicalID("/"+trimmed, "/"); err == nil {
		return id
	}
	return "/" + trimmed
}
