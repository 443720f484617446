// Package tracks keeps the track archive: positions of aircraft and other
// objects, stored compactly in batches (one per group commit) so that a
// violation's track can be shown and exported later, each batch's hash in
// the ledger.
package tracks

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/geo"
)

// Position is one archived position. The archive keeps time to the
// millisecond, lon/lat to 1e-7 degree (about a centimetre), altitude to the
// decimetre, speed to the cm/s and heading to the hundredth of a degree.
type Position struct {
	ObjectID    string
	At          time.Time
	Point       geo.Point
	AltM        float64
	HasAlt      bool
	SpeedMS     float64
	HeadingDeg  float64
	HasVelocity bool
}

// FromUpdate returns the archived form of a tracker update.
func FromUpdate(u fence.Update) Position {
	return Position{ObjectID: u.ObjectID, At: u.Time, Point: u.Point, AltM: u.AltM, HasAlt: u.HasAlt,
		SpeedMS: u.SpeedMS, HeadingDeg: u.HeadingDeg, HasVelocity: u.HasVelocity}
}

// Limits of a decoded batch: an encoded batch is untrusted input when it
// comes back from storage or an export.
const (
	MaxBatchPositions = 1 << 22
	MaxObjectIDBytes  = 256
	magic             = "SZT1"
	maxAltDM          = 10_000_000 // ±1,000 km, in decimetres
	maxSpeedCMS       = 10_000_000 // 100 km/s, in cm/s
	flagAlt           = 1
	flagVelocity      = 2
)

// Encode writes positions in order as one batch: a header ("SZT1", count,
// the object ids), then per position the object's index, flags, the time
// as a delta from the previous position, lon/lat as deltas from the same
// object's previous position in 1e-7 degrees, and the optional altitude
// (dm) and velocity (cm/s, 0.01°), all as varints. Wandering tracks take
// about 10 bytes a position.
func Encode(ps []Position) ([]byte, error) {
	if len(ps) > MaxBatchPositions {
		return nil, fmt.Errorf("tracks: %d positions in one batch, the limit is %d", len(ps), MaxBatchPositions)
	}
	index := map[string]uint64{}
	var ids []string
	for i := range ps {
		id := ps[i].ObjectID
		if len(id) == 0 || len(id) > MaxObjectIDBytes {
			return nil, fmt.Errorf("tracks: position %d: object id of %d bytes (1 to %d)", i, len(id), MaxObjectIDBytes)
		}
		if _, ok := index[id]; !ok {
			index[id] = uint64(len(ids))
			ids = append(ids, id)
		}
	}
	b := make([]byte, 0, 16+len(ps)*12)
	b = append(b, magic...)
	b = binary.AppendUvarint(b, uint64(len(ps)))
	b = binary.AppendUvarint(b, uint64(len(ids)))
	for _, id := range ids {
		b = binary.AppendUvarint(b, uint64(len(id)))
		b = append(b, id...)
	}
	last := make([][2]int64, len(ids))
	seen := make([]bool, len(ids))
	var prevMS int64
	for i := range ps {
		p := &ps[i]
		lon, lat, err := fixed(p.Point)
		if err != nil {
			return nil, fmt.Errorf("tracks: position %d: %w", i, err)
		}
		k := index[p.ObjectID]
		b = binary.AppendUvarint(b, k)
		var flags byte
		if p.HasAlt {
			flags |= flagAlt
		}
		if p.HasVelocity {
			flags |= flagVelocity
		}
		b = append(b, flags)
		ms := p.At.UnixMilli()
		b = binary.AppendVarint(b, ms-prevMS)
		prevMS = ms
		if !seen[k] {
			seen[k] = true
			b = binary.AppendVarint(b, lon)
			b = binary.AppendVarint(b, lat)
		} else {
			b = binary.AppendVarint(b, lon-last[k][0])
			b = binary.AppendVarint(b, lat-last[k][1])
		}
		last[k] = [2]int64{lon, lat}
		if p.HasAlt {
			b = binary.AppendVarint(b, int64(math.Round(clamp(p.AltM, -maxAltDM/10, maxAltDM/10)*10)))
		}
		if p.HasVelocity {
			b = binary.AppendUvarint(b, uint64(math.Round(clamp(p.SpeedMS, 0, maxSpeedCMS/100)*100)))
			h := math.Mod(p.HeadingDeg, 360)
			if h < 0 {
				h += 360
			}
			b = binary.AppendUvarint(b, uint64(math.Round(h*100))%36000)
		}
	}
	return b, nil
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

// fixed converts a point to 1e-7 degree integers, refusing non-finite or
// out-of-range coordinates.
func fixed(p geo.Point) (lon, lat int64, err error) {
	if !(p.Lon >= -180 && p.Lon <= 180 && p.Lat >= -90 && p.Lat <= 90) {
		return 0, 0, fmt.Errorf("position [%g, %g] is outside [-180..180, -90..90]", p.Lon, p.Lat)
	}
	return int64(math.Round(p.Lon * 1e7)), int64(math.Round(p.Lat * 1e7)), nil
}

// decoder reads varints from an encoded batch and remembers where it is,
// so that every error names the position and field.
type decoder struct {
	b   []byte
	off int
}

func (d *decoder) uvarint(what string, i int) (uint64, error) {
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		return 0, fmt.Errorf("tracks: %s at byte %d: %s", where(what, i), d.off, varintProblem(n))
	}
	d.off += n
	return v, nil
}

