// Package fetcher fetches a task's URIs into its sandbox before the task
// starts, as Mesos's fetcher does (docs/fetcher.md): each CommandInfo.URI
// is downloaded (http, https) or copied (file://, local paths) into the
// sandbox, then made executable or unpacked if asked.
//
// Fetch is the whole API: give it the URIs (plain URI structs; the agent
// converts from the protobuf), the sandbox directory and Options. It
// fetches the URIs in order and stops at the first failure, whose error
// wraps one of the package's sentinels (ErrDownload, ErrUnsafePath, ...)
// and names the URI.
//
// Whatever a framework sends, Fetch writes only inside the sandbox: output
// file names, archive entries and links that would lead out of it are
// refused with ErrUnsafePath, and every write goes through an os.Root.
//
// Differences from Mesos, on purpose: ftp, ftps and Hadoop (hdfs, s3...)
// URIs are not supported; an http URI's query is not part of the file
// name; the cache is keyed by URI only (fetches run as the agent, not as
// the task's user) and never evicts.
package fetcher
