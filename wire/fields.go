package wire

import (
	"strconv"
	"strings"
	"sync"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// messageInfo is what the JSON codec needs to know about one message type,
// computed once per descriptor.
type messageInfo struct {
	// fields in declaration order, the order Mesos's JSON writer uses
	// (stout iterates Descriptor::field(i)), which is not always field
	// number order.
	fields []fieldInfo
	// byName finds a field by its proto name, the only JSON key Mesos
	// recognises (no lowerCamelCase JSON names).
	byName map[string]*fieldInfo
}

type fieldInfo struct {
	fd protoreflect.FieldDescriptor
	// key is the JSON object key with its colon: `"name":`.
	key []byte
	// printDefault: an unset singular field is still written, with its
	// default, when the .proto gives it an explicit default and does not
	// mark it deprecated (stout's rule).
	printDefault bool
}

var messageInfos sync.Map // protoreflect.MessageDescriptor -> *messageInfo

func infoFor(md protoreflect.MessageDescriptor) *messageInfo {
	if mi, ok := messageInfos.Load(md); ok {
		return mi.(*messageInfo)
	}
	fds := md.Fields()
	mi := &messageInfo{
		fields: make([]fieldInfo, fds.Len()),
		byName: make(map[string]*fieldInfo, fds.Len()),
	}
	for i := range fds.Len() {
		fd := fds.Get(i)
		key := appendString(nil, string(fd.Name()))
		mi.fields[i] = fieldInfo{
			fd:           fd,
			key:          append(key, ':'),
			printDefault: fd.Cardinality() != protoreflect.Repeated && fd.HasDefault() && !isDeprecated(fd),
		}
		mi.byName[string(fd.Name())] = &mi.fields[i]
	}
	actual, _ := messageInfos.LoadOrStore(md, mi)
	return actual.(*messageInfo)
}

func isDeprecated(fd protoreflect.FieldDescriptor) bool {
	opts, ok := fd.Options().(*descriptorpb.FieldOptions)
	return ok && opts.GetDeprecated()
}

// fieldPath is the position of a value inside the top-level message, kept as
// a stack while walking so errors can name the field, e.g.
// `subscribe.framework_info.roles[1]` or `labels["team"]`.
type fieldPath []pathStep

type pathStep struct {
	name  protoreflect.Name // a field; empty for a list index or map key
	index int               // a list index, when name is empty and isKey false
	key   protoreflect.MapKey
	isKey bool
}

func (p *fieldPath) pushField(fd protoreflect.FieldDescriptor) {
	*p = append(*p, pathStep{name: fd.Name()})
}

func (p *fieldPath) pushIndex(i int) { *p = append(*p, pathStep{index: i}) }

func (p *fieldPath) pushKey(k protoreflect.MapKey) { *p = append(*p, pathStep{key: k, isKey: true}) }

func (p *fieldPath) pop() { *p = (*p)[:len(*p)-1] }

func (p fieldPath) String() string {
	var b strings.Builder
	for _, s := range p {
		switch {
		case s.name != "":
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(string(s.name))
		case s.isKey:
			b.WriteByte('[')
			if k, ok := s.key.Interface().(string); ok {
				b.WriteString(strconv.Quote(k))
			} else {
				b.WriteString(s.key.String())
			}
			b.WriteByte(']')
		default:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
		}
	}
	return b.String()
}

// fieldError builds a *FieldError at the current path.
func (p fieldPath) fieldError(problem string) error {
	return &FieldError{Path: p.String(), Problem: problem}
}
