// Package marathontest provides an in-memory marathon.Backend for tests of the REST
// layer and of its clients (services/client, the agora app CLI): it stores apps,
// versions, tasks, deployments and locks, answers with the Backend's error kinds, and
// records what it was asked. It runs nothing; the services engine is the real Backend.
package marathontest
