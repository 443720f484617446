package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Bundle is the evidence for one record, checkable offline: the record,
// its entry, the inclusion proof and the signed checkpoint it is proven
// against, and the SHA-256 hashes of its attachments.
type Bundle struct {
	Record     []byte    // the record as logged (canonical JSON)
	Entry      EntryJSON // index, type, record id, leaf hash and leaf data
	Proof      ProofJSON // inclusion of Entry in the checkpoint's tree
	Checkpoint []byte    // the signed checkpoint note
	// Attachments are "sha256 name" lines for files the record refers to.
	Attachments []string
	// Tree is the parsed checkpoint, filled by Verify, ReadBundle and
	// FetchBundle (unverified until Verify).
	Tree Checkpoint
}

// The files of a bundle directory.
const (
	bundleRecord      = "record.json"
	bundleEntry       = "entry.json"
	bundleProof       = "inclusion-proof.json"
	bundleCheckpoint  = "checkpoint.txt"
	bundleAttachments = "attachments.txt"
	bundleReadme      = "README.txt"
)

// FetchBundle assembles the bundle of recordID from a server.
func FetchBundle(ctx context.Context, c *Client, recordID string) (*Bundle, error) {
	msg, err := c.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	text, _, _ := strings.Cut(string(msg), "\n\n")
	cp, err := ParseCheckpoint(text + "\n")
	if err != nil {
		return nil, err
	}
	e, err := c.EntryByRecord(ctx, recordID)
	if err != nil {
		return nil, err
	}
	if e.Index >= cp.Size {
		return nil, fmt.Errorf("entry %d is newer than the checkpoint of size %d: try again", e.Index, cp.Size)
	}
	proof, err := c.Inclusion(ctx, e.Index, cp.Size)
	if err != nil {
		return nil, err
	}
	env, err := DecodeEnvelope([]byte(e.Data))
	if err != nil {
		return nil, err
	}
	e.CurrentRecord, e.CurrentRecordError = "", ""
	return &Bundle{Record: env.Record, Entry: e, Checkpoint: msg, Tree: cp,
		Proof: ProofJSON{Index: e.Index, Size: cp.Size, LeafHash: e.LeafHash, Proof: EncodeHashes(proof)}}, nil
}

// Verify checks the bundle with the public key vkey alone: the checkpoint
// signature, the entry's leaf hash, the inclusion proof against the
// checkpoint's root, and that the record file is the logged record.
func (b *Bundle) Verify(vkey string) error {
	cp, err := Open(b.Checkpoint, vkey)
	if err != nil {
		return err
	}
	b.Tree = cp
	data := []byte(b.Entry.Data)
	leaf := LeafHash(data)
	if want, err := ParseHash(b.Entry.LeafHash); err != nil || want != leaf {
		return fmt.Errorf("%w: entry %d: its data does not hash to its leaf hash", ErrInconsistent, b.Entry.Index)
	}
	env, err := DecodeEnvelope(data)
	if err != nil {
		return err
	}
	if env.Index != b.Entry.Index || env.RecordID != b.Entry.RecordID || b.Proof.Index != b.Entry.Index {
		return fmt.Errorf("%w: entry %d: index or record id disagree between files", ErrInconsistent, b.Entry.Index)
	}
	if b.Proof.Size != cp.Size {
		return fmt.Errorf("%w: the proof is for size %d, the checkpoint for %d", ErrInconsistent, b.Proof.Size, cp.Size)
	}
	proof, err := decodeHashes(b.Proof.Proof)
	if err != nil {
		return err
	}
	if err := CheckInclusion(proof, cp.Size, cp.Root, b.Entry.Index, leaf); err != nil {
		return err
	}
	if !bytes.Equal(bytes.TrimSpace(b.Record), env.Record) {
		return fmt.Errorf("%w: %s is not the logged record", ErrInconsistent, bundleRecord)
	}
	return nil
}

// Write stores the bundle in a new directory dir.
func (b *Bundle) Write(dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	entry, err := json.MarshalIndent(b.Entry, "", "  ")
	if err != nil {
		return err
	}
	proof, err := json.MarshalIndent(b.Proof, "", "  ")
	if err != nil {
		return err
	}
	files := []struct {
		name string
		data []byte
	}{
		{bundleRecord, append(append([]byte{}, b.Record...), '\n')},
		{bundleEntry, append(entry, '\n')},
		{bundleProof, append(proof, '\n')},
		{bundleCheckpoint, b.Checkpoint},
		{bundleAttachments, []byte(strings.Join(b.Attachments, "\n"))},
		{bundleReadme, []byte(bundleReadmeText)},
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// ReadBundle reads a bundle directory written by Write.
func ReadBundle(dir string) (*Bundle, error) {
	read := func(name string) ([]byte, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("bundle: %w", err)
		}
		return b, nil
	}
	var b Bundle
	var err error
	if b.Record, err = read(bundleRecord); err != nil {
		return nil, err
	}
	b.Record = bytes.TrimSpace(b.Record)
	raw, err := read(bundleEntry)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &b.Entry); err != nil {
		return nil, fmt.Errorf("bundle %s: %w", bundleEntry, err)
	}
	if raw, err = read(bundleProof); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &b.Proof); err != nil {
		return nil, fmt.Errorf("bundle %s: %w", bundleProof, err)
	}
	if b.Checkpoint, err = read(bundleCheckpoint); err != nil {
		return nil, err
	}
	if raw, err = read(bundleAttachments); err == nil && len(bytes.TrimSpace(raw)) > 0 {
		b.Attachments = strings.Split(strings.TrimSpace(string(raw)), "\n")
	}
	return &b, nil
}

const bundleReadmeText = `safezones evidence bundle

record.json           the record, exactly as logged (RFC 8785 canonical JSON)
entry.json            its ledger entry: index, record id, leaf hash, and "data",
                      the exact bytes that were hashed (the record in an envelope)
inclusion-proof.json  the RFC 6962 audit path from the leaf to the tree root
checkpoint.txt        the signed checkpoint (size, root hash, time), a signed note
                      (golang.org/x/mod/sumdb/note, ed25519)
attachments.txt       SHA-256 hashes of files the record refers to

Check it offline:   safezones verify --bundle THIS-DIR --key PUBLIC-KEY
By hand: leaf = SHA-256(0x00 || data); fold the audit path per RFC 6962 §2.1.1
to the root; compare with the checkpoint's root; check the checkpoint's
signature with the public key; compare record.json with data's "record".
`
