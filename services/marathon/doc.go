// Package marathon serves Marathon's REST API (/v2/apps, /v2/tasks, /v2/groups,
// /v2/deployments, /v2/queue, /v2/info, /v2/leader, /v2/events, /ping) over a Backend
// that the services engine implements, so that Marathon clients, scripts and libraries
// (go-marathon, marathon-python, curl recipes) work against agora unchanged.
//
// The package is a thin shell: it routes (Marathon's ids contain slashes, so
// /v2/apps/a/b/tasks is the tasks of app /a/b), reads bodies through package app
// (Decode, Patch, Validate, DecodeGroup), maps Backend errors to Marathon's status codes
// and error JSON ({"message": ...}, the 409 lock body, 422 validation details), prints
// Marathon's shapes (an app with its counts and embedded parts, the
// {"version","deploymentId"} result with the Marathon-Deployment-Id header), and streams
// package events' bus as server-sent events. It holds no state of its own; the Backend
// owns every decision, and the types here (AppStatus, Task, Deployment, QueueItem, ...)
// are the plain data it exchanges with the engine, which imports this package.
//
// Marathon's behaviour is taken from its api/v2 resources (AppsResource,
// AppTasksResource, TasksResource, GroupsResource, DeploymentsResource, QueueResource,
// InfoResource, LeaderResource), MarathonExceptionMapper and the event stream servlet.
package marathon
