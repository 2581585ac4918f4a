// deadlock-chan: two relays each wait to receive from the other before sending: a cycle
// between two channels. A heartbeat keeps the program alive, so the Go runtime does not
// notice. Prints "ready" once both relays are blocked.
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

// start wires the relays in a ring and returns without sending the first value.
func start() {
	ab := make(chan int)
	ba := make(chan int)
	go relay(ab, ba)
	go relay(ba, ab)
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
