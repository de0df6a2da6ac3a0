// Package clusterpb holds the Go types of agora's own master<->agent
// protocol (package agora.cluster.v1, docs/agent-protocol.md): the Call an
// agent posts to POST /agora/v1/cluster and the Event stream the master
// answers REGISTER with. It carries Mesos v1 messages unchanged.
package clusterpb
