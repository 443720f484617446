// Package ledger is safezones' tamper-evident log: an append-only Merkle
// tree (RFC 6962 hashing, via golang.org/x/mod/sumdb/tlog) over canonical
// encodings of every record, signed checkpoints in the signed-note format
// (golang.org/x/mod/sumdb/note, ed25519), proofs, tiles, and the client
// side that lets an outsider verify all of it without trusting the server.
//
// Storage is the caller's: a store keeps entries and stored hashes in the
// same transaction as the record they describe, through HashReadWriter.
// See docs/ledger.md for what is logged and how to verify it.
package ledger
