package resources

import "slices"

// Machine is what an agent detected about its host. A zero field means
// "could not be detected".
type Machine struct {
	// CPUs is the number of logical CPUs.
	CPUs int
	// MemoryBytes is the total physical memory.
	MemoryBytes uint64
	// DiskBytes is the size of the file system holding the agent's
	// --work_dir.
	DiskBytes uint64
}

// Mesos's fallbacks when detection fails, and the default port range
// (src/slave/constants.hpp: DEFAULT_CPUS, DEFAULT_MEM, DEFAULT_DISK,
// DEFAULT_PORTS).
const (
	defaultCPUs   = 1
	defaultMemMB  = 1024      // 1 GB
	defaultDiskMB = 10 * 1024 // 10 GB
	gigabyte      = 1 << 30
	megabyte      = 1 << 20
)

// defaultPorts is the port range an agent offers when --resources names no
// ports.
var defaultPorts = Range{31000, 32000}

// WithDefaults completes an agent's configured resources the way Mesos's
// Containerizer::resources does: each of cpus, mem, disk and ports that the
// flag does not mention is added with defaultRole ("" or "*" = unreserved):
//
//   - cpus: the number of logical CPUs, or 1 if unknown;
//   - mem: total memory minus 1 GB when there are at least 2 GB, else half
//     of it; 1 GB if unknown;
//   - disk: the work_dir file system size minus 5 GB when it has at least
//     10 GB, else half of it; 10 GB if unknown;
//   - ports: [31000-32000].
//
// mem and disk are in whole megabytes, rounded down (Mesos prints the
// megabytes with six significant digits, which can round up; agora never
// advertises more than exists). A name counts as mentioned when configured
// holds a resource of that name with any role, as in Mesos 1.11 ("cpus:0"
// is not a mention, since empty resources are dropped). The function is
// pure: detection is the caller's business.
func WithDefaults(configured Resources, m Machine, defaultRole string) (Resources, error) {
	if defaultRole == "" {
		defaultRole = UnreservedRole
	}
	if reason := roleProblem(defaultRole); reason != "" {
		return Resources{}, roleErrorf("default role %q %s", defaultRole, reason)
	}
	var reservations []Reservation
	if defaultRole != UnreservedRole {
		reservations = []Reservation{StaticReservation(defaultRole)}
	}

	out := builder{entries: slices.Clone(configured.entries)}
	add := func(name string, r Resource) {
		if configured.has(name) {
			return
		}
		r.Reservations = reservations
		out.add(&r, 1)
	}
	for _, r := range defaultResources(m) {
		add(r.Name, r)
	}
	return out.resources(), nil
}

// Defaults returns the unreserved default resources of a machine whose
// --resources flag is empty; see WithDefaults for the rules.
func Defaults(m Machine) Resources {
	var out builder
	for _, r := range defaultResources(m) {
		out.add(&r, 1)
	}
	return out.resources()
}

func defaultResources(m Machine) []Resource {
	cpus := Milli(defaultCPUs * milliPerUnit)
	if m.CPUs > 0 {
		cpus = Milli(m.CPUs) * milliPerUnit
	}
	memMB := uint64(defaultMemMB)
	if total := m.MemoryBytes; total > 0 {
		if total >= 2*gigabyte {
			memMB = (total - gigabyte) / megabyte // leave 1 GB free
		} else {
			memMB = total / 2 / megabyte // use half
		}
	}
	diskMB := uint64(defaultDiskMB)
	if total := m.DiskBytes; total > 0 {
		if total >= 10*gigabyte {
			diskMB = (total - 5*gigabyte) / megabyte // leave 5 GB free
		} else {
			diskMB = total / 2 / megabyte // use half
		}
	}
	return []Resource{
		{Name: "cpus", Value: Value{Kind: KindScalar, Scalar: cpus}},
		{Name: "mem", Value: Value{Kind: KindScalar, Scalar: Milli(memMB) * milliPerUnit}},
		{Name: "disk", Value: Value{Kind: KindScalar, Scalar: Milli(diskMB) * milliPerUnit}},
		{Name: "ports", Value: Value{Kind: KindRanges, Ranges: []Range{defaultPorts}}},
	}
}

// has reports whether the collection holds a resource called name.
func (rs Resources) has(name string) bool {
	for i := range rs.entries {
		if rs.entries[i].Name == name {
			return true
		}
	}
	return false
}
