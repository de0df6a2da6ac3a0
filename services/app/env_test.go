package app

import (
	"reflect"
	"testing"
)

func TestTaskEnv(t *testing.T) {
	a := mustDecode(t, `{"id":"/shop/web","cmd":"x","cpus":0.5,"mem":64,"portDefinitions":[{"port":10000,"name":"http"},{"port":0}],
		"labels":{"team":"web","owner.email":"a@b"},"env":{"PORT1":"override","MODE":"prod"}}`)
	a.Version = "2026-11-24T23:37:44.123Z"
	got := TaskEnv(a, "shop_web.abc", "agent1.example", []int{31000, 31001}, 2)
	want := map[string]string{
		"MESOS_TASK_ID":                  "shop_web.abc",
		"MARATHON_APP_ID":                "/shop/web",
		"MARATHON_APP_VERSION":           "2026-11-24T23:37:44.123Z",
		"MARATHON_APP_RESOURCE_CPUS":     "0.5",
		"MARATHON_APP_RESOURCE_MEM":      "64.0",
		"MARATHON_APP_RESOURCE_DISK":     "0.0",
		"MARATHON_APP_RESOURCE_GPUS":     "0",
		"MARATHON_APP_LABELS":            "OWNER_EMAIL TEAM",
		"MARATHON_APP_LABEL_TEAM":        "web",
		"MARATHON_APP_LABEL_OWNER_EMAIL": "a@b",
		"AGORA_INSTANCE_INDEX":           "2",
		"PORT0":                          "31000",
		"PORT1":                          "override", // the app's env wins
		"PORT":                           "31000",
		"PORTS":                          "31000,31001",
		"PORT_10000":                     "31000",
		"PORT_31001":                     "31001",
		"PORT_HTTP":                      "31000",
		"HOST":                           "agent1.example",
		"MODE":                           "prod",
	}
	if !reflect.DeepEqual(got, want) {
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s = %q, want %q", k, got[k], v)
			}
		}
		for k, v := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("unexpected %s=%q", k, v)
			}
		}
	}
	none := TaskEnv(mustDecode(t, `{"id":"/a","cmd":"x","portDefinitions":[]}`), "a.1", "", nil, 0)
	for _, k := range []string{"PORT", "PORTS", "HOST", "MARATHON_APP_LABELS"} {
		if _, ok := none[k]; ok {
			t.Errorf("%s set without ports, host or labels", k)
		}
	}
}
