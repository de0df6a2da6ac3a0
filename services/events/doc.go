// Package events is the services scheduler's event bus: the engine publishes Marathon's
// events (status_update_event, deployment_success, health_status_changed_event, ...) and
// the /v2/events handler streams them to clients as server-sent events.
//
// Each event type is a struct with Marathon's JSON field names (Marathon's
// core/event/Events.scala and docs/docs/event-bus.md); every event carries "eventType"
// and "timestamp", which Publish fills in. Publish encodes an event once and hands the
// bytes to every subscriber whose filter takes it. It never blocks: a subscriber whose
// buffer is full is dropped (its channel closed, Dropped reports true), so a slow HTTP
// client is disconnected instead of stalling the engine's loop that publishes.
package events
