package demo

import (
	"fmt"
	"math"
	"strings"
)

// A simulated flight of the demo: an aircraft flying due west along a
// parallel at a constant altitude and speed.
type flight struct {
	hex, callsign string
	lat, lon0     float64 // start; the flight ends at lon 35.9
	altFt         int
	speedKt       float64
}

// flights are the demo's two simulated aircraft over Idlib: SIMUL01 at
// 16,400 ft (5,000 m) crosses the Idlib no-fly zone inside its band
// (0-10,000 m), so it is warned about, then violates it; SIMUL02 passes at
// 39,400 ft (12,000 m), above the ceiling, and raises nothing.
var flights = []flight{
	{hex: "F00001", callsign: "SIMUL01", lat: 35.85, lon0: 37.45, altFt: 16404, speedKt: 428},
	{hex: "F00002", callsign: "SIMUL02", lat: 35.75, lon0: 37.45, altFt: 39370, speedKt: 428},
}

// FlightsPerSecond is the rate, in lines a second, at which the demo
// replays SimulatedFlights so that each aircraft reports once a second
// at its stated speed (the receiver times positions as they arrive).
const FlightsPerSecond = 2

// SimulatedFlights returns an SBS-1 (BaseStation, port 30003) recording
// of the demo's simulated aircraft, one position a second each at 428 kt
// (220 m/s), interleaved: identification first, then position lines, with
// a velocity line in place of every tenth position. The times are left
// empty, as many receivers write them, so the replay's pace sets the
// clock. Replayed at FlightsPerSecond, SIMUL01 is warned at its first
// prediction (half a minute in; its ETA is under five minutes, so the
// warning does not wait for a second one), enters the no-fly zone after
// about three and a half minutes and leaves it after about nine; a loop
// takes about eleven.
func SimulatedFlights() []byte {
	var b strings.Builder
	for _, f := range flights {
		fmt.Fprintf(&b, "MSG,1,1,1,%s,1,,,,,%s,,,,,,,,0,0,0,0\r\n", f.hex, f.callsign)
	}
	const stepS = 1.0
	for k := 0; ; k++ {
		more := false
		for _, f := range flights {
			speedMS := f.speedKt * 1852 / 3600
			dLon := speedMS * stepS * float64(k) / (111320 * math.Cos(f.lat*math.Pi/180))
			lon := f.lon0 - dLon
			if lon < 35.9 {
				continue
			}
			more = true
			if k%10 == 5 {
				fmt.Fprintf(&b, "MSG,4,1,1,%s,1,,,,,,,%.0f,270,,,0,,0,0,0,0\r\n", f.hex, f.speedKt)
				continue
			}
			fmt.Fprintf(&b, "MSG,3,1,1,%s,1,,,,,,%d,,,%.5f,%.5f,,,0,0,0,0\r\n", f.hex, f.altFt, f.lat, lon)
		}
		if !more {
			return []byte(b.String())
		}
	}
}
