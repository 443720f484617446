// Package consent decides when a zone version may be in force and makes
// the decisions that say so verifiable.
//
// It evaluates consent policies (safezones.ConsentPolicy: all of, any of,
// at least N of a set of parties, nested), turns a version's standings —
// each party's latest verdict — into its next lifecycle status (Next),
// builds the canonical payload a party signs for a decision (RFC 8785 JSON
// naming the zone, the exact version and its hash, the party, the key, the
// verdict, the reason and the time), signs it with ed25519 and verifies
// it, and summarises a zone's consent and commitments for people.
//
// It does no I/O apart from reading and writing private key files, and
// holds no state: stores call it inside their transactions. The rules are
// described for users in docs/consent.md.
package consent
