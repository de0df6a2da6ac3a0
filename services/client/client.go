package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"agora/services/app"
)

// Sentinels matched by *Error (errors.Is).
var (
	// ErrNotFound: the server answered 404 (no such app, group, task or deployment).
	ErrNotFound = errors.New("client: not found")
	// ErrLocked: the server answered 409 because deployments in progress hold the app;
	// Error.Deployments names them. Retry with force to override.
	ErrLocked = errors.New("client: locked by a deployment")
)

// Error is an error answer of the server: its status and Marathon's error body.
type Error struct {
	StatusCode int
	Message    string
	// Details are the validation problems of a 400 or 422 answer.
	Details []app.Detail
	// Deployments are the deployments holding a locked app (409).
	Deployments []string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s: %s", e.StatusCode, http.StatusText(e.StatusCode), e.Message)
	for _, d := range e.Details {
		fmt.Fprintf(&b, "\n  %s: %s", d.Path, strings.Join(d.Errors, "; "))
	}
	if len(e.Deployments) > 0 {
		fmt.Fprintf(&b, " (deployments: %s)", strings.Join(e.Deployments, ", "))
	}
	return b.String()
}

// Is reports ErrNotFound for 404 and ErrLocked for a 409 naming deployments.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrLocked:
		return e.StatusCode == http.StatusConflict && len(e.Deployments) > 0
	}
	return false
}

// Client talks to one services scheduler. Its methods are safe for concurrent use.
type Client struct {
	base string
	http *http.Client
}

// New returns a client of the REST API at base ("http://127.0.0.1:8080"). hc nil means a
// client with a 30 s timeout.
func New(base string, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{base: strings.TrimRight(base, "/"), http: hc}
}

// App is an app as the server reports it: its definition and run-time state.
type App struct {
	app.App
	TasksStaged     int             `json:"tasksStaged"`
	TasksRunning    int             `json:"tasksRunning"`
	TasksHealthy    int             `json:"tasksHealthy"`
	TasksUnhealthy  int             `json:"tasksUnhealthy"`
	Deployments     []DeploymentRef `json:"deployments"`
	Tasks           []Task          `json:"tasks"`
	LastTaskFailure *TaskFailure    `json:"lastTaskFailure"`
}

// DeploymentRef names a deployment that affects an app.
type DeploymentRef struct {
	ID string `json:"id"`
}

// Task is one task of an app.
type Task struct {
	ID                 string              `json:"id"`
	AppID              string              `json:"appId"`
	Host               string              `json:"host"`
	SlaveID            string              `json:"slaveId"`
	State              string              `json:"state"`
	Ports              []int               `json:"ports"`
	ServicePorts       []int               `json:"servicePorts"`
	StagedAt           string              `json:"stagedAt"`
	StartedAt          string              `json:"startedAt"`
	Version            string              `json:"version"`
	HealthCheckResults []HealthCheckResult `json:"healthCheckResults"`
}

// HealthCheckResult is the last result of one health check of a task.
type HealthCheckResult struct {
	Alive               bool   `json:"alive"`
	ConsecutiveFailures int    `json:"consecutiveFailures"`
	LastFailureCause    string `json:"lastFailureCause"`
}

// TaskFailure is an app's last failed task.
type TaskFailure struct {
	TaskID    string `json:"taskId"`
	State     string `json:"state"`
	Message   string `json:"message"`
	Host      string `json:"host"`
	Timestamp string `json:"timestamp"`
	Version   string `json:"version"`
}

// Result identifies the deployment a change started.
type Result struct {
	DeploymentID string `json:"deploymentId"`
	Version      string `json:"version"`
}

// Deployment is a deployment in progress.
type Deployment struct {
	ID           string   `json:"id"`
	Version      string   `json:"version"`
	AffectedApps []string `json:"affectedApps"`
	CurrentStep  int      `json:"currentStep"`
	TotalSteps   int      `json:"totalSteps"`
	Steps        []struct {
		Actions []Action `json:"actions"`
	} `json:"steps"`
	CurrentActions []Action `json:"currentActions"`
}

// Action is one action of a deployment step.
type Action struct {
	Action string `json:"action"`
	App    string `json:"app"`
}

