// Command agora is the one agora binary: master, agent, dev cluster and
// operator commands. See the README for a tour.
package main

import (
	"fmt"
	"io"
	"os"
)

// Version is the agora release this binary reports on /version and `agora version`.
const Version = "0.1.0-dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "agora %s (Mesos v1 API 1.11 compatible)\n", Version)
		return 0
	case "master":
		return runMaster(args[1:], stdout, stderr)
	case "agent":
		return runAgent(args[1:], stdout, stderr)
	case "dev":
		return runDev(args[1:], stdout, stderr)
	case "services":
		return runServices(args[1:], stdout, stderr)
	case "app":
		return runApp(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		usage(stdout)
		return 0
	default:
		fmt.Fprintf(stderr, "agora: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: agora <command> [flags]

commands:
  dev       run a whole cluster in this process: a master and 3 agents
  agent     run an agent (port 5051)
  master    run a master (Mesos v1 scheduler and operator APIs, port 5050)
  services  run the services scheduler (Marathon's REST API, port 8080)
  app       deploy, list, show, scale, restart, remove apps; see why one waits
  version   print the agora version
  help      show this text
`)
}
