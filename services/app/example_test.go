package app_test

import (
	"encoding/json"
	"fmt"
	"time"

	"agora/services/app"
)

// POST /v2/apps: decode with defaults, validate, stamp a version, assign service ports.
func ExampleDecode() {
	a, err := app.Decode([]byte(`{"id":"web","cmd":"./serve --port $PORT0","instances":3,
		"constraints":[["hostname","UNIQUE"]],"ports":null,"dependencies":null}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := a.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	a = app.Stamp(a, nil, time.Date(2026, 11, 24, 23, 37, 44, 123e6, time.UTC))
	_ = app.AssignServicePorts(a, func(int) bool { return false }, app.ServicePortMin, app.ServicePortMax)
	fmt.Println(a.ID, a.Instances, a.CPUs, a.Mem, a.ServicePorts(), a.Version)
	// Output: /web 3 1 128 [10000] 2026-11-24T23:37:44.123Z
}

// A rejected app answers with Marathon's error body.
func ExampleApp_Validate() {
	a, _ := app.Decode([]byte(`{"id":"/Web","cmd":"x","cpus":-1}`))
	err := a.Validate()
	body, _ := json.Marshal(err)
	fmt.Println(string(body))
	// Output: {"message":"Object is not valid","details":[{"path":"/id","errors":["must fully match regular expression '^(([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])\\.)*([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])$'"]},{"path":"/cpus","errors":["got -1.0, expected 0.0 or more"]}]}
}

// PUT /v2/apps/{id}: a partial update; scaling needs no restart, a new command does.
func ExamplePatch() {
	current, _ := app.Decode([]byte(`{"id":"/web","cmd":"./serve","instances":2}`))
	scaled, _ := app.Patch(current, []byte(`{"instances":5,"ports":null}`))
	changed, _ := app.Patch(current, []byte(`{"cmd":"./serve --v2"}`))
	fmt.Println(scaled.Instances, app.NeedsRestart(current, scaled))
	fmt.Println(changed.Cmd, app.NeedsRestart(current, changed))
	// Output:
	// 5 false
	// ./serve --v2 true
}

// A group deploys in dependency layers.
func ExampleGroup_Order() {
	g, _ := app.DecodeGroup([]byte(`{"id":"/shop","apps":[
		{"id":"web","cmd":"x","dependencies":["api"]},
		{"id":"api","cmd":"x","dependencies":["db"]},
		{"id":"db","cmd":"x"},
		{"id":"docs","cmd":"x"}]}`))
	layers, _ := g.Order()
	for i, layer := range layers {
		fmt.Print(i, ":")
		for _, a := range layer {
			fmt.Print(" ", a.ID)
		}
		fmt.Println()
	}
	// Output:
	// 0: /shop/db /shop/docs
	// 1: /shop/api
	// 2: /shop/web
}

// `agora app deploy web.yaml`: YAML reads as JSON would.
func ExampleDecodeFile() {
	apps, _, err := app.DecodeFile("web.yaml", []byte("id: /web\ncmd: ./serve\ninstances: 2\nenv:\n  WORKERS: 4\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(apps[0].ID, apps[0].Instances, apps[0].Env["WORKERS"])
	// Output: /web 2 4
}

func ExampleTaskID() {
	id := app.TaskID("/shop/web", "4f1c9a2e-1b2c-11ef-9b3a-0242ac120002")
	appID, _ := app.AppIDFromTaskID(id)
	fmt.Println(id)
	fmt.Println(appID)
	// Output:
	// shop_web.4f1c9a2e-1b2c-11ef-9b3a-0242ac120002
	// /shop/web
}

func ExampleCanonicalID() {
	id, _ := app.CanonicalID("../cache", "/shop/web")
	fmt.Println(id)
	// Output: /shop/cache
}