// QueueItem is an app waiting for instances to launch, with why offers were not used.
type QueueItem struct {
	App   app.App `json:"app"`
	Count int     `json:"count"`
	Role  string  `json:"role"`
	Delay struct {
		TimeLeftSeconds int  `json:"timeLeftSeconds"`
		Overdue         bool `json:"overdue"`
	} `json:"delay"`
	Since                  string `json:"since"`
	ProcessedOffersSummary struct {
		ProcessedOffersCount       int            `json:"processedOffersCount"`
		UnusedOffersCount          int            `json:"unusedOffersCount"`
		LastUnusedOfferAt          string         `json:"lastUnusedOfferAt"`
		LastUsedOfferAt            string         `json:"lastUsedOfferAt"`
		RejectSummaryLastOffers    []RejectReason `json:"rejectSummaryLastOffers"`
		RejectSummaryLaunchAttempt []RejectReason `json:"rejectSummaryLaunchAttempt"`
	} `json:"processedOffersSummary"`
	LastUnusedOffers []struct {
		Offer struct {
			ID       string `json:"id"`
			Hostname string `json:"hostname"`
			AgentID  string `json:"agentId"`
		} `json:"offer"`
		Reason    []string `json:"reason"`
		Timestamp string   `json:"timestamp"`
	} `json:"lastUnusedOffers"`
	// Blocked is agora's own (empty from Marathon): why the app's
	// deployment cannot go on as it is, and what would let it.
	Blocked string `json:"blocked"`
}

// RejectReason counts, for one check of the offer matching, the offers it processed and
// declined.
type RejectReason struct {
	Reason    string `json:"reason"`
	Declined  int    `json:"declined"`
	Processed int    `json:"processed"`
}

// appPath returns the URL path of an app, checking its id first.
func appPath(id string, suffix ...string) (string, error) {
	canonical, err := app.CanonicalID(id, "/")
	if err != nil {
		return "", err
	}
	return "/v2/apps" + canonical + strings.Join(suffix, ""), nil
}

func query(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			v.Set(kv[i], kv[i+1])
		}
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

func forceParam(force bool) string {
	if force {
		return "true"
	}
	return ""
}

