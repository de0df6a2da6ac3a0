// Package testcluster runs a whole agora cluster in one process for tests
// and benchmarks: a master and N agents on loopback, speaking real HTTP and
// running real processes, plus a Scheduler client that talks to the master
// exactly as a Mesos framework does.
//
//	c := testcluster.Start(t, testcluster.Options{Agents: 3})
//	s := testcluster.Subscribe(t, c.MasterURL, wire.JSON, testcluster.DefaultFrameworkInfo("test"))
//	offers := s.Next(t, schedulerpb.Event_OFFERS)
//
// Everything stops when the test ends.
package testcluster
