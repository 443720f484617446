package ledger

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var ctx = context.Background()

// buildTree appends n envelopes and returns the storage and the leaf data.
func buildTree(t testing.TB, n int) (*memoryHashes, [][]byte) {
	t.Helper()
	m := &memoryHashes{}
	data := make([][]byte, n)
	for i := range n {
		rec, err := Canonical(map[string]any{"n": i, "name": fmt.Sprintf("zone %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		d, err := EncodeEnvelope(Envelope{Index: int64(i), Type: "test", RecordID: fmt.Sprintf("test/%d", i),
			RecordedAt: time.Unix(int64(i), 0), Record: rec})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Append(ctx, m, int64(i), d); err != nil {
			t.Fatal(err)
		}
		data[i] = d
	}
	return m, data
}

func toBytes[H ~[]tlog.Hash](hs H) [][]byte {
	out := make([][]byte, len(hs))
	for i := range hs {
		out[i] = hs[i][:]
	}
	return out
}

// TestProofsWithIndependentVerifier checks our inclusion and consistency
// proofs with transparency-dev/merkle, a verifier that shares no code with
// tlog, for every index and size of small trees.
func TestProofsWithIndependentVerifier(t *testing.T) {
	const n = 70
	m, data := buildTree(t, n)
	for size := int64(1); size <= n; size++ {
		root, err := TreeHash(ctx, m, size)
		if err != nil {
			t.Fatal(err)
		}
		for i := int64(0); i < size; i++ {
			p, err := ProveInclusion(ctx, m, size, i)
			if err != nil {
				t.Fatal(err)
			}
			leaf := rfc6962.DefaultHasher.HashLeaf(data[i])
			if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(i), uint64(size), leaf, toBytes(p), root[:]); err != nil {
				t.Fatalf("ProveInclusion(size %d, index %d) rejected by transparency-dev/merkle: %v", size, i, err)
			}
			if err := CheckInclusion(p, size, root, i, LeafHash(data[i])); err != nil {
				t.Fatalf("CheckInclusion(size %d, index %d) = %v", size, i, err)
			}
		}
		for old := int64(1); old < size; old++ {
			oldRoot, _ := TreeHash(ctx, m, old)
			p, err := ProveConsistency(ctx, m, size, old)
			if err != nil {
				t.Fatal(err)
			}
			if err := proof.VerifyConsistency(rfc6962.DefaultHasher, uint64(old), uint64(size), toBytes(p), oldRoot[:], root[:]); err != nil {
				t.Fatalf("ProveConsistency(%d -> %d) rejected by transparency-dev/merkle: %v", old, size, err)
			}
		}
	}
}

func TestCheckConsistencyDetectsForks(t *testing.T) {
	m, _ := buildTree(t, 20)
	forked, _ := buildTree(t, 20)
	// Rewrite entry 12 of the fork: same size, different history.
	forked.h = forked.h[:tlog.StoredHashIndex(0, 12)]
	d, _ := EncodeEnvelope(Envelope{Index: 12, Type: "test", RecordID: "test/12", RecordedAt: time.Unix(12, 0), Record: []byte(`{"forged":true}`)})
	Append(ctx, forked, 12, d)
	for i := int64(13); i < 20; i++ {
		d, _ := EncodeEnvelope(Envelope{Index: i, Type: "test", RecordID: fmt.Sprint("test/", i), RecordedAt: time.Unix(i, 0), Record: []byte(`{}`)})
		Append(ctx, forked, i, d)
	}
	root15, _ := TreeHash(ctx, m, 15)
	root20, _ := TreeHash(ctx, m, 20)
	fork20, _ := TreeHash(ctx, forked, 20)
	if err := CheckConsistency(nil, 20, fork20, 20, root20); !errors.Is(err, ErrInconsistent) {
		t.Errorf("two roots for size 20: CheckConsistency = %v, want ErrInconsistent", err)
	}
	p, _ := ProveConsistency(ctx, forked, 20, 15)
	if err := CheckConsistency(p, 20, fork20, 15, root15); !errors.Is(err, ErrInconsistent) {
		t.Errorf("fork from entry 12 against the honest size-15 checkpoint: %v, want ErrInconsistent", err)
	}
	honest, _ := ProveConsistency(ctx, m, 20, 15)
	if err := CheckConsistency(honest, 20, root20, 15, root15); err != nil {
		t.Errorf("honest growth 15 -> 20: %v", err)
	}
	if err := CheckConsistency(nil, 15, root15, 20, root20); !errors.Is(err, ErrInconsistent) {
		t.Errorf("shrinking 20 -> 15: %v, want ErrInconsistent", err)
	}
}

