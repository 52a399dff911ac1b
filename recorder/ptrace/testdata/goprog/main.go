// Command goprog is a test workload: goroutines on several threads reading files, a TCP
// connection to itself and a child process.
package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"sync"
)

func main() {
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := os.ReadFile("/etc/hostname"); err != nil {
				panic(err)
			}
		}()
	}
	wg.Wait()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Write([]byte("hi"))
			c.Close()
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		panic(err)
	}
	buf := make([]byte, 2)
	c.Read(buf)
	c.Close()
	if err := exec.Command("/bin/true").Run(); err != nil {
		panic(err)
	}
	fmt.Println("ok")
}
