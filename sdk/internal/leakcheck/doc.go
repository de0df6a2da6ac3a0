// Package leakcheck lets the SDK's tests assert that a driver leaves no
// goroutine behind. It compares the goroutines running before and after a
// piece of work, by goroutine id, and waits a while for stragglers to end
// before it reports them with their stacks.
package leakcheck
