package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"text/tabwriter"
	"time"

	"github.com/safezones/safezones"
)

type partyCmd struct{ env *environment }

const partyUsage = `Usage: safezones party <command> [flags]

Manages parties and their members and API tokens through a server. The
operator token manages every party; an admin member manages its own.

Commands:
  list          list the parties
  create        register a party (operator)
  members       list a party's members
  add-member    add a member with a role: viewer, reporter, signer, admin
  set-role      change a member's role (never above your own)
  token         issue an API token for a member; it is shown once
  tokens        list a party's tokens (never their secrets)
  revoke-token  revoke a token

Every command takes --server URL [SAFEZONES_SERVER] and --token TOKEN
[SAFEZONES_TOKEN]; --party defaults to the token's own party.

Examples:
  safezones party list
  safezones party create --id syria --name "Syrian Arab Republic" --kind state --country SYR
  safezones party add-member --party syria --name "Liaison officer" --role signer
  safezones party token --party syria --member m-abcdefghijklmnop --expires 720h
  safezones party revoke-token --party syria 5k5qxxj3qdqxezek
`

func (c *partyCmd) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(c.env.stderr, partyUsage)
		return usagef("party needs a subcommand")
	}
	switch args[0] {
	case "list":
		return c.list(ctx, args[1:])
	case "create":
		return c.create(ctx, args[1:])
	case "members":
		return c.members(ctx, args[1:])
	case "add-member":
		return c.addMember(ctx, args[1:])
	case "set-role":
		return c.setRole(ctx, args[1:])
	case "token":
		return c.token(ctx, args[1:])
	case "tokens":
		return c.tokens(ctx, args[1:])
	case "revoke-token":
		return c.revokeToken(ctx, args[1:])
	case "-h", "--help", "-help", "help":
		fmt.Fprint(c.env.stdout, partyUsage)
		return nil
	}
	return usagef("unknown party command %q", args[0])
}

// client parses the flags of a party subcommand and returns a client and
// the --party value.
func (c *partyCmd) client(name, usage string, args []string, extra func(fs *flag.FlagSet)) (*apiClient, *string, []string, error) {
	fs := newFlagSet(c.env, "party "+name, usage)
	server, token := serverFlags(c.env, fs)
	party := fs.String("party", "", "the `party` (default: the token's own)")
	if extra != nil {
		extra(fs)
	}
	if err := parseFlags(fs, args); err != nil {
		return nil, nil, nil, err
	}
	cl, err := newAPIClient(*server, *token)
	return cl, party, fs.Args(), err
}

const partyListUsage = `Usage: safezones party list [--server URL]

Lists every party.

Examples:
  safezones party list --server http://127.0.0.1:8080
`

func (c *partyCmd) list(ctx context.Context, args []string) error {
	cl, _, rest, err := c.client("list", partyListUsage, args, nil)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("party list takes no arguments")
	}
	var out struct {
		Parties []safezones.Party `json:"parties"`
	}
	if err := cl.do(ctx, http.MethodGet, "/v1/parties", nil, &out); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tCOUNTRY\tSOURCE\tNAME")
	for _, p := range out.Parties {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.ID, p.Kind, orDash(p.Country), p.Source.Kind, p.Name)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

const partyCreateUsage = `Usage: safezones party create --id ID --name NAME --kind KIND [--country ISO3] [--source KIND]

Registers a party (operator token). Kinds: state, armed_group, un_agency,
ngo, monitor, funder.

Examples:
  safezones party create --id syria --name "Syrian Arab Republic" --kind state --country SYR
`

