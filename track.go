package safezones

import (
	"context"
	"time"
)

// LedgerTrackBatch is the ledger type of an archived batch of positions.
const LedgerTrackBatch = "track_batch"

// TrackBatch is one stored batch of archived positions: the positions of
// one or more ingest requests, compactly encoded (package tracks), kept so
// that a violation's track can be shown and exported later. The ledger
// logs each batch's SHA-256, so an exported track can be proven unchanged.
type TrackBatch struct {
	ID int64 `json:"id"`
	// FirstAt and LastAt bound the positions' times.
	FirstAt time.Time `json:"first_at"`
	LastAt  time.Time `json:"last_at"`
	// Positions counts the positions; Objects names the objects, sorted.
	Positions int      `json:"positions"`
	Objects   []string `json:"-"`
	// Data is the encoded batch and SHA256 its hex digest.
	Data    []byte    `json:"-"`
	SHA256  string    `json:"sha256"`
	Created time.Time `json:"created"`
}

// TrackService stores the track archive. Implementations are safe for
// concurrent use; a call that returned nil has made its change durable,
// its ledger entry included.
type TrackService interface {
	// AppendTrackBatch stores b, filling in ID and Created, and logs it.
	// Codes: invalid.
	AppendTrackBatch(ctx context.Context, b *TrackBatch) error
	// TrackBatches returns the batches holding positions of objectID
	// between from and to (inclusive; zero times do not bound), oldest
	// first, at most limit.
	TrackBatches(ctx context.Context, objectID string, from, to time.Time, limit int) ([]TrackBatch, error)
}
