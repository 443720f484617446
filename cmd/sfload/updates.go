package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/safezones/safezones/fence"
)

// runSeq tells apart the runs of one process, so that no two runs share
// object ids.
var runSeq atomic.Int64

// shiftTracks returns a copy of tracks moved to start now, with object ids
// given a prefix unique to this run: the service keeps each object's last
// report, and a rerun must not look like reports from the past. The
// zones, imported (valid) before now, are in force at every update.
func shiftTracks(tracks []fence.Update) []fence.Update {
	now := time.Now().UTC()
	shift := now.Truncate(time.Second).Sub(fence.WorkloadStart)
	prefix := "r" + strconv.FormatInt(now.UnixNano()%1e9, 36) + strconv.FormatInt(runSeq.Add(1), 36) + "-"
	out := make([]fence.Update, len(tracks))
	for i, u := range tracks {
		u.Time = u.Time.Add(shift)
		u.ObjectID = prefix + u.ObjectID
		out[i] = u
	}
	return out
}

// updatesWork splits tracks across conns connections by object, so that
// each object's updates stay in order (the service answers one
// connection's requests in order), and cuts each connection's share into
// NDJSON batches of at most batch positions, one request each. objects
// gives each update's object number, for the split.
func updatesWork(tracks []fence.Update, objects []int, conns, batch int) [][]request {
	parts := make([][]fence.Update, conns)
	for i, u := range tracks {
		parts[objects[i]%conns] = append(parts[objects[i]%conns], u)
	}
	work := make([][]request, conns)
	for c, part := range parts {
		for lo := 0; lo < len(part); lo += batch {
			hi := min(lo+batch, len(part))
			var body []byte
			for _, u := range part[lo:hi] {
				body = appendPosition(body, u)
			}
			work[c] = append(work[c], request{method: "POST", path: "/v1/positions", body: body, items: hi - lo})
		}
	}
	return work
}

// appendPosition appends u as one NDJSON position line.
func appendPosition(b []byte, u fence.Update) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendQuote(b, u.ObjectID) // workload ids are plain ASCII
	b = append(b, `,"lon":`...)
	b = strconv.AppendFloat(b, u.Point.Lon, 'f', -1, 64)
	b = append(b, `,"lat":`...)
	b = strconv.AppendFloat(b, u.Point.Lat, 'f', -1, 64)
	b = append(b, `,"alt_m":`...)
	b = strconv.AppendFloat(b, u.AltM, 'f', -1, 64)
	b = append(b, `,"t":"`...)
	b = u.Time.AppendFormat(b, time.RFC3339Nano)
	return append(b, "\"}\n"...)
}

// positionsAnswer is the part of a /v1/positions response the check reads.
type positionsAnswer struct {
	Accepted int `json:"accepted"`
	Events   []struct {
		Kind     string `json:"kind"`
		ObjectID string `json:"object_id"`
		ZoneID   string `json:"zone_id"`
	} `json:"events"`
}

// eventCheck is the outcome of comparing the service's events with the
// truth.
type eventCheck struct {
	accepted, enters, exits, diff int
	examples                      []string
}

// checkUpdates reads every response of a run: all positions accepted, and
// the enter and exit events (keyed "kind object zone", counted) exactly
// those of want.
func checkUpdates(work [][]request, bodies [][][]byte, want map[string]int) (eventCheck, error) {
	var ec eventCheck
	got := map[string]int{}
	for c := range work {
		for i, body := range bodies[c] {
			var a positionsAnswer
			if err := json.Unmarshal(body, &a); err != nil {
				return ec, fmt.Errorf("connection %d, batch %d: response is not the positions JSON: %v", c, i, err)
			}
			ec.accepted += a.Accepted
			for _, e := range a.Events {
				if e.Kind == "enter" || e.Kind == "exit" {
					got[e.Kind+" "+e.ObjectID+" "+e.ZoneID]++
				}
			}
		}
	}
	ec.enters, ec.exits, ec.diff, ec.examples = compare(want, got)
	return ec, nil
}

// truthEvents runs tracks through an in-process tracker (no prediction)
// on snap and counts its enter and exit events by "kind object zone".
func truthEvents(snap *fence.Snapshot, tracks []fence.Update) map[string]int {
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
	return out
}

// compare counts the service's enters and exits and how many events
// differ between want and got, with the first few differences.
func compare(want, got map[string]int) (enters, exits, diff int, examples []string) {
	keys := make([]string, 0, len(want)+len(got))
	for k := range want {
		keys = append(keys, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k[:5] == "enter" {
			enters += got[k]
		} else {
			exits += got[k]
		}
		if d := got[k] - want[k]; d != 0 {
			diff += max(d, -d)
			if len(examples) < 5 {
				examples = append(examples, fmt.Sprintf("%q: service %d, truth %d", k, got[k], want[k]))
			}
		}
	}
	return enters, exits, diff, examples
}