func (c *partyCmd) create(ctx context.Context, args []string) error {
	var id, name, kind, country, source *string
	cl, _, rest, err := c.client("create", partyCreateUsage, args, func(fs *flag.FlagSet) {
		id = fs.String("id", "", "the party `id` (a-z, 0-9, '-', '_')")
		name = fs.String("name", "", "the party's `name`")
		kind = fs.String("kind", "", "the party's `kind`")
		country = fs.String("country", "", "ISO 3166-1 alpha-3 `code` of a state")
		source = fs.String("source", "", "source `kind`: real, simulated or operator (default operator)")
	})
	if err != nil {
		return err
	}
	if len(rest) > 0 || *id == "" || *name == "" || *kind == "" {
		return usagef("party create needs --id, --name and --kind, and no arguments")
	}
	in := map[string]any{"id": *id, "name": *name, "kind": *kind}
	if *country != "" {
		in["country"] = *country
	}
	if *source != "" {
		in["source"] = map[string]string{"kind": *source}
	}
	var p safezones.Party
	if err := cl.do(ctx, http.MethodPost, "/v1/parties", in, &p); err != nil {
		return err
	}
	fmt.Fprintf(c.env.stdout, "created party %s (%s)\n", p.ID, p.Kind)
	return nil
}

const partyMembersUsage = `Usage: safezones party members [--party P]

Lists a party's members (its own members and the operator only).

Examples:
  safezones party members --party syria
`

func (c *partyCmd) members(ctx context.Context, args []string) error {
	cl, party, rest, err := c.client("members", partyMembersUsage, args, nil)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("party members takes no arguments")
	}
	p, err := cl.partyOf(ctx, *party)
	if err != nil {
		return err
	}
	var out struct {
		Members []safezones.Member `json:"members"`
	}
	if err := cl.do(ctx, http.MethodGet, "/v1/parties/"+url.PathEscape(p)+"/members", nil, &out); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tROLE\tNAME")
	for _, m := range out.Members {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", m.ID, m.Role, m.Name)
	}
	return tw.Flush()
}

const partyAddMemberUsage = `Usage: safezones party add-member [--party P] --name NAME --role ROLE [--id ID]

Adds a member to a party (an admin of the party, or the operator). Roles,
each including the ones before: viewer, reporter, signer, admin.

Examples:
  safezones party add-member --party syria --name "Liaison officer" --role signer
`

func (c *partyCmd) addMember(ctx context.Context, args []string) error {
	var id, name, role *string
	cl, party, rest, err := c.client("add-member", partyAddMemberUsage, args, func(fs *flag.FlagSet) {
		id = fs.String("id", "", "the member `id` (generated when absent)")
		name = fs.String("name", "", "the member's `name`")
		role = fs.String("role", "", "the member's `role`")
	})
	if err != nil {
		return err
	}
	if len(rest) > 0 || *name == "" || !safezones.MemberRole(*role).Valid() {
		return usagef("party add-member needs --name and --role (one of %v), and no arguments", safezones.MemberRoles)
	}
	p, err := cl.partyOf(ctx, *party)
	if err != nil {
		return err
	}
	in := map[string]any{"name": *name, "role": *role}
	if *id != "" {
		in["id"] = *id
	}
	var m safezones.Member
	if err := cl.do(ctx, http.MethodPost, "/v1/parties/"+url.PathEscape(p)+"/members", in, &m); err != nil {
		return err
	}
	fmt.Fprintf(c.env.stdout, "added member %s to %s as %s\nissue a token with: safezones party token --party %s --member %s\n", m.ID, m.PartyID, m.Role, m.PartyID, m.ID)
	return nil
}

const partySetRoleUsage = `Usage: safezones party set-role [--party P] MEMBER ROLE

Changes a member's role (an admin of the party, or the operator). Nobody
grants a role above their own.

Examples:
  safezones party set-role --party syria m-abcdefghijklmnop viewer
`

func (c *partyCmd) setRole(ctx context.Context, args []string) error {
	cl, party, rest, err := c.client("set-role", partySetRoleUsage, args, nil)
	if err != nil {
		return err
	}
	if len(rest) != 2 || !safezones.MemberRole(rest[1]).Valid() {
		return usagef("party set-role needs MEMBER and ROLE (one of %v)", safezones.MemberRoles)
	}
	p, err := cl.partyOf(ctx, *party)
	if err != nil {
		return err
	}
	var m safezones.Member
	if err := cl.do(ctx, http.MethodPost, "/v1/parties/"+url.PathEscape(p)+"/members/"+url.PathEscape(rest[0])+"/role",
		map[string]string{"role": rest[1]}, &m); err != nil {
		return err
	}
	fmt.Fprintf(c.env.stdout, "member %s of %s is now %s\n", m.ID, m.PartyID, m.Role)
	return nil
}

