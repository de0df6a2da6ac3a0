// Package gc decides when an agent deletes the sandboxes of executor runs
// that have ended, as Mesos's agent does (src/slave/gc.cpp and
// Slave::checkDiskUsage):
//
//   - a path is scheduled for deletion --gc_delay (default one week)
//     after its run ended (Schedule.Add), or after its last modification
//     for paths found on disk at start;
//   - every --disk_watch_interval the agent measures how full the work
//     directory's file system is (Usage) and computes the largest age a
//     sandbox may reach, MaxAge = gc_delay × max(0, 1 − gc_disk_headroom
//     − usage); everything scheduled at least that long ago is deleted
//     at once (Schedule.Prune), so a filling disk shortens the delay and
//     a full one empties every finished sandbox.
//
// Schedule is a pure core: times come in as arguments. Usage and the
// deletion itself are the shell's (the agent's) business.
package gc
