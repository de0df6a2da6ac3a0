// Package wire owns the encodings of the Mesos v1 HTTP APIs as agora speaks
// them: Mesos-style JSON and protobuf for any message of agora/api, and the
// HTTP envelope rules around them (method, Content-Type, Accept). Framing of
// event streams lives in the subpackage wire/recordio.
//
// Mesos frameworks (mesos-go, the npm mesos-framework client, the Java and
// C++ drivers) talk to agora unchanged, so every rule here reproduces Mesos
// 1.11: the JSON rules of stout's protobuf.hpp (MarshalJSON, UnmarshalJSON),
// the literal Content-Type check and Accept matching of the master's HTTP
// handlers (RequestCodec, ResponseCodec) and their status codes
// (StatusCode). Where agora departs from Mesos the function's comment says
// so; the departures only refuse values Mesos would silently mangle.
//
// An HTTP handler uses the package like this:
//
//	if err := wire.CheckMethod(r.Method); err != nil { ... }          // 405
//	in, err := wire.RequestCodec(r.Header.Get("Content-Type"))        // 400, 415
//	err = in.Unmarshal(body, &call)                                    // 400
//	out, err := wire.ResponseCodec(r.Header.Get("Accept"))            // 406
//	w.Header().Set("Content-Type", out.MediaType())
//	data, err := out.Marshal(event)
//
// and answers any of those errors with http.Error(w, err.Error(),
// wire.StatusCode(err)). Errors are sentinel values with a "wire:" prefix,
// checked with errors.Is; values that do not fit their field are a
// *FieldError carrying the field's path.
//
// The package is pure: no I/O beyond the byte slices and header values it
// is given, and no per-message code — it walks messages by protobuf
// reflection, so new .proto files need nothing here.
package wire
