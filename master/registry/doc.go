// Package registry is the master's durable state: what an operator set and
// must survive a master restart. Today that is role weights, role quota and
// the dynamic reservations and persistent volumes of each agent (Mesos's
// registry, src/master/registry.proto, holds the same kinds of facts).
//
// A Store keeps one State. The master loads it when it starts and saves a
// new State after each change it accepted and before it answers the
// operator, so an acknowledged change is never lost. FileStore is the
// embedded store: one JSON document in the master's --work_dir, replaced
// atomically (write to a temporary file, fsync, rename, fsync the
// directory), so a crash leaves either the old state or the new one.
// The state is small (kilobytes per thousand roles or agents with
// reservations) and written only on operator actions, so rewriting the
// whole document is simpler than an embedded database and as safe; a
// replicated store (etcd, for several masters) would implement Store too.
//
//	store, err := registry.OpenFile(filepath.Join(workDir, "registry.json"))
//	state, err := store.Load()
//	state.Weights["prod"] = 2
//	err = store.Save(state)
package registry
