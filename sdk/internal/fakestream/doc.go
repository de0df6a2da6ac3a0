// Package fakestream is the streaming half of the SDK tests' fake Mesos
// masters and agents: it answers a SUBSCRIBE with a RecordIO event stream
// that the test feeds record by record and ends at will, as a master or
// agent that goes away.
package fakestream
