package safezones

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"strings"
	"time"
)

// MemberRole is what a member may do for its party. Roles are ordered:
// each includes every right of the roles before it in MemberRoles.
type MemberRole string

// The member roles, from least to most rights.
const (
	// RoleViewer reads its party's restricted records (its member list).
	RoleViewer MemberRole = "viewer"
	// RoleReporter also records deliveries against its party's pledges.
	RoleReporter MemberRole = "reporter"
	// RoleSigner also posts its party's signed decisions and pledges.
	RoleSigner MemberRole = "signer"
	// RoleAdmin also manages its party's members, tokens and signing keys.
	RoleAdmin MemberRole = "admin"
)

// MemberRoles lists every MemberRole from least to most rights.
var MemberRoles = []MemberRole{RoleViewer, RoleReporter, RoleSigner, RoleAdmin}

// Valid reports whether r is one of MemberRoles.
func (r MemberRole) Valid() bool { return r.rank() > 0 }

func (r MemberRole) rank() int {
	for i, v := range MemberRoles {
		if r == v {
			return i + 1
		}
	}
	return 0
}

// Includes reports whether r carries every right of need: admin includes
// signer, signer includes reporter, reporter includes viewer. An invalid
// role includes nothing.
func (r MemberRole) Includes(need MemberRole) bool {
	return r.Valid() && need.Valid() && r.rank() >= need.rank()
}

// Member is a person or system acting for one party through API tokens.
type Member struct {
	ID      string     `json:"id"`
	PartyID string     `json:"party_id"`
	Name    string     `json:"name"`
	Role    MemberRole `json:"role"`
	// CreatedBy and UpdatedBy name the acting member id, or "operator".
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by"`
}

// Token is an API token's metadata. Its secret is shown once, when it is
// created, and stored only as a SHA-256 hash.
type Token struct {
	// ID is the public part of the token "sz_<id>_<secret>".
	ID        string    `json:"id"`
	MemberID  string    `json:"member_id"`
	PartyID   string    `json:"party_id"`
	Name      string    `json:"name,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	// ExpiresAt is the first instant the token is no longer accepted.
	ExpiresAt time.Time `json:"expires_at"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
	RevokedBy string    `json:"revoked_by,omitempty"`
}

// Limits on members and tokens.
const (
	// DefaultTokenLifetime is a new token's lifetime when none is asked.
	DefaultTokenLifetime = 90 * 24 * time.Hour
	// MaxTokenLifetime is the longest lifetime a token may have.
	MaxTokenLifetime = 366 * 24 * time.Hour
)

// TokenPrefix starts every member token: "sz_<id>_<secret>", where id is
// 16 and secret 52 characters of lowercase base32 (80 and 256 random bits).
const TokenPrefix = "sz_"

const (
	tokenIDLen     = 16
	tokenSecretLen = 52
)

var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewToken returns a fresh bearer token, its public id, and the SHA-256 of
// the whole token, which is all a store keeps. It fails only if the
// system's random source does.
func NewToken() (plain, id string, hash [32]byte, err error) {
	var idb [10]byte
	var secret [32]byte
	if _, err := rand.Read(idb[:]); err != nil {
		return "", "", hash, err
	}
	if _, err := rand.Read(secret[:]); err != nil {
		return "", "", hash, err
	}
	id = tokenEncoding.EncodeToString(idb[:])
	plain = TokenPrefix + id + "_" + tokenEncoding.EncodeToString(secret[:])
	return plain, id, sha256.Sum256([]byte(plain)), nil
}

// ParseToken splits a bearer token of the NewToken form into its id and
// the SHA-256 of the whole token; ok is false for any other string.
func ParseToken(s string) (id string, hash [32]byte, ok bool) {
	rest, found := strings.CutPrefix(s, TokenPrefix)
	if !found || len(rest) != tokenIDLen+1+tokenSecretLen || rest[tokenIDLen] != '_' {
		return "", hash, false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if i != tokenIDLen && !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return "", hash, false
		}
	}
	return rest[:tokenIDLen], sha256.Sum256([]byte(s)), true
}

// TokenHashEqual compares two token hashes in constant time.
func TokenHashEqual(a, b []byte) bool {
	return len(a) == sha256.Size && subtle.ConstantTimeCompare(a, b) == 1
}