func TestCheckpointSignature(t *testing.T) {
	skey, vkey, err := note.GenerateKey(rand.Reader, "safezones-test")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	cp := Checkpoint{Origin: "safezones-test", Size: 42, Root: tlog.Hash{1, 2, 3}, Time: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)}
	msg, err := Sign(cp, signer)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Open(msg, vkey)
	if err != nil {
		t.Fatal(err)
	}
	if got != cp {
		t.Errorf("Open(Sign(%+v)) = %+v", cp, got)
	}
	if d, err := VerifierKey(skey); err != nil || d != vkey {
		t.Errorf("VerifierKey(signer key) = %q, %v; want %q", d, err, vkey)
	}
	tampered := []byte(string(msg))
	tampered[len("safezones-test\n")] = '9' // size 42 -> 92
	if _, err := Open(tampered, vkey); err == nil {
		t.Error("Open accepted a checkpoint whose size was altered after signing")
	}
	_, otherKey, _ := note.GenerateKey(rand.Reader, "safezones-test")
	if _, err := Open(msg, otherKey); err == nil {
		t.Error("Open accepted a checkpoint signed by another key of the same name")
	}
}

func TestCanonical(t *testing.T) {
	cases := []struct {
		in   any
		want string
	}{
		{map[string]any{"b": 1, "a": "x<y&z"}, `{"a":"x<y&z","b":1}`},
		{[]float64{1e21, 1e-7, 0.1, 100}, `[1e+21,1e-7,0.1,100]`},
		{map[string]any{"é": 1, "z": 2, "a": []any{}}, `{"a":[],"z":2,"é":1}`},
	}
	for _, tc := range cases {
		got, err := Canonical(tc.in)
		if err != nil || string(got) != tc.want {
			t.Errorf("Canonical(%v) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	if _, err := DecodeEnvelope([]byte(`{"index":1, "type":"t","record_id":"r","recorded_at":"2026-01-01T00:00:00Z","record":{}}`)); err == nil {
		t.Error("DecodeEnvelope accepted non-canonical bytes (a space after a comma)")
	}
}

// BenchmarkAppend measures appending to an in-memory tree (hashing only).
func BenchmarkAppend(b *testing.B) {
	m := &memoryHashes{}
	d := []byte(`{"index":0,"record":{"name":"zone"},"record_id":"zone/x/v1","recorded_at":"2026-01-01T00:00:00Z","type":"zone_version"}`)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := Append(ctx, m, int64(i), d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProveInclusion measures inclusion proofs in a 100,000-entry tree.
func BenchmarkProveInclusion(b *testing.B) {
	const n = 100_000
	m, _ := buildTree(b, n)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := ProveInclusion(ctx, m, n, int64(i*7919)%n); err != nil {
			b.Fatal(err)
		}
	}
}

// TestVerifierKeyAnyKey derives the public key from many signer keys: the
// base64 part of about half of them holds a '+', the field separator.
func TestVerifierKeyAnyKey(t *testing.T) {
	plus := 0
	for range 64 {
		skey, vkey, err := note.GenerateKey(rand.Reader, "safezones-test")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Count(skey, "+") > 4 {
			plus++
		}
		if got, err := VerifierKey(skey); err != nil || got != vkey {
			t.Fatalf("VerifierKey(%q) = %q, %v; want %q", skey, got, err, vkey)
		}
	}
	if plus == 0 {
		t.Fatal("no generated key had a '+' in its base64 part: the case is untested")
	}
}
