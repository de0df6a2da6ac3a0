// Package client is a small Go client of agora's Marathon-compatible REST API (the
// services scheduler, port 8080), used by the `agora app` commands. It speaks only the
// public /v2 API, so it works against Marathon too, and depends on nothing but the
// standard library and package app (to read app and group files).
//
//	c := client.New("http://127.0.0.1:8080", nil)
//	res, err := c.Deploy(ctx, "web.yaml", data, false)   // create or replace
//	err = c.WaitForDeployment(ctx, res[0].DeploymentID, time.Second)
//
// Errors from the server are *Error values carrying Marathon's message and details;
// errors.Is(err, ErrNotFound) and errors.Is(err, ErrLocked) test the common cases.
package client