// PartyKey is a party's ed25519 public key for signing decisions. The
// private half never leaves the party (`safezones keys generate`).
type PartyKey struct {
	// ID is the key id: the hex of the first 8 bytes of the SHA-256 of
	// the public key.
	ID      string `json:"id"`
	PartyID string `json:"party_id"`
	// PublicKey is the raw 32-byte ed25519 public key (base64 in JSON).
	PublicKey []byte    `json:"public_key"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	// RevokedAt is when the key stopped being accepted: decisions
	// received from then on are refused.
	RevokedAt time.Time `json:"revoked_at,omitzero"`
	RevokedBy string    `json:"revoked_by,omitempty"`
}

// ActiveAt reports whether the key is accepted at t (not revoked by then).
func (k *PartyKey) ActiveAt(t time.Time) bool {
	return k.RevokedAt.IsZero() || t.Before(k.RevokedAt)
}

// ActsFor reports whether a may act for party partyID with a role of at
// least need: the operator acts for every party; a member only for its own.
func (a Actor) ActsFor(partyID string, need MemberRole) bool {
	return a.Operator || (a.PartyID != "" && a.PartyID == partyID && a.Role.Includes(need))
}

// Name is how records name the actor: the member id, or "operator".
func (a Actor) Name() string {
	if a.Operator || a.MemberID == "" {
		return a.PartyID
	}
	return a.MemberID
}

// MemberService stores the members of parties, their API tokens and the
// parties' signing keys. Implementations are safe for concurrent use.
type MemberService interface {
	// CreateMember stores m; an empty m.ID is filled in. Codes: invalid,
	// not_found (the party), conflict (the id exists).
	CreateMember(ctx context.Context, m *Member) (*Member, error)
	// Member returns one member. Codes: not_found.
	Member(ctx context.Context, id string) (*Member, error)
	// ListMembers returns a party's members ordered by id. Codes:
	// not_found (the party).
	ListMembers(ctx context.Context, partyID string) ([]Member, error)
	// SetMemberRole changes a member's role. Codes: invalid, not_found.
	SetMemberRole(ctx context.Context, id string, role MemberRole, by string) (*Member, error)
	// CreateToken makes a token for a member that expires at expiresAt
	// (DefaultTokenLifetime from now when zero) and returns its metadata
	// and the token itself, which is not stored and cannot be shown again.
	// Codes: invalid (expiry in the past or beyond MaxTokenLifetime),
	// not_found (the member).
	CreateToken(ctx context.Context, memberID, name string, expiresAt time.Time, by string) (*Token, string, error)
	// Token returns a token's metadata. Codes: not_found.
	Token(ctx context.Context, id string) (*Token, error)
	// ListTokens returns the metadata of every token of a party's members,
	// revoked and expired ones included, ordered by creation. Codes:
	// not_found (the party).
	ListTokens(ctx context.Context, partyID string) ([]Token, error)
	// RevokeToken stops a token from being accepted from now on. Codes:
	// not_found, conflict (already revoked).
	RevokeToken(ctx context.Context, id, by string) (*Token, error)
	// Authenticate returns the Actor a bearer token stands for. The
	// secret is compared by hash in constant time. Codes: unauthorized
	// (unknown, malformed, revoked or expired token).
	Authenticate(ctx context.Context, bearer string) (Actor, error)
}

// KeyService stores the parties' public signing keys. Registrations and
// revocations are logged in the ledger, so that a decision can be checked
// years later against the key that was registered when it was made.
type KeyService interface {
	// RegisterKey stores an ed25519 public key (32 bytes) for a party.
	// Codes: invalid, not_found (the party), conflict (the key is
	// registered already).
	RegisterKey(ctx context.Context, partyID string, publicKey []byte, by string) (*PartyKey, error)
	// RevokeKey revokes a party's key from now on. Codes: not_found (no
	// such key of that party), conflict (already revoked).
	RevokeKey(ctx context.Context, partyID, keyID, by string) (*PartyKey, error)
	// PartyKeys returns a party's keys, revoked ones included, oldest
	// first. Codes: not_found (the party).
	PartyKeys(ctx context.Context, partyID string) ([]PartyKey, error)
}
