package wire

import (
	"fmt"
	"slices"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// checkRequired returns an error naming the first unset required field of m
// (depth first, fields in declaration order, map entries in key order), or
// nil when every required field is set. Mesos checks the same after parsing
// (Message::IsInitialized) and answers 400.
func checkRequired(m proto.Message) error {
	err := proto.CheckInitialized(m)
	if err == nil {
		return nil
	}
	// proto's error does not say where the field is; find it.
	var path fieldPath
	if findMissing(m.ProtoReflect(), &path) {
		return fmt.Errorf("%w %q", ErrMissingRequiredField, path.String())
	}
	return fmt.Errorf("%w: %v", ErrMissingRequiredField, err)
}

func findMissing(m protoreflect.Message, path *fieldPath) bool {
	mi := infoFor(m.Descriptor())
	for i := range mi.fields {
		fd := mi.fields[i].fd
		if fd.Cardinality() == protoreflect.Required && !m.Has(fd) {
			path.pushField(fd)
			return true
		}
	}
	for i := range mi.fields {
		fd := mi.fields[i].fd
		switch {
		case fd.IsMap():
			if fd.MapValue().Message() == nil {
				continue
			}
			mp := m.Get(fd).Map()
			keys := make([]protoreflect.MapKey, 0, mp.Len())
			mp.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
				keys = append(keys, k)
				return true
			})
			slices.SortFunc(keys, compareMapKeys)
			for _, k := range keys {
				path.pushField(fd)
				path.pushKey(k)
				if findMissing(mp.Get(k).Message(), path) {
					return true
				}
				path.pop()
				path.pop()
			}
		case fd.Message() == nil:
		case fd.IsList():
			l := m.Get(fd).List()
			for j := range l.Len() {
				path.pushField(fd)
				path.pushIndex(j)
				if findMissing(l.Get(j).Message(), path) {
					return true
				}
				path.pop()
				path.pop()
			}
		case m.Has(fd):
			path.pushField(fd)
			if findMissing(m.Get(fd).Message(), path) {
				return true
			}
			path.pop()
		}
	}
	return false
}
