package tcplink_test

import (
	"bufio"
	"net"
	"testing"

	"agora/sdk/internal/tcplink"
)

func TestForwardsAndCuts(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				line, _ := bufio.NewReader(c).ReadString('\n')
				_, _ = c.Write([]byte("echo " + line))
				_, _ = bufio.NewReader(c).ReadString('\n') // hold the connection open
			}()
		}
	}()
	l := tcplink.New(t, ln.Addr().String())
	c, err := net.Dial("tcp", l.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	if _, err := c.Write([]byte("hi\n")); err != nil {
		t.Fatal(err)
	}
	if got, err := r.ReadString('\n'); err != nil || got != "echo hi\n" {
		t.Fatalf("through the link: %q, %v", got, err)
	}
	l.Cut()
	if _, err := r.ReadString('\n'); err == nil {
		t.Fatal("read succeeded on a cut connection")
	}
}
