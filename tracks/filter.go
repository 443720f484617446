package tracks

import "hash/fnv"

// The object filter of a batch is a Bloom filter of its object ids: 16
// bits an object and 4 probes, so a reader skips a batch without the
// object it wants (false positives about 0.25%) without decoding it and
// without an index row per object and batch, which made each batch cost
// ten times more to write.
const (
	filterBitsPerObject = 16
	filterProbes        = 4
)

// ObjectFilter returns the filter of ids.
func ObjectFilter(ids []string) []byte {
	bits := max(64, (len(ids)*filterBitsPerObject+63)/64*64)
	f := make([]byte, bits/8)
	for _, id := range ids {
		h1, h2 := filterHashes(id)
		for i := uint64(0); i < filterProbes; i++ {
			b := (h1 + i*h2) % uint64(bits)
			f[b/8] |= 1 << (b % 8)
		}
	}
	return f
}

// FilterMayHold reports whether a batch with filter f may hold id: false
// means certainly not. An empty filter may hold anything.
func FilterMayHold(f []byte, id string) bool {
	if len(f) == 0 {
		return true
	}
	bits := uint64(len(f)) * 8
	h1, h2 := filterHashes(id)
	for i := uint64(0); i < filterProbes; i++ {
		b := (h1 + i*h2) % bits
		if f[b/8]&(1<<(b%8)) == 0 {
			return false
		}
	}
	return true
}

// filterHashes derives the two hashes of double hashing from FNV-1a.
func filterHashes(id string) (h1, h2 uint64) {
	h := fnv.New64a()
	h.Write([]byte(id))
	v := h.Sum64()
	return v, v>>33 | v<<31 | 1
}
