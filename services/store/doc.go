// Package store keeps the services scheduler's durable state in an embedded
// bbolt database in its work directory: the framework id, app definitions and
// their versions, deployments and the instances it launched. Every change is
// one fsynced transaction, so what the REST API acknowledged survives a crash;
// on start the engine loads everything back and reconciles with the master.
//
// Values are JSON documents under string keys, in one bucket per kind, so the
// file can be inspected with any bbolt tool and its format stays readable.
package store
