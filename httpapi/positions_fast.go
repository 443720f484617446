package httpapi

import (
	"strconv"
	"unsafe"
)

// fastPosition reads the common shape of a position line — one flat
// object, keys among id, lon, lat, alt_m, t, speed_ms, heading_deg, each at
// most once, string values without escapes, plain numbers — without
// reflection, into p. It returns false for anything else (escapes, nested
// values, unknown or repeated keys, null, trailing data), and the caller
// then decodes the line with encoding/json, so the two paths accept and
// refuse exactly the same lines (FuzzFastPosition checks it).
func fastPosition(b []byte, p *positionLine) bool {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return skipWS(b, i+1) == len(b)
	}
	var seen uint8
	var nums [5]float64
	for {
		key, j, ok := scanString(b, i)
		if !ok {
			return false
		}
		i = skipWS(b, j)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = skipWS(b, i+1)
		var bit uint8
		switch string(key) { // no allocation: the compiler compares in place
		case "id", "t":
			s, j, ok := scanString(b, i)
			if !ok {
				return false
			}
			if string(key) == "id" {
				bit, p.ID = 1, string(s) // a copy: the line's buffer is reused
			} else {
				bit, p.T = 2, string(s)
			}
			i = j
		case "lon", "lat", "alt_m", "speed_ms", "heading_deg":
			j := scanNumber(b, i)
			if j == i {
				return false
			}
			v, err := strconv.ParseFloat(unsafe.String(&b[i], j-i), 64)
			if err != nil {
				return false
			}
			k := numberKey(string(key))
			bit = 4 << k
			nums[k] = v
			i = j
		default:
			return false
		}
		if seen&bit != 0 {
			return false // repeated key: let encoding/json decide
		}
		seen |= bit
		i = skipWS(b, i)
		if i >= len(b) {
			return false
		}
		if b[i] == '}' {
			if skipWS(b, i+1) != len(b) {
				return false
			}
			break
		}
		if b[i] != ',' {
			return false
		}
		i = skipWS(b, i+1)
	}
	ptrs := [5]**float64{&p.Lon, &p.Lat, &p.AltM, &p.SpeedMS, &p.HeadingDeg}
	for k := range nums {
		if seen&(4<<k) != 0 {
			v := nums[k]
			*ptrs[k] = &v
		}
	}
	return true
}

// numberKey returns the index of a numeric key in fastPosition's table.
func numberKey(key string) int {
	switch key {
	case "lon":
		return 0
	case "lat":
		return 1
	case "alt_m":
		return 2
	case "speed_ms":
		return 3
	}
	return 4 // heading_deg
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// scanString reads a JSON string without escapes or control characters
// starting at b[i]; it returns its contents (aliasing b: copy before
// keeping) and the index after it.
func scanString(b []byte, i int) ([]byte, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, i, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return b[i+1 : j], j + 1, true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return nil, i, false // escapes and non-ASCII: the slow path validates them
		}
	}
	return nil, i, false
}

// scanNumber returns the end of a JSON number at b[i] (i when there is
// none), following the JSON grammar exactly.
func scanNumber(b []byte, i int) int {
	j := i
	if j < len(b) && b[j] == '-' {
		j++
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case j < len(b) && b[j] >= '1' && b[j] <= '9':
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
	default:
		return i
	}
	if j < len(b) && b[j] == '.' {
		j++
		k := j
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j == k {
			return i
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		k := j
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j == k {
			return i
		}
	}
	return j
}
