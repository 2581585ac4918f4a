// pipeline: a healthy three-stage pipeline (generate -> square -> sum) whose stages are
// often momentarily blocked on each other: no deadlock, no leak. Prints "ready" once
// values flow; runs until killed.
package main

import (
	"fmt"
	"time"
)

func generate(out chan<- int) {
	for i := 0; ; i++ {
		time.Sleep(5 * time.Millisecond)
		out <- i
	}
}

func square(in <-chan int, out chan<- int) {
	for v := range in {
		out <- v * v
	}
	close(out)
}

func sum(in <-chan int, done chan<- int) {
	total := 0
	for v := range in {
		total += v
		if v == 16 {
			fmt.Println("ready")
		}
		observe(total)
	}
	done <- total
}

// observe is called for every value that reaches the end (a place for a breakpoint, also
// in an optimized build: not inlined away).
//
//go:noinline
func observe(total int) {}

func main() {
	numbers := make(chan int)
	squares := make(chan int)
	done := make(chan int)
	go generate(numbers)
	go square(numbers, squares)
	go sum(squares, done)
	fmt.Println("total", <-done)
}
