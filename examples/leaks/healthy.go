// Goroutines that wait, but not for ever: a timer, the network, or a goroutine or package
// variable that can still wake them. None of them is a finding.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// contextTimers: a deadline's timer will cancel the context (its cancel func is dropped,
// but the runtime's timer reaches it); an AfterFunc's func will close the channel.
func contextTimers() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	_ = cancel // dropped, but the deadline cancels it
	go ctxDeadlineWaiter(ctx)
	closed := make(chan struct{})
	time.AfterFunc(time.Hour, func() { close(closed) })
	go afterFuncWaiter(closed)
}

func ctxDeadlineWaiter(ctx context.Context) {
	<-ctx.Done()
}

func afterFuncWaiter(closed <-chan struct{}) {
	<-closed
}

// timers: a sleep and a Timer's channel.
func timers() {
	go sleeper(time.Hour)
	go timerWaiter(time.NewTimer(time.Hour))
}

func sleeper(d time.Duration) {
	time.Sleep(d)
}

func timerWaiter(t *time.Timer) {
	<-t.C
}

// conns keeps both ends of every connection below open (nothing closes them).
var conns []net.Conn

// netWaits: a server goroutine reading a request that has not come yet; and two writers
// on one connection whose peer does not read: the first blocks in the kernel (the socket
// buffers full, IO wait), the second on the conn's write lock (its fdMutex semaphore),
// which the first holds.
func netWaits() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	client := dial(l.Addr().String())
	served := accept(l)
	go connReader(served)

	writer := dial(l.Addr().String())
	peer := accept(l) // never read
	_ = writer.(*net.TCPConn).SetWriteBuffer(16 << 10)
	_ = peer.(*net.TCPConn).SetReadBuffer(16 << 10)
	// Each write is far more than the buffers hold: whichever writer takes the write lock
	// first blocks in the kernel, the other on the lock.
	go connWriter(writer, 1<<20)
	time.Sleep(50 * time.Millisecond) // the first writer fills the buffers and waits
	go connWriter(writer, 1<<20)
	conns = append(conns, client, served, writer, peer)
}

func dial(addr string) net.Conn {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		panic(err)
	}
	return c
}

func accept(l net.Listener) net.Conn {
	c, err := l.Accept()
	if err != nil {
		panic(err)
	}
	return c
}

func connReader(c net.Conn) {
	buf := make([]byte, 512)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}

func connWriter(c net.Conn, size int) {
	if _, err := c.Write(make([]byte, size)); err != nil {
		fmt.Println("write:", err)
	}
}

// mailboxes: 100 channels in a map a package variable keeps, a goroutine receiving on each.
var mailboxes = map[int]chan string{}

func startMailboxes() {
	for i := 0; i < 100; i++ {
		inbox := make(chan string)
		mailboxes[i] = inbox
		go mailbox(i, inbox)
	}
}

func mailbox(id int, inbox <-chan string) {
	for msg := range inbox {
		fmt.Println(id, msg)
	}
}

// server: N workers receiving on the jobs channel main keeps (it returns it to main).
func server(n int) chan<- int {
	jobs := make(chan int)
	for i := 0; i < n; i++ {
		go serverWorker(i, jobs)
	}
	return jobs
}

func serverWorker(id int, jobs <-chan int) {
	for j := range jobs {
		fmt.Println(id, j)
	}
}

// An HTTP server and a client with a keep-alive connection to it, idle in the client's
// pool: the server's connection goroutine and the client's read loop wait on the network,
// its write loop on channels the client's transport (a package variable) keeps.
var (
	httpServer *http.Server
	httpClient *http.Client
)

func httpKeepAlive() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	httpServer = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})}
	go httpServe(httpServer, l)
	httpClient = &http.Client{Transport: &http.Transport{}} // no idle timeout: the connection stays open
	resp, err := httpClient.Get("http://" + l.Addr().String() + "/")
	if err != nil {
		panic(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close() // back to the pool, open
}

func httpServe(srv *http.Server, l net.Listener) {
	_ = srv.Serve(l)
}

// selectTimeout: a select whose other case is a timer's channel.
func selectTimeout() {
	go selectWithTimeout(make(chan int))
}

func selectWithTimeout(reply <-chan int) {
	select {
	case r := <-reply:
		fmt.Println("reply", r)
	case <-time.After(time.Hour):
	}
}
