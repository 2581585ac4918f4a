// deadlock-chan: two relays each wait to receive from the other before sending: a cycle
// between two channels, one of them waited on in a select (with a quit case nobody else
// can reach). A heartbeat keeps the program alive, so the Go runtime does not notice.
// Prints "ready" once both relays are blocked.
package main

import (
	"fmt"
	"time"
)

// relay receives a value on in, then passes it on to out.
func relay(in <-chan int, out chan<- int) {
	for {
		v := <-in
		out <- v + 1
	}
}

// relayOrQuit is a relay that also stops when quit is closed.
func relayOrQuit(in <-chan int, out chan<- int, quit <-chan struct{}) {
	for {
		select {
		case v := <-in:
			out <- v + 1
		case <-quit:
			return
		}
	}
}

// start wires the relays in a ring and returns without sending the first value.
func start() {
	ab := make(chan int)
	ba := make(chan int)
	go relay(ab, ba)
	go relayOrQuit(ba, ab, make(chan struct{}))
}

func heartbeat() {
	t := time.NewTicker(20 * time.Millisecond)
	for range t.C {
	}
}

func deadlocked() { fmt.Println("ready") }

func main() {
	go heartbeat()
	start()
	time.Sleep(200 * time.Millisecond)
	deadlocked()
	for {
		time.Sleep(10 * time.Millisecond)
	}
}
