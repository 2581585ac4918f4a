// heap makes a large heap resident, drops it and hands it back to the OS, then makes
// garbage, stopping at a function between each step so a debugger can look:
//
//	resident()  -mib MiB of live heap, every page written (resident)
//	released()  the same dropped, runtime.GC() and debug.FreeOSMemory() run (released)
//	garbage()   -garbage MiB of small objects made and dropped, GC turned off (not yet collected)
//
// With -spans N it also keeps N one-page spans alive (for benchmarks at scale).
// With -wait it prints "ready" after resident() and sleeps, for gcore.
//
//	heap [-mib 256] [-garbage 64] [-spans 0] [-wait]
package main

import (
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"
	"time"
)

// Known is an object of a known size (48 bytes: size class 5 on every Go release since 1.5).
type Known struct {
	A, B, C, D, E, F int64
}

var (
	big   [][]byte // the resident heap
	known *Known   // memwatch span known
	spans [][]byte // one 8 KiB object per span
	trash []*[64]byte
	// stats is runtime.ReadMemStats' answer just before each stop, to check a debugger's figures against.
	stats runtime.MemStats
)

const chunk = 1 << 20
const page = 4096

//go:noinline
func resident() { fmt.Println("resident") }

//go:noinline
func released() { fmt.Println("released") }

// garbage's second line is where `memwatch gc` can call into the runtime: Delve's
// function calls need a safe point, which the first line after the prologue may not be.
//
//go:noinline
func garbage() {
	fmt.Println("garbage")
	fmt.Println("collect here")
}

func main() {
	mib := flag.Int("mib", 256, "MiB of heap to make resident")
	garbageMiB := flag.Int("garbage", 64, "MiB of garbage to make before garbage()")
	nspans := flag.Int("spans", 0, "one-page spans to keep alive")
	wait := flag.Bool("wait", false, "after resident(), print ready and sleep")
	flag.Parse()

	known = &Known{A: 1, B: 2, C: 3, D: 4, E: 5, F: 6}
	for i := 0; i < *nspans; i++ {
		spans = append(spans, make([]byte, 8192))
	}
	for i := 0; i < *mib; i++ {
		b := make([]byte, chunk)
		for j := 0; j < chunk; j += page {
			b[j] = 1 // fresh heap pages are not resident until written
		}
		big = append(big, b)
	}
	runtime.ReadMemStats(&stats)
	resident()
	if *wait {
		fmt.Println("ready")
		time.Sleep(time.Hour)
	}

	big = nil
	runtime.GC()
	debug.FreeOSMemory()
	runtime.ReadMemStats(&stats)
	released()

	debug.SetGCPercent(-1) // keep the garbage until someone runs runtime.GC()
	n := *garbageMiB << 20 / 64
	for i := 0; i < n; i++ {
		p := new([64]byte)
		if i%1024 == 0 {
			trash = append(trash, p)
		}
	}
	trash = nil
	runtime.ReadMemStats(&stats)
	garbage()
	runtime.KeepAlive(known)
	runtime.KeepAlive(spans)
}