// do sends a request and decodes a 2xx JSON answer into out (nil: ignore the body).
func (c *Client) do(ctx context.Context, method, path string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("client: encode request: %w", err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("client: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("client: %s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		e := &Error{StatusCode: resp.StatusCode}
		var eb struct {
			Message     string          `json:"message"`
			Details     json.RawMessage `json:"details"`
			Deployments []struct {
				ID string `json:"id"`
			} `json:"deployments"`
		}
		if json.Unmarshal(data, &eb) == nil && eb.Message != "" {
			e.Message = eb.Message
			json.Unmarshal(eb.Details, &e.Details) // Marathon also sends a string here
			for _, d := range eb.Deployments {
				e.Deployments = append(e.Deployments, d.ID)
			}
		} else {
			e.Message = strings.TrimSpace(string(data))
		}
		return e
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("client: %s %s: decoding the answer: %w", method, path, err)
	}
	return nil
}

// Apps lists every app with its counts and deployments.
func (c *Client) Apps(ctx context.Context) ([]App, error) {
	var out struct {
		Apps []App `json:"apps"`
	}
	err := c.do(ctx, http.MethodGet, "/v2/apps", nil, &out)
	return out.Apps, err
}

// App returns one app with its tasks and last task failure.
func (c *Client) App(ctx context.Context, id string) (*App, error) {
	p, err := appPath(id)
	if err != nil {
		return nil, err
	}
	var out struct {
		App App `json:"app"`
	}
	if err := c.do(ctx, http.MethodGet, p, nil, &out); err != nil {
		return nil, err
	}
	return &out.App, nil
}

// Deploy creates or replaces what a definition file describes (JSON or YAML, as
// app.DecodeFile reads it): one app (PUT /v2/apps/{id}), a list of apps (PUT /v2/apps)
// or a group (PUT /v2/groups/{id}), each a full replacement of the current
// definition. The definitions are validated here first, with the server's messages.
// force overrides deployments in progress.
func (c *Client) Deploy(ctx context.Context, name string, data []byte, force bool) (Result, error) {
	apps, group, err := app.DecodeFile(name, data)
	if err != nil {
		return Result{}, err
	}
	var res Result
	switch {
	case group != nil:
		if err := group.Validate(); err != nil {
			return Result{}, err
		}
		path := "/v2/groups" + strings.TrimSuffix(group.ID, "/")
		err = c.do(ctx, http.MethodPut, path+query("force", forceParam(force)), group, &res)
	case len(apps) == 1:
		if err := apps[0].Validate(); err != nil {
			return Result{}, err
		}
		err = c.do(ctx, http.MethodPut, "/v2/apps"+apps[0].ID+query("partialUpdate", "false", "force", forceParam(force)), apps[0], &res)
	case len(apps) > 1:
		for _, a := range apps {
			if err := a.Validate(); err != nil {
				return Result{}, fmt.Errorf("%s: %w", a.ID, err)
			}
		}
		err = c.do(ctx, http.MethodPut, "/v2/apps"+query("partialUpdate", "false", "force", forceParam(force)), apps, &res)
	default:
		return Result{}, fmt.Errorf("client: %s defines no app", name)
	}
	return res, err
}

// Scale sets an app's instance count.
func (c *Client) Scale(ctx context.Context, id string, instances int, force bool) (Result, error) {
	if instances < 0 {
		return Result{}, fmt.Errorf("client: instances must be 0 or more, got %d", instances)
	}
	p, err := appPath(id)
	if err != nil {
		return Result{}, err
	}
	var res Result
	err = c.do(ctx, http.MethodPut, p+query("force", forceParam(force)), map[string]int{"instances": instances}, &res)
	return res, err
}

// Restart replaces every instance of an app, following its upgrade strategy.
func (c *Client) Restart(ctx context.Context, id string, force bool) (Result, error) {
	p, err := appPath(id, "/restart")
	if err != nil {
		return Result{}, err
	}
	var res Result
	err = c.do(ctx, http.MethodPost, p+query("force", forceParam(force)), nil, &res)
	return res, err
}

// Delete removes an app and stops its instances. (Marathon overrides locks on delete
// unless told otherwise; so does this.)
func (c *Client) Delete(ctx context.Context, id string) (Result, error) {
	p, err := appPath(id)
	if err != nil {
		return Result{}, err
	}
	var res Result
	err = c.do(ctx, http.MethodDelete, p, nil, &res)
	return res, err
}

// Tasks lists an app's tasks.
func (c *Client) Tasks(ctx context.Context, id string) ([]Task, error) {
	p, err := appPath(id, "/tasks")
	if err != nil {
		return nil, err
	}
	var out struct {
		Tasks []Task `json:"tasks"`
	}
	err = c.do(ctx, http.MethodGet, p, nil, &out)
	return out.Tasks, err
}

// Queue lists the apps waiting for instances to launch, with the last unused offers.
func (c *Client) Queue(ctx context.Context) ([]QueueItem, error) {
	var out struct {
		Queue []QueueItem `json:"queue"`
	}
	err := c.do(ctx, http.MethodGet, "/v2/queue?embed=lastUnusedOffers", nil, &out)
	return out.Queue, err
}

// Deployments lists the deployments in progress.
func (c *Client) Deployments(ctx context.Context) ([]Deployment, error) {
	var out []Deployment
	err := c.do(ctx, http.MethodGet, "/v2/deployments", nil, &out)
	return out, err
}

// WaitForDeployment polls /v2/deployments every interval (1 s when 0) until the
// deployment is no longer in progress, or ctx ends. A deployment that ends is not
// told apart from one that failed: check the app afterwards.
func (c *Client) WaitForDeployment(ctx context.Context, id string, interval time.Duration) error {
	if interval <= 0 {
		interval = time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		ds, err := c.Deployments(ctx)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(ds, func(d Deployment) bool { return d.ID == id }) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("client: waiting for deployment %s: %w", id, ctx.Err())
		case <-t.C:
		}
	}
}

// Ping checks that the server answers /ping.
func (c *Client) Ping(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/ping", nil)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return &Error{StatusCode: resp.StatusCode, Message: "ping failed"}
	}
	return nil
}