func (d *decoder) varint(what string, i int) (int64, error) {
	v, n := binary.Varint(d.b[d.off:])
	if n <= 0 {
		return 0, fmt.Errorf("tracks: %s at byte %d: %s", where(what, i), d.off, varintProblem(n))
	}
	d.off += n
	return v, nil
}

func where(what string, i int) string {
	if i < 0 {
		return what
	}
	return fmt.Sprintf("position %d: %s", i, what)
}

func varintProblem(n int) string {
	if n == 0 {
		return "truncated"
	}
	return "varint overflows 64 bits"
}

// Decode reads a batch written by Encode. Errors name the position and
// field and the byte offset; nothing is returned for a damaged batch.
func Decode(b []byte) ([]Position, error) {
	if len(b) < len(magic) || string(b[:len(magic)]) != magic {
		return nil, fmt.Errorf("tracks: not an encoded track batch (want the %q header)", magic)
	}
	d := &decoder{b: b, off: len(magic)}
	n, err := d.uvarint("position count", -1)
	if err != nil {
		return nil, err
	}
	// Every position takes at least 5 bytes, which bounds n by the input.
	if n > MaxBatchPositions || n > uint64(len(b))/5 {
		return nil, fmt.Errorf("tracks: batch claims %d positions in %d bytes", n, len(b))
	}
	nIDs, err := d.uvarint("object count", -1)
	if err != nil {
		return nil, err
	}
	if nIDs > n || (n > 0 && nIDs == 0) {
		return nil, fmt.Errorf("tracks: batch claims %d objects for %d positions", nIDs, n)
	}
	ids := make([]string, nIDs)
	for k := range ids {
		l, err := d.uvarint(fmt.Sprintf("object %d id length", k), -1)
		if err != nil {
			return nil, err
		}
		if l == 0 || l > MaxObjectIDBytes || l > uint64(len(b)-d.off) {
			return nil, fmt.Errorf("tracks: object %d id length %d at byte %d (1 to %d, within the batch)", k, l, d.off, MaxObjectIDBytes)
		}
		ids[k] = string(b[d.off : d.off+int(l)])
		d.off += int(l)
	}
	out := make([]Position, n)
	last := make([][2]int64, nIDs)
	seen := make([]bool, nIDs)
	var ms int64
	for i := range out {
		k, err := d.uvarint("object index", i)
		if err != nil {
			return nil, err
		}
		if k >= nIDs {
			return nil, fmt.Errorf("tracks: position %d: object index %d of %d objects", i, k, nIDs)
		}
		if d.off >= len(b) {
			return nil, fmt.Errorf("tracks: position %d: flags at byte %d: truncated", i, d.off)
		}
		flags := b[d.off]
		d.off++
		if flags&^(flagAlt|flagVelocity) != 0 {
			return nil, fmt.Errorf("tracks: position %d: unknown flags %#x at byte %d", i, flags, d.off-1)
		}
		dt, err := d.varint("time", i)
		if err != nil {
			return nil, err
		}
		ms += dt
		dlon, err := d.varint("lon", i)
		if err != nil {
			return nil, err
		}
		dlat, err := d.varint("lat", i)
		if err != nil {
			return nil, err
		}
		lon, lat := dlon, dlat
		if seen[k] {
			lon, lat = last[k][0]+dlon, last[k][1]+dlat
		}
		seen[k] = true
		last[k] = [2]int64{lon, lat}
		if lon < -1800000000 || lon > 1800000000 || lat < -900000000 || lat > 900000000 {
			return nil, fmt.Errorf("tracks: position %d: [%g, %g] is outside [-180..180, -90..90]", i, float64(lon)/1e7, float64(lat)/1e7)
		}
		p := Position{ObjectID: ids[k], At: time.UnixMilli(ms).UTC(), Point: geo.Point{Lon: float64(lon) / 1e7, Lat: float64(lat) / 1e7}}
		if flags&flagAlt != 0 {
			dm, err := d.varint("altitude", i)
			if err != nil {
				return nil, err
			}
			if dm < -maxAltDM || dm > maxAltDM {
				return nil, fmt.Errorf("tracks: position %d: altitude %g m beyond ±%g m", i, float64(dm)/10, float64(maxAltDM)/10)
			}
			p.AltM, p.HasAlt = float64(dm)/10, true
		}
		if flags&flagVelocity != 0 {
			cms, err := d.uvarint("speed", i)
			if err != nil {
				return nil, err
			}
			cdeg, err := d.uvarint("heading", i)
			if err != nil {
				return nil, err
			}
			if cms > maxSpeedCMS {
				return nil, fmt.Errorf("tracks: position %d: speed %g m/s beyond %g m/s", i, float64(cms)/100, float64(maxSpeedCMS)/100)
			}
			if cdeg >= 36000 {
				return nil, fmt.Errorf("tracks: position %d: heading %g° is not below 360", i, float64(cdeg)/100)
			}
			p.SpeedMS, p.HeadingDeg, p.HasVelocity = float64(cms)/100, float64(cdeg)/100, true
		}
		out[i] = p
	}
	if d.off != len(b) {
		return nil, fmt.Errorf("tracks: %d bytes after the last position", len(b)-d.off)
	}
	return out, nil
}

// Objects returns the sorted object ids of ps.
func Objects(ps []Position) []string {
	seen := map[string]bool{}
	var ids []string
	for i := range ps {
		if !seen[ps[i].ObjectID] {
			seen[ps[i].ObjectID] = true
			ids = append(ids, ps[i].ObjectID)
		}
	}
	slices.Sort(ids)
	return ids
}
