// Package backoff paces the SDK drivers' reconnection attempts: exponential
// waits with jitter between a minimum and a maximum, reset after success.
package backoff
