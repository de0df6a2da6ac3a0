// Package tcplink is a TCP proxy for the SDK's tests: it forwards
// connections to a server and can cut them all at once, the way a
// network failure or a dying peer breaks a connection, which a test of a
// reconnecting driver needs and an httptest server cannot do by itself.
package tcplink
