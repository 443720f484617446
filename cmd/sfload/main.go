// Command sfload drives a running safezones service end to end over its
// ingest path: it posts the standard workload's tracks to /v1/positions in
// NDJSON batches over one or more connections, measures updates per second
// and batch latency, and checks that the enter and exit events the service
// returned are exactly those an in-process tracker finds on the same zones.
// It targets one server (by default on 127.0.0.1), sends a bounded number
// of updates and stops by itself.
//
// The service must already hold the workload's zones, active:
//
//	go run ./cmd/sfbench -write /tmp/wl -zones 10000
//	safezones zone import --db /tmp/wl.db --active --quiet /tmp/wl/zones.geojson
//	SAFEZONES_OPERATOR_TOKEN=... safezones serve --db /tmp/wl.db --addr 127.0.0.1:8090
//	go run ./cmd/sfload -server http://127.0.0.1:8090 -token ... -zones 10000 -conns 8
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/safezones/safezones/fence"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sfload:", err)
		os.Exit(1)
	}
}

type config struct {
	server, token           string
	seed                    uint64
	zones, objects, updates int
	batch, conns            int
	timeout                 time.Duration
}

func run(args []string, out io.Writer) error {
	var c config
	fs := flag.NewFlagSet("sfload", flag.ContinueOnError)
	fs.StringVar(&c.server, "server", "http://127.0.0.1:8080", "base `URL` of the service")
	fs.StringVar(&c.token, "token", os.Getenv("SAFEZONES_TOKEN"), "bearer `token` (reporter or operator) [SAFEZONES_TOKEN]")
	fs.Uint64Var(&c.seed, "seed", 1, "workload seed (as sfbench)")
	fs.IntVar(&c.zones, "zones", 10000, "number of workload zones the service holds (for the truth)")
	fs.IntVar(&c.objects, "objects", 1000, "moving objects")
	fs.IntVar(&c.updates, "updates", 100, "updates per object")
	fs.IntVar(&c.batch, "batch", 1000, "positions per request")
	fs.IntVar(&c.conns, "conns", 1, "concurrent connections")
	fs.DurationVar(&c.timeout, "timeout", 5*time.Minute, "stop after this long whatever happens")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.batch < 1 || c.conns < 1 {
		return errors.New("-batch and -conns must be at least 1")
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()

	// Shift the workload to now, so that the zones (valid from their
	// import) are in force at every update.
	// Object ids get a per-run prefix: the service keeps each object's
	// last report, and a rerun must not look like reports from the past.
	tracks := fence.WorkloadTracks(c.seed, c.objects, c.updates)
	now := time.Now().UTC()
	shift := now.Truncate(time.Second).Sub(fence.WorkloadStart)
	prefix := "r" + strconv.FormatInt(now.UnixNano()%1e9, 36) + "-"
	for i := range tracks {
		tracks[i].Time = tracks[i].Time.Add(shift)
		tracks[i].ObjectID = prefix + tracks[i].ObjectID
	}
	want, err := truth(c, tracks)
	if err != nil {
		return err
	}

	// Objects are partitioned across connections so each object's updates
	// stay in order, as the tracker requires.
	parts := make([][]fence.Update, c.conns)
	for _, u := range tracks {
		k := int(objectNumber(u.ObjectID)) % c.conns
		parts[k] = append(parts[k], u)
	}
	var (
		mu        sync.Mutex
		latencies []time.Duration
		got       = map[string]int{}
		accepted  int
		firstErr  error
	)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c.conns}}
	start := time.Now()
	var wg sync.WaitGroup
	for _, part := range parts {
		wg.Add(1)
		go func(part []fence.Update) {
			defer wg.Done()
			var body bytes.Buffer
			for lo := 0; lo < len(part); lo += c.batch {
				hi := min(lo+c.batch, len(part))
				body.Reset()
				for _, u := range part[lo:hi] {
					fmt.Fprintf(&body, `{"id":%q,"lon":%s,"lat":%s,"alt_m":%s,"t":%q}`+"\n", u.ObjectID,
						strconv.FormatFloat(u.Point.Lon, 'f', -1, 64), strconv.FormatFloat(u.Point.Lat, 'f', -1, 64),
						strconv.FormatFloat(u.AltM, 'f', -1, 64), u.Time.Format(time.RFC3339Nano))
				}
				t0 := time.Now()
				res, err := post(ctx, client, c, body.Bytes())
				d := time.Since(t0)
				mu.Lock()
				if err != nil {
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				latencies = append(latencies, d)
				accepted += res.Accepted
				for _, e := range res.Events {
					if e.Kind == "enter" || e.Kind == "exit" {
						got[e.Kind+" "+e.ObjectID+" "+e.ZoneID]++
					}
				}
				mu.Unlock()
			}
		}(part)
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return firstErr
	}
	slices.Sort(latencies)
	pct := func(p float64) time.Duration { return latencies[int(p*float64(len(latencies)-1))] }
	enters, exits, diff := compare(want, got)
	fmt.Fprintf(out, "sfload: %d updates (%d accepted) in %v over %d connection(s), batches of %d: %.0f updates/s; batch latency p50 %v p99 %v\n",
		len(tracks), accepted, elapsed.Round(time.Millisecond), c.conns, c.batch, float64(len(tracks))/elapsed.Seconds(),
		pct(0.5).Round(time.Microsecond), pct(0.99).Round(time.Microsecond))
	fmt.Fprintf(out, "sfload: events: %d enter, %d exit; %d differ from the in-process truth\n", enters, exits, diff)
	if diff > 0 || accepted != len(tracks) {
		return fmt.Errorf("%d events differ and %d of %d updates were accepted", diff, accepted, len(tracks))
	}
	return nil
}

