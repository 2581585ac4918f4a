// deadlock-mutex: two transfers lock the same two accounts in opposite orders (a
// lock-order cycle between mutexes passed as arguments). A heartbeat and a serving loop
// stay alive, so the Go runtime's "all goroutines are asleep" check never fires: the
// deadlock goes unseen, as in a real service. Prints "ready" once the cycle has formed.
package main

import (
	"fmt"
	"sync"
	"time"
)

type Account struct {
	mu      sync.Mutex
	balance int
}

// transfer locks from, then (after a pause that lets the other transfer lock its first
// account) to: two transfers in opposite directions wait on each other for ever.
func transfer(from, to *Account, amount int, locked *sync.WaitGroup) {
	from.mu.Lock()
	locked.Done()
	time.Sleep(50 * time.Millisecond)
	to.mu.Lock()
	from.balance -= amount
	to.balance += amount
	to.mu.Unlock()
	from.mu.Unlock()
}

// start begins both transfers and returns: only they hold the accounts.
func start() {
	a := &Account{balance: 100}
	b := &Account{balance: 100}
	var locked sync.WaitGroup
	locked.Add(2)
	go transfer(a, b, 10, &locked)
	go transfer(b, a, 20, &locked)
	locked.Wait()
}

func heartbeat() {
	t := time.NewTicker(20 * time.Millisecond)
	for range t.C {
	}
}

// deadlocked is called once the cycle has formed (a place for a breakpoint).
func deadlocked() { fmt.Println("ready") }

func main() {
	go heartbeat()
	start()
	time.Sleep(300 * time.Millisecond)
	deadlocked()
	for {
		time.Sleep(10 * time.Millisecond) // serving
	}
}