const partyTokenUsage = `Usage: safezones party token [--party P] --member M [--name LABEL] [--expires DURATION]

Issues an API token for a member (an admin of the party, or the operator).
The token is printed once: the server keeps only its SHA-256 and cannot
show it again. It expires after --expires (default 2160h, 90 days; at most
8784h, 366 days).

Examples:
  safezones party token --party syria --member m-abcdefghijklmnop --name laptop --expires 720h
`

func (c *partyCmd) token(ctx context.Context, args []string) error {
	var member, name *string
	var expires *time.Duration
	cl, party, rest, err := c.client("token", partyTokenUsage, args, func(fs *flag.FlagSet) {
		member = fs.String("member", "", "the `member` the token acts as")
		name = fs.String("name", "", "a `label` for the token")
		expires = fs.Duration("expires", safezones.DefaultTokenLifetime, "lifetime `duration`")
	})
	if err != nil {
		return err
	}
	if len(rest) > 0 || *member == "" || *expires <= 0 {
		return usagef("party token needs --member and a positive --expires, and no arguments")
	}
	p, err := cl.partyOf(ctx, *party)
	if err != nil {
		return err
	}
	in := map[string]string{"name": *name, "expires_at": time.Now().Add(*expires).UTC().Format(time.RFC3339)}
	var out struct {
		safezones.Token
		Secret string `json:"token"`
	}
	if err := cl.do(ctx, http.MethodPost, "/v1/parties/"+url.PathEscape(p)+"/members/"+url.PathEscape(*member)+"/tokens", in, &out); err != nil {
		return err
	}
	fmt.Fprintf(c.env.stdout, "token %s for member %s of %s, expires %s.\n", out.ID, out.MemberID, out.PartyID, out.ExpiresAt.Format(time.RFC3339))
	fmt.Fprintf(c.env.stdout, "It is shown this once; store it now:\n  export SAFEZONES_TOKEN=%s\n", out.Secret)
	return nil
}

const partyTokensUsage = `Usage: safezones party tokens [--party P]

Lists a party's tokens, revoked and expired ones included, never their
secrets (an admin of the party, or the operator).

Examples:
  safezones party tokens --party syria
`

func (c *partyCmd) tokens(ctx context.Context, args []string) error {
	cl, party, rest, err := c.client("tokens", partyTokensUsage, args, nil)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("party tokens takes no arguments")
	}
	p, err := cl.partyOf(ctx, *party)
	if err != nil {
		return err
	}
	var out struct {
		Tokens []safezones.Token `json:"tokens"`
	}
	if err := cl.do(ctx, http.MethodGet, "/v1/parties/"+url.PathEscape(p)+"/tokens", nil, &out); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tMEMBER\tEXPIRES\tREVOKED\tNAME")
	for _, t := range out.Tokens {
		revoked := "-"
		if !t.RevokedAt.IsZero() {
			revoked = t.RevokedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.MemberID, t.ExpiresAt.Format(time.RFC3339), revoked, t.Name)
	}
	return tw.Flush()
}

const partyRevokeTokenUsage = `Usage: safezones party revoke-token [--party P] TOKEN-ID

Revokes a token: it is refused from now on. An admin of the party, the
operator, or the token's own member may revoke it.

Examples:
  safezones party revoke-token --party syria 5k5qxxj3qdqxezek
`

func (c *partyCmd) revokeToken(ctx context.Context, args []string) error {
	cl, party, rest, err := c.client("revoke-token", partyRevokeTokenUsage, args, nil)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("party revoke-token needs exactly one TOKEN-ID")
	}
	p, err := cl.partyOf(ctx, *party)
	if err != nil {
		return err
	}
	var t safezones.Token
	if err := cl.do(ctx, http.MethodPost, "/v1/parties/"+url.PathEscape(p)+"/tokens/"+url.PathEscape(rest[0])+"/revoke", nil, &t); err != nil {
		return err
	}
	fmt.Fprintf(c.env.stdout, "revoked token %s of member %s at %s\n", t.ID, t.MemberID, t.RevokedAt.Format(time.RFC3339))
	return nil
}
