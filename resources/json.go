package resources

import (
	"encoding/json"
	"fmt"

	mesospb "agora/api/mesos/v1"
	"agora/wire"
	"google.golang.org/protobuf/proto"
)

// parseJSON reads the JSON form of --resources: an array of Mesos Resource
// objects in Mesos's JSON (Resources::fromJSON). Each element is decoded
// with the wire package's Mesos-style decoder, given defaultRole when it
// names neither a role nor reservations, then validated like any wire
// resource and checked against what a command line may declare.
func parseJSON(data []byte, defaultRole string) (Resources, error) {
	var elements []json.RawMessage
	if err := json.Unmarshal(data, &elements); err != nil {
		return Resources{}, &packageError{
			msg:   fmt.Sprintf("resources: JSON resources are not a JSON array of objects: %v", err),
			kinds: []error{ErrInvalidResource, err},
		}
	}
	var out builder
	kinds := map[string]Kind{}
	for i, raw := range elements {
		p := &mesospb.Resource{}
		if err := wire.UnmarshalJSON(raw, p); err != nil {
			return Resources{}, &packageError{
				msg:   fmt.Sprintf("resources: JSON resource %d: %v", i, err),
				kinds: []error{ErrInvalidResource, err},
			}
		}
		if p.Role == nil && len(p.Reservations) == 0 {
			p.Role = proto.String(defaultRole)
		}
		where := fmt.Sprintf("JSON resource %d (%q)", i, p.GetName())
		r, err := resourceFromProto(p, where)
		if err != nil {
			return Resources{}, err
		}
		if err := checkCommandLine(&r, where); err != nil {
			return Resources{}, err
		}
		if k, seen := kinds[r.Name]; seen && k != r.Kind {
			return Resources{}, errorf(ErrInvalidResource, "%q is declared as both %s and %s; one name needs one type", r.Name, k, r.Kind)
		}
		kinds[r.Name] = r.Kind
		out.add(&r, 1)
	}
	return out.resources(), nil
}

// checkCommandLine rejects what only operations may create
// (validateCommandLineResources in Mesos's resources.cpp).
func checkCommandLine(r *Resource, where string) error {
	switch {
	case r.IsPersistentVolume():
		return errorf(ErrInvalidResource, "%s: persistent volumes cannot be declared on the command line; create them with a CREATE operation", where)
	case r.Revocable:
		return errorf(ErrInvalidResource, "%s: revocable resources cannot be declared on the command line; remove the \"revocable\" key", where)
	case r.IsDynamicallyReserved():
		return errorf(ErrInvalidResource, "%s: dynamic reservations cannot be declared on the command line; use a STATIC reservation or a RESERVE operation", where)
	case r.AllocationRole != "":
		return errorf(ErrInvalidResource, "%s: allocation_info cannot be declared on the command line", where)
	}
	return nil
}