type result struct {
	Accepted int `json:"accepted"`
	Events   []struct {
		Kind     string `json:"kind"`
		ObjectID string `json:"object_id"`
		ZoneID   string `json:"zone_id"`
	} `json:"events"`
}

func post(ctx context.Context, client *http.Client, c config, body []byte) (*result, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.server+"/v1/positions", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("POST /v1/positions: %s: %s", resp.Status, b)
	}
	var r result
	return &r, json.Unmarshal(b, &r)
}

// truth runs the same updates through an in-process tracker (no
// prediction) on the same workload zones and counts its enter/exit events.
func truth(c config, tracks []fence.Update) (map[string]int, error) {
	zones := fence.WorkloadZones(c.seed, c.zones)
	for i := range zones {
		zones[i].Valid.From = time.Time{} // in force at every update, as imported
	}
	snap, err := fence.Build(zones, fence.Options{})
	if err != nil {
		return nil, err
	}
	tr := fence.NewTracker(fence.NewEngine(snap), fence.TrackerOptions{Horizon: -1})
	out := map[string]int{}
	var evs []fence.Event
	for _, u := range tracks {
		evs, _ = tr.Update(u, evs[:0])
		for _, e := range evs {
			if e.Kind == fence.EventEnter || e.Kind == fence.EventExit {
				out[e.Kind.String()+" "+e.ObjectID+" "+e.ZoneID]++
			}
		}
	}
	return out, nil
}

func compare(want, got map[string]int) (enters, exits, diff int) {
	keys := map[string]bool{}
	for k := range want {
		keys[k] = true
	}
	for k := range got {
		keys[k] = true
	}
	var sorted []string
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		if k[:5] == "enter" {
			enters += got[k]
		} else {
			exits += got[k]
		}
		if want[k] != got[k] {
			diff += max(want[k]-got[k], got[k]-want[k])
		}
	}
	return enters, exits, diff
}

// objectNumber returns the number in a workload object id ("obj0042" → 42).
func objectNumber(id string) uint64 {
	var n uint64
	for i := 0; i < len(id); i++ {
		if id[i] >= '0' && id[i] <= '9' {
			n = n*10 + uint64(id[i]-'0')
		}
	}
	return n
}
