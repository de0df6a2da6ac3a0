// Package depcheck holds a test that keeps the SDK portable: its packages
// may depend only on the Mesos wire messages (agora/api/mesos/v1/...),
// the codecs (agora/wire), the resource and constraint models, the
// protobuf runtime and the standard library, never on agora's master,
// agent or anything else that would tie a framework to agora.
package depcheck
