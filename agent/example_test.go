package agent_test

import (
	"context"
	"log"
	"os/signal"
	"syscall"

	"agora/agent"
)

// An agent runs until its context ends; it then stops every executor and
// returns once no process it started is left.
func ExampleNew() {
	a, err := agent.New(agent.Config{
		Master:     "10.0.0.1:5050",
		Listen:     ":5051",
		WorkDir:    "/var/lib/agora/agent",
		Resources:  "cpus:4;mem:8192;ports:[31000-32000]",
		Attributes: "rack:r1;zone:a",
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	log.Printf("agent serving on %s", a.Endpoint())
	if err := a.Run(ctx); err != nil {
		log.Fatal(err)
	}
}
