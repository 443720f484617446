package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// request is one HTTP request of a run, built before the clock starts so
// that the load tool spends its share of the cores on the wire, not on
// formatting.
type request struct {
	method, path string
	body         []byte // nil for GET
	items        int    // points or positions it carries
}

// target is the server under load.
type target struct {
	addr  string // host:port to dial
	host  string // Host header
	token string // bearer token; none when empty
}

// connResult is what one connection brings back: per request, its
// latency (from being queued for writing to its response's last byte)
// and its response body, in request order.
type connResult struct {
	latencies []time.Duration
	bodies    [][]byte
}

// runConn sends reqs over one TCP connection with HTTP/1.1 pipelining:
// up to depth requests written back to back before their responses are
// read, in order (depth 1 is a plain keep-alive client). Each request
// carries an X-Request-Id naming its connection and number, and each
// response must echo it: that proves the responses come back in request
// order. A response that is not 200 stops the connection with an error.
// The context's end stops it.
func runConn(ctx context.Context, t target, conn int, reqs []request, depth int) (connResult, error) {
	var res connResult
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", t.addr)
	if err != nil {
		return res, fmt.Errorf("connection %d: %w", conn, err)
	}
	defer c.Close()
	// The context's end (the -timeout, or another connection's failure)
	// unblocks any read or write; by then ctx.Err says why.
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	bw := bufio.NewWriterSize(c, 64<<10)
	br := bufio.NewReaderSize(c, 64<<10)
	res.latencies = make([]time.Duration, len(reqs))
	res.bodies = make([][]byte, len(reqs))
	starts := make([]time.Time, len(reqs))
	var head []byte
	sent, recvd := 0, 0
	for recvd < len(reqs) {
		// Fill the window, send it in one write, then read every
		// response already arrived (at least one).
		for sent < len(reqs) && sent-recvd < depth {
			head = appendRequest(head[:0], t, conn, sent, reqs[sent])
			bw.Write(head)
			bw.Write(reqs[sent].body)
			starts[sent] = time.Now()
			sent++
		}
		if err := bw.Flush(); err != nil {
			return res, fmt.Errorf("connection %d: send request %d: %w", conn, sent-1, ctxErr(ctx, err))
		}
		for first := true; recvd < sent && (first || br.Buffered() > 0); first = false {
			body, err := readResponse(br, requestID(conn, recvd))
			if err != nil {
				r := reqs[recvd]
				return res, fmt.Errorf("connection %d, request %d (%s %s): %w", conn, recvd, r.method, r.path, ctxErr(ctx, err))
			}
			res.latencies[recvd] = time.Since(starts[recvd])
			res.bodies[recvd] = body
			recvd++
		}
	}
	return res, nil
}

// ctxErr names the context's end (the -timeout) when it caused err.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (stopped: %v)", err, context.Cause(ctx))
	}
	return err
}

// requestID is the X-Request-Id of request i on connection conn.
func requestID(conn, i int) string {
	return "sfload-" + strconv.Itoa(conn) + "-" + strconv.Itoa(i)
}

// appendRequest appends r's request line and headers to b.
func appendRequest(b []byte, t target, conn, i int, r request) []byte {
	b = append(b, r.method...)
	b = append(b, ' ')
	b = append(b, r.path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, t.host...)
	b = append(b, "\r\nX-Request-Id: "...)
	b = append(b, requestID(conn, i)...)
	if t.token != "" {
		b = append(b, "\r\nAuthorization: Bearer "...)
		b = append(b, t.token...)
	}
	if r.body != nil {
		b = append(b, "\r\nContent-Type: application/x-ndjson\r\nContent-Length: "...)
		b = strconv.AppendInt(b, int64(len(r.body)), 10)
	}
	return append(b, "\r\n\r\n"...)
}

// readResponse reads one response, checks that it is a 200 echoing
// wantID, and returns its body.
func readResponse(br *bufio.Reader, wantID string) ([]byte, error) {
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, fmt.Errorf("read response: %w", err)
	}
	var body []byte
	if resp.ContentLength >= 0 {
		body = make([]byte, resp.ContentLength)
		_, err = io.ReadFull(resp.Body, body)
	} else {
		body, err = io.ReadAll(resp.Body)
	}
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read response body: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(body))
	}
	if got := resp.Header.Get("X-Request-Id"); got != wantID {
		return nil, fmt.Errorf("response carries X-Request-Id %q, want %q: responses out of order", got, wantID)
	}
	if resp.Close {
		return nil, fmt.Errorf("the server closes the connection (Connection: close)")
	}
	return body, nil
}
