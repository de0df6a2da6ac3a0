// Package app owns the Marathon application and group model of agora's services
// scheduler: the App and Group types in Marathon's JSON form, their defaults, decoding of
// full and partial bodies (Decode, Patch, DecodeGroup, DecodeFile for JSON and YAML
// files), validation with Marathon's error shape (ValidationError), path ids
// (CanonicalID), the scale-or-restart rule (NeedsRestart), dependency order (Order),
// service port assignment and Marathon's task ids.
//
// It is pure: no I/O, no clock reads (versions are formatted from a time the caller
// passes, VersionAt), no goroutines. The engine (package services), the placement and
// plan cores and the /v2 REST layer all use it.
package app
