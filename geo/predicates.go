package geo

import (
	"math"
	"math/big"
)

// Predicates decide with exact arithmetic on the float64 coordinates as
// given, so that one decision never contradicts another: a point found on an
// edge by one test is on that edge for every other. A rounded cross product
// can call a point 1e-16 off an edge "on it" in one test and "inside" in the
// next; on real boundaries, where neighbouring shapes were digitised along
// shared lines, that would misjudge points on zone edges.

// ccwErrBound bounds the rounding error of the float64 determinant in
// orient relative to the sum of its terms' magnitudes (Shewchuk,
// "Adaptive Precision Floating-Point Arithmetic and Fast Robust Geometric
// Predicates", 1997: ccwerrboundA = (3 + 16ε)ε with ε = 2^-53).
const ccwErrBound = (3 + 16*0x1p-53) * 0x1p-53

// Orient returns the sign of the turn a -> b -> c, exactly: +1
// counter-clockwise, -1 clockwise, 0 collinear. It computes in float64 and
// falls back to exact rational arithmetic when the result is too close to
// zero to trust, which is rare outside exactly collinear points.
func Orient(a, b, c Point) int {
	acx, bcy := a.Lon-c.Lon, b.Lat-c.Lat
	acy, bcx := a.Lat-c.Lat, b.Lon-c.Lon
	left, right := acx*bcy, acy*bcx
	det := left - right
	bound := ccwErrBound * (math.Abs(left) + math.Abs(right))
	switch {
	case det > bound:
		return 1
	case -det > bound:
		return -1
	case bound == 0 && (acx == 0 || bcy == 0) && (acy == 0 || bcx == 0):
		// Both terms are exactly zero (float64 differences are zero
		// only between equal numbers), not underflowed.
		return 0
	}
	return orientExact(a, b, c)
}

// orientExact returns the sign of the orientation determinant computed
// without rounding. Each coordinate difference is split exactly into two
// float64s, the products into two more each (with FMA), and the sixteen
// terms are summed into a non-overlapping expansion whose largest term has
// the sign of the exact sum. Products so small that their rounding error
// would underflow fall back to rational arithmetic.
func orientExact(a, b, c Point) int {
	acx, acxe := twoDiff(a.Lon, c.Lon)
	bcy, bcye := twoDiff(b.Lat, c.Lat)
	acy, acye := twoDiff(a.Lat, c.Lat)
	bcx, bcxe := twoDiff(b.Lon, c.Lon)
	var terms [16]float64
	n := 0
	for _, f := range [...][3]float64{
		{acx, bcy, 1}, {acx, bcye, 1}, {acxe, bcy, 1}, {acxe, bcye, 1},
		{acy, bcx, -1}, {acy, bcxe, -1}, {acye, bcx, -1}, {acye, bcxe, -1},
	} {
		p := f[0] * f[1]
		if f[0] != 0 && f[1] != 0 && math.Abs(p) < 0x1p-900 {
			return orientRational(a, b, c)
		}
		terms[n], terms[n+1] = f[2]*p, f[2]*math.FMA(f[0], f[1], -p)
		n += 2
	}
	var buf [17]float64
	e := buf[:0]
	for _, t := range terms {
		e = growExpansion(e, t)
	}
	for i := len(e) - 1; i >= 0; i-- {
		switch {
		case e[i] > 0:
			return 1
		case e[i] < 0:
			return -1
		}
	}
	return 0
}

// twoDiff returns a-b as x+y exactly, x being the rounded difference.
func twoDiff(a, b float64) (x, y float64) {
	x = a - b
	bv := a - x
	av := x + bv
	return x, (a - av) + (bv - b)
}

// twoSum returns a+b as x+y exactly, x being the rounded sum.
func twoSum(a, b float64) (x, y float64) {
	x = a + b
	bv := x - a
	av := x - bv
	return x, (a - av) + (b - bv)
}

// growExpansion adds b to the non-overlapping expansion e (terms in
// increasing magnitude, zeros dropped) and returns the new expansion, in
// place (Shewchuk's Grow-Expansion with zero elimination).
func growExpansion(e []float64, b float64) []float64 {
	q := b
	out := e[:0]
	for _, ei := range e {
		var h float64
		q, h = twoSum(q, ei)
		if h != 0 {
			out = append(out, h)
		}
	}
	if q != 0 {
		out = append(out, q)
	}
	return out
}

// orientRational is orientExact in rational arithmetic, for coordinates
// whose products underflow float64.
func orientRational(a, b, c Point) int {
	rat := func(v float64) *big.Rat { return new(big.Rat).SetFloat64(v) }
	sub := func(x, y float64) *big.Rat { return new(big.Rat).Sub(rat(x), rat(y)) }
	left := new(big.Rat).Mul(sub(a.Lon, c.Lon), sub(b.Lat, c.Lat))
	right := new(big.Rat).Mul(sub(a.Lat, c.Lat), sub(b.Lon, c.Lon))
	return left.Cmp(right)
}

// Locate reports whether p lies strictly inside the closed ring r, or on
// its boundary (an edge or vertex). It counts crossings of a ray going east
// from p, using Orient to place p against each edge, so it agrees exactly
// with every other predicate here.
func (r Ring) Locate(p Point) (inside, boundary bool) {
	for i := 0; i+1 < len(r); i++ {
		a, b := r[i], r[i+1]
		if a == b {
			continue
		}
		if inBox(a, b, p) && Orient(a, b, p) == 0 {
			return false, true
		}
		up, down := a.Lat <= p.Lat && b.Lat > p.Lat, b.Lat <= p.Lat && a.Lat > p.Lat
		if !up && !down {
			continue // the edge is wholly above or below p's latitude
		}
		if o := Orient(a, b, p); (up && o > 0) || (down && o < 0) {
			inside = !inside
		}
	}
	return inside, false
}

// inBox reports whether p lies in the bounding box of segment ab.
func inBox(a, b, p Point) bool {
	return p.Lon >= math.Min(a.Lon, b.Lon) && p.Lon <= math.Max(a.Lon, b.Lon) &&
		p.Lat >= math.Min(a.Lat, b.Lat) && p.Lat <= math.Max(a.Lat, b.Lat)
}
