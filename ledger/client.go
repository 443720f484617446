package ledger

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

// TileHeight is the height of the tiles the server publishes.
const TileHeight = 8

// EntryJSON is an entry as the HTTP API publishes it: the exact leaf data
// (a JSON string holding the canonical bytes) and, for comparison, the
// record as the server's tables hold it now, canonically encoded.
type EntryJSON struct {
	Index         int64  `json:"index"`
	Type          string `json:"type"`
	RecordID      string `json:"record_id"`
	RecordedAt    string `json:"recorded_at"`
	LeafHash      string `json:"leaf_hash"`
	Data          string `json:"data"`
	CurrentRecord string `json:"current_record,omitempty"`
	// CurrentRecordError says why the current record could not be read
	// (for example it was deleted).
	CurrentRecordError string `json:"current_record_error,omitempty"`
}

// ProofJSON is an inclusion proof: entry Index with LeafHash is in the
// tree of Size entries; Proof is the RFC 6962 audit path as hex hashes.
type ProofJSON struct {
	Index    int64    `json:"index"`
	Size     int64    `json:"size"`
	LeafHash string   `json:"leaf_hash"`
	Proof    []string `json:"proof"`
}

// ConsistencyJSON is a consistency proof: the tree of From entries is a
// prefix of the tree of Size entries.
type ConsistencyJSON struct {
	From  int64    `json:"from"`
	Size  int64    `json:"size"`
	Proof []string `json:"proof"`
}

// Client reads a safezones ledger over HTTP. It trusts nothing it reads:
// Verify checks every answer against a signed checkpoint.
type Client struct {
	BaseURL string
	HTTP    *http.Client
}

func (c *Client) get(ctx context.Context, path string, q url.Values) ([]byte, error) {
	u := strings.TrimSuffix(c.BaseURL, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", path, resp.Status, strings.TrimSpace(string(body)))
	}
	return body, nil
}

// Checkpoint fetches the latest signed checkpoint note.
func (c *Client) Checkpoint(ctx context.Context) ([]byte, error) {
	return c.get(ctx, "/v1/ledger/checkpoint", nil)
}

// Entries fetches up to limit entries from start.
func (c *Client) Entries(ctx context.Context, start int64, limit int) ([]EntryJSON, error) {
	b, err := c.get(ctx, "/v1/ledger/entries", url.Values{"start": {strconv.FormatInt(start, 10)}, "limit": {strconv.Itoa(limit)}})
	if err != nil {
		return nil, err
	}
	var out struct {
		Entries []EntryJSON `json:"entries"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("entries: %w", err)
	}
	return out.Entries, nil
}

// EntryByRecord fetches the entry that logged recordID.
func (c *Client) EntryByRecord(ctx context.Context, recordID string) (EntryJSON, error) {
	var e EntryJSON
	b, err := c.get(ctx, "/v1/ledger/lookup", url.Values{"record_id": {recordID}})
	if err != nil {
		return e, err
	}
	return e, json.Unmarshal(b, &e)
}

// Consistency fetches the proof that size from is a prefix of size to.
func (c *Client) Consistency(ctx context.Context, from, to int64) (tlog.TreeProof, error) {
	b, err := c.get(ctx, "/v1/ledger/proof/consistency", url.Values{"from": {strconv.FormatInt(from, 10)}, "to": {strconv.FormatInt(to, 10)}})
	if err != nil {
		return nil, err
	}
	var p ConsistencyJSON
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, err
	}
	return decodeHashes(p.Proof)
}

// Inclusion fetches the proof that entry index is in the tree of size.
func (c *Client) Inclusion(ctx context.Context, index, size int64) (tlog.RecordProof, error) {
	b, err := c.get(ctx, "/v1/ledger/proof/inclusion", url.Values{"index": {strconv.FormatInt(index, 10)}, "size": {strconv.FormatInt(size, 10)}})
	if err != nil {
		return nil, err
	}
	var p ProofJSON
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, err
	}
	return decodeHashes(p.Proof)
}

// Height implements tlog.TileReader.
func (c *Client) Height() int { return TileHeight }

// ReadTiles implements tlog.TileReader over GET /v1/ledger/tile/....
func (c *Client) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		b, err := c.get(context.Background(), "/v1/ledger/"+t.Path(), nil)
		if err != nil {
			return nil, err
		}
		if len(b) != t.W*tlog.HashSize {
			return nil, fmt.Errorf("tile %s: %d bytes, want %d", t.Path(), len(b), t.W*tlog.HashSize)
		}
		out[i] = b
	}
	return out, nil
}

// SaveTiles implements tlog.TileReader; verified tiles are not cached.
func (c *Client) SaveTiles([]tlog.Tile, [][]byte) {}

// EncodeHashes returns hashes as hex strings.
func EncodeHashes[H ~[]tlog.Hash](hs H) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = hex.EncodeToString(h[:])
	}
	return out
}

func decodeHashes(ss []string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(ss))
	for i, s := range ss {
		h, err := ParseHash(s)
		if err != nil {
			return nil, fmt.Errorf("proof hash %d: %w", i, err)
		}
		out[i] = h
	}
	return out, nil
}

// ParseHash reads a hex SHA-256 hash.
func ParseHash(s string) (tlog.Hash, error) {
	var h tlog.Hash
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != tlog.HashSize {
		return h, fmt.Errorf("%q is not a hex SHA-256 hash", s)
	}
	copy(h[:], b)
	return h, nil
}
