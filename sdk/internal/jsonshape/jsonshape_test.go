package jsonshape_test

import (
	"testing"

	"agora/sdk/internal/jsonshape"
)

func TestMatch(t *testing.T) {
	const shape = `{"type":"KILL","kill":{"task_id":{"value":"t"},"uuid":"<any>"},"n":[{"v":5.0}]}`
	for _, c := range []struct {
		sent  string
		extra []string
		ok    bool
	}{
		{`{"kill":{"task_id":{"value":"t"},"uuid":"x"},"type":"KILL","n":[{"v":5}]}`, nil, true},
		{`{"kill":{"task_id":{"value":"t"},"uuid":3},"type":"KILL","n":[{"v":5}],"framework_id":{}}`, nil, false},
		{`{"kill":{"task_id":{"value":"t"},"uuid":3},"type":"KILL","n":[{"v":5}],"framework_id":{}}`, []string{"framework_id"}, true},
		{`{"kill":{"task_id":{"value":"u"},"uuid":"x"},"type":"KILL","n":[{"v":5}]}`, nil, false},
		{`{"kill":{"task_id":{"value":"t"}},"type":"KILL","n":[{"v":5}]}`, nil, false},
		{`{"kill":{"task_id":{"value":"t"},"uuid":"x"},"type":"KILL","n":[{"v":"5"}]}`, nil, false},
		{`{"kill":{"task_id":{"value":"t"},"uuid":"x"},"type":"KILL","n":[]}`, nil, false},
		{`not json`, nil, false},
	} {
		err := jsonshape.Match([]byte(c.sent), shape, c.extra...)
		if (err == nil) != c.ok {
			t.Errorf("Match(%s): %v, want ok=%v", c.sent, err, c.ok)
		}
	}
}
