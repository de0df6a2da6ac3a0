package testcluster

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestProxyPartitionAndHeal(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer srv.Close()
	p, err := newProxy(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	get := func() error {
		resp, err := http.Get("http://" + p.addr() + "/")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, err = io.ReadAll(resp.Body)
		return err
	}
	if err := get(); err != nil {
		t.Fatalf("before the partition: %v", err)
	}
	p.setPartitioned(true)
	if err := get(); err == nil {
		t.Fatal("request crossed the partition")
	}
	p.setPartitioned(false)
	if err := get(); err != nil {
		t.Fatalf("after healing: %v", err)
	}
}
