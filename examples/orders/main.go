// orders is a small order-processing service: a feeder, a pool of workers and a
// ledger behind a mutex. The kernel's tests and the demo notebook debug it.
//
//	orders            runs until stopped
//	orders -n 5       processes 5 orders, then exits with status 3
package main

import (
	"flag"
	"fmt"
	"os"
	"sync"
	"time"
)

type Order struct {
	ID       int
	Customer string
	Items    []string
	Total    float64
}

type Ledger struct {
	mu      sync.Mutex
	revenue float64
	count   int
}

// ledger is shared by every worker.
var ledger = &Ledger{}

var customers = []string{"ada", "grace", "linus", "ken", "rob"} // who orders

func (l *Ledger) Record(o Order) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.revenue += o.Total
	l.count++
}

func process(worker int, order Order) float64 {
	total := float64(len(order.Items)) * 2.5 // line 42: the demo breaks here
	order.Total = total
	ledger.Record(order)
	fmt.Printf("worker %d processed order %d for %s: %.2f\n", worker, order.ID, order.Customer, total)
	return total
}

func worker(id int, orders <-chan Order, wg *sync.WaitGroup) {
	defer wg.Done()
	for o := range orders {
		process(id, o)
	}
}

func feed(orders chan<- Order, n int, pause time.Duration) {
	for i := 1; n == 0 || i <= n; i++ {
		orders <- Order{ID: i, Customer: customers[i%len(customers)], Items: make([]string, i%4+1)}
		time.Sleep(pause)
	}
	close(orders)
}

func main() {
	n := flag.Int("n", 0, "orders to process before exiting with status 3 (0: run forever)")
	workers := flag.Int("workers", 3, "worker goroutines")
	pause := flag.Duration("pause", 50*time.Millisecond, "pause between orders")
	flag.Parse()

	orders := make(chan Order)
	var wg sync.WaitGroup
	for w := 1; w <= *workers; w++ {
		wg.Add(1)
		go worker(w, orders, &wg)
	}
	go feed(orders, *n, *pause)
	wg.Wait()
	fmt.Printf("done: %d orders, revenue %.2f\n", ledger.count, ledger.revenue)
	os.Exit(3)
}
