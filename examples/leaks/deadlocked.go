// Goroutines stuck for ever in a cycle: deadlocks. Each is handshaken so that the cycle is
// certain to form before main prints "ready".
package main

import (
	"fmt"
	"sync"
)

const philosophers = 5

type table struct {
	// Who sat where: with it the table is over 512 bytes with pointers, an object that
	// starts with a malloc header, which `why` must see past to name .forks.
	seating [64]string
	forks   *[philosophers]sync.Mutex
	meals   int
}

// dinner keeps the table (and so the forks) reachable from a package variable: reachable,
// yet deadlocked.
var dinner *table

// dining: five philosophers each take their left fork, all sit holding one (the seated
// handshake), then each reaches for the right fork, which its neighbour holds.
func dining() {
	dinner = &table{forks: new([philosophers]sync.Mutex)}
	var seated sync.WaitGroup
	seated.Add(philosophers)
	start := make(chan struct{})
	for i := 0; i < philosophers; i++ {
		dinner.seating[i] = fmt.Sprintf("philosopher %d", i)
		go philosopher(dinner, i, &seated, start)
	}
	seated.Wait()
	close(start)
}

func philosopher(t *table, i int, seated *sync.WaitGroup, start <-chan struct{}) {
	left, right := &t.forks[i], &t.forks[(i+1)%len(t.forks)]
	left.Lock()
	seated.Done()
	<-start
	right.Lock()
	t.meals++
	right.Unlock()
	left.Unlock()
}

// ring: three nodes each pass a token to the next node's inbox before taking their own
// (A sends to B's, B to C's, C to A's; all unbuffered): all three send, none receives. An
// observer waits for the nodes' reports: it is blocked behind the cycle (it reaches none
// of the inboxes).
func ring() {
	a, b, c := make(chan int), make(chan int), make(chan int)
	report := make(chan string)
	go ringNode("A", a, b, report)
	go ringNode("B", b, c, report)
	go ringNode("C", c, a, report)
	go ringObserver(report)
}

func ringNode(name string, inbox <-chan int, next chan<- int, report chan<- string) {
	next <- 1
	<-inbox
	report <- name
}

func ringObserver(report <-chan string) {
	for i := 0; i < 3; i++ {
		fmt.Println(<-report, "passed the token")
	}
}

type Account struct {
	mu      sync.Mutex
	id      int
	balance int
}

// accountDeadlock: two transfers lock the same two heap-allocated accounts in opposite
// orders; each has locked its first before either tries its second. main keeps the
// accounts (the slice this returns).
func accountDeadlock() []*Account {
	accounts := []*Account{{id: 1, balance: 100}, {id: 2, balance: 100}}
	var locked sync.WaitGroup
	locked.Add(2)
	both := make(chan struct{})
	go transfer(accounts[0], accounts[1], 10, &locked, both)
	go transfer(accounts[1], accounts[0], 20, &locked, both)
	locked.Wait()
	close(both)
	return accounts
}

func transfer(from, to *Account, amount int, locked *sync.WaitGroup, both <-chan struct{}) {
	from.mu.Lock()
	locked.Done()
	<-both
	to.mu.Lock()
	from.balance -= amount
	to.balance += amount
	to.mu.Unlock()
	from.mu.Unlock()
}

// Package-variable mutexes: any goroutine could reach them, yet the two below deadlock.
var muA, muB sync.Mutex

func packageMutexDeadlock() {
	var locked sync.WaitGroup
	locked.Add(2)
	both := make(chan struct{})
	go lockAB(&locked, both)
	go lockBA(&locked, both)
	locked.Wait()
	close(both)
}

func lockAB(locked *sync.WaitGroup, both <-chan struct{}) {
	muA.Lock()
	defer muA.Unlock()
	locked.Done()
	<-both
	muB.Lock()
	defer muB.Unlock()
}

func lockBA(locked *sync.WaitGroup, both <-chan struct{}) {
	muB.Lock()
	defer muB.Unlock()
	locked.Done()
	<-both
	muA.Lock()
	defer muA.Unlock()
}
