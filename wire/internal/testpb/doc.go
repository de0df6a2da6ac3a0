// Package testpb holds a small proto2 schema used only by the wire package's
// tests. It covers every rule of the Mesos-style JSON codec (required,
// defaults, deprecated defaults, enums, bytes, 64-bit integers, oneofs, maps)
// so the codec can be tested without the full Mesos API.
package testpb

//go:generate protoc -I . --go_out=. --go_opt=paths=source_relative test.proto
