package geojson

// Limits bound the work a decode may do, so that a hostile or broken file
// fails fast with a CodeTooLarge error instead of exhausting memory or CPU.
// A zero or negative field means the DefaultLimits value for that field, so
// Limits{} is usable and callers set only what they want to change.
type Limits struct {
	// MaxVertices is the most positions one geometry may hold, counting
	// every position as written (closing positions and duplicates too).
	MaxVertices int
	// MaxRings is the most linear rings one geometry may hold, across all
	// polygons of a MultiPolygon.
	MaxRings int
	// MaxPolygons is the most polygons one MultiPolygon may hold.
	MaxPolygons int
	// MaxFeatures is the most features one FeatureCollection may hold.
	MaxFeatures int
	// MaxDepth is the deepest JSON nesting of arrays and objects the whole
	// document may reach; the top-level object is depth 1. It is checked on
	// the raw bytes before any unmarshalling.
	MaxDepth int
	// MaxBytes is the largest document, in bytes, a decode accepts.
	MaxBytes int64
}

// DefaultLimits returns limits that accept real administrative boundary
// files (the OCHA Syria governorates have at most about 5,000 positions per
// ring and a 2.7 MB file) with wide margins: 100,000 positions, 1,000 rings
// and 1,000 polygons per geometry, 100,000 features per collection, JSON
// nesting depth 32 and 64 MiB per document.
func DefaultLimits() Limits {
	return Limits{
		MaxVertices: 100_000,
		MaxRings:    1_000,
		MaxPolygons: 1_000,
		MaxFeatures: 100_000,
		MaxDepth:    32,
		MaxBytes:    64 << 20,
	}
}

// withDefaults returns lim with every unset field taken from DefaultLimits.
func (lim Limits) withDefaults() Limits {
	d := DefaultLimits()
	if lim.MaxVertices <= 0 {
		lim.MaxVertices = d.MaxVertices
	}
	if lim.MaxRings <= 0 {
		lim.MaxRings = d.MaxRings
	}
	if lim.MaxPolygons <= 0 {
		lim.MaxPolygons = d.MaxPolygons
	}
	if lim.MaxFeatures <= 0 {
		lim.MaxFeatures = d.MaxFeatures
	}
	if lim.MaxDepth <= 0 {
		lim.MaxDepth = d.MaxDepth
	}
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = d.MaxBytes
	}
	return lim
}
