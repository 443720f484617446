package safezones

import "context"

// Actor is who makes a request: the operator, a party's member, or nobody.
type Actor struct {
	// PartyID is the acting party; "operator" for the operator token.
	PartyID string
	// Operator is true for the deployment's operator.
	Operator bool
	// MemberID is the acting member of PartyID; empty for the operator.
	MemberID string
	// Role is the member's role; RoleAdmin for the operator.
	Role MemberRole
	// TokenID is the id of the token the request came with; empty for
	// the operator.
	TokenID string
}

// OperatorPartyID names the operator where a party id is expected.
const OperatorPartyID = "operator"

type actorKey struct{}

// WithActor returns ctx carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFromContext returns the Actor in ctx and whether there was one.
func ActorFromContext(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}
