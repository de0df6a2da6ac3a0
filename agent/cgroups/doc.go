// Package cgroups isolates containers with Linux control groups: the
// memory and CPU limits of a container's resources, the accounting of
// everything its processes start, and killing all of it at once. It is
// the part of Mesos's cgroups isolators (cgroups/mem, cgroups/cpu and the
// Linux launcher's freezer) that agora's agent needs, without cgo.
//
// Detect chooses the isolation once, at agent start-up: cgroup v2 when the
// unified hierarchy offers the memory and cpu controllers, else the v1
// memory and cpu hierarchies (with cpuacct and freezer when mounted), else
// none, with a Reason (not root, nothing usable mounted, a read-only
// cgroup file system). Manager.Mode is what the agent reports as its
// isolation in /flags and /state; the agent logs Manager.String at
// start-up.
//
// Each container gets a cgroup named by its container ID under a root
// (Options.Root, Mesos's --cgroups_root), at the top of each hierarchy as
// Mesos lays them out:
//
//	/sys/fs/cgroup/memory/agora/<container id>   (v1, one per hierarchy)
//	/sys/fs/cgroup/agora/<container id>          (v2)
//
// so containers stay alive when the agent's own cgroup is torn down with
// it (an agent restarted by systemd), or with Options.Nested under the
// agent's own cgroup in each hierarchy (tests, delegated subtrees).
//
// The agent uses it so:
//
//   - launch: Manager.Create with the container's Limits, then the
//     container's first process joins it (Join with Cgroup.ProcsFiles, from
//     the supervisor process itself before it starts the task, or
//     Cgroup.AddProcess from the agent). Everything that process starts
//     is in the cgroup from then on, setsid and double forks included.
//   - running: Cgroup.WaitLimitation in a goroutine reports the memory
//     limit being hit; Cgroup.Usage feeds /monitor/statistics.
//   - end: Cgroup.Limitation tells an OOM kill (TASK_FAILED with
//     REASON_CONTAINER_LIMITATION_MEMORY and the Limitation's message) from
//     any other end; Cgroup.Kill kills every process in the container and
//     Cgroup.Destroy also removes the cgroup.
//   - recovery: Manager.Open re-attaches to a container's cgroup after an
//     agent restart; Manager.List finds the cgroups under the root, and
//     those of containers the agent no longer knows are destroyed.
package cgroups
