package main

import "flag"

// -leaks N: how many requests time out (and leak their worker) before "ready"; 3 by default.
// Here, not in main.go, so that main.go's lines (which the tests name) stay where they are.
var leaks = flag.Int("leaks", 3, "requests that time out, each leaking its worker")

func init() { flag.Parse() }
