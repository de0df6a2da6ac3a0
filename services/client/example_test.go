package client_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"agora/services/client"
	"agora/services/marathon"
	"agora/services/marathon/marathontest"
)

func Example() {
	// A stand-in for `agora dev`'s services on :8080.
	srv := httptest.NewServer(marathon.NewHandler(marathontest.New(), marathon.Options{}))
	defer srv.Close()

	ctx := context.Background()
	c := client.New(srv.URL, nil)
	res, err := c.Deploy(ctx, "web.yaml", []byte("id: /web\ncmd: sleep 600\ninstances: 3\n"), false)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := c.WaitForDeployment(ctx, res.DeploymentID, 100*time.Millisecond); err != nil {
		fmt.Println(err)
		return
	}
	a, _ := c.App(ctx, "/web")
	fmt.Println(a.ID, a.Instances, a.Cmd)

	_, err = c.App(ctx, "/db")
	fmt.Println(err)
	// Output:
	// /web 3 sleep 600
	// 404 Not Found: App '/db' does not exist
}
