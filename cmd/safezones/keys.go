package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"text/tabwriter"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/consent"
)

type keysCmd struct{ env *environment }

const keysUsage = `Usage: safezones keys <generate|register|list|revoke> [flags]

A party signs its decisions with an ed25519 key pair made on its own side:
the private key stays in a file only the party holds; the server stores the
public key, with its key id, and logs it in the ledger.

Commands:
  generate  make a key pair: write the private key to a file (mode 0600),
            print the public key and the key id
  register  register a public key for a party (an admin of the party)
  list      list a party's public keys, revoked ones included
  revoke    revoke a key: decisions signed with it are refused from then on

Rotate a key by registering the new one, then revoking the old one.

Examples:
  safezones keys generate --out syria.key
  safezones keys register --key syria.key
  safezones keys list --party syria
  safezones keys revoke 9c1f0e7a5b3d2c14
`

func (c *keysCmd) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(c.env.stderr, keysUsage)
		return usagef("keys needs a subcommand")
	}
	switch args[0] {
	case "generate":
		return c.generate(args[1:])
	case "register":
		return c.register(ctx, args[1:])
	case "list":
		return c.list(ctx, args[1:])
	case "revoke":
		return c.revoke(ctx, args[1:])
	case "-h", "--help", "-help", "help":
		fmt.Fprint(c.env.stdout, keysUsage)
		return nil
	}
	return usagef("unknown keys command %q", args[0])
}

const keysGenerateUsage = `Usage: safezones keys generate --out FILE

Makes an ed25519 key pair. Writes the private key to FILE (PKCS #8 PEM,
mode 0600; an existing file is never overwritten) and prints the public
key (base64) and its key id (the first 8 bytes of its SHA-256, hex).
Keep FILE on the party's side; only the public key goes to the server.

Examples:
  safezones keys generate --out syria.key
`

func (c *keysCmd) generate(args []string) error {
	fs := newFlagSet(c.env, "keys generate", keysGenerateUsage)
	out := fs.String("out", "", "write the private key to this new `file`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		return usagef("keys generate needs --out FILE and no arguments")
	}
	pub, priv, err := consent.GenerateKey()
	if err != nil {
		return err
	}
	if err := consent.WritePrivateKeyFile(*out, priv); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s exists: choose a new file (a key file is never overwritten)", *out)
		}
		return err
	}
	fmt.Fprintf(c.env.stdout, "key id:     %s\npublic key: %s\n", consent.KeyID(pub), consent.EncodePublicKey(pub))
	fmt.Fprintf(c.env.stdout, "private key written to %s (mode 0600): keep it on your side, never send it.\n", *out)
	fmt.Fprintf(c.env.stdout, "register the public key with:\n  safezones keys register --key %s\n", *out)
	return nil
}

const keysRegisterUsage = `Usage: safezones keys register [--server URL] [--token TOKEN] [--party P] (--key FILE | --public-key BASE64)

Registers a public key for a party: the token's own party unless --party
names another (the operator must). Needs an admin of the party or the
operator. With --key, the public key is derived from the private key file,
which is read locally and never sent.

Examples:
  safezones keys register --key syria.key
  safezones keys register --party syria --public-key 0Yk1DnVQ3mUq0yVb7y5Y0mFJ5o0s5pX9lq1c9c2m0aE=
`

func (c *keysCmd) register(ctx context.Context, args []string) error {
	fs := newFlagSet(c.env, "keys register", keysRegisterUsage)
	server, token := serverFlags(c.env, fs)
	party := fs.String("party", "", "the `party` the key is for (default: the token's)")
	keyFile := fs.String("key", "", "derive the public key from this private key `file`")
	pubKey := fs.String("public-key", "", "the `base64` public key that keys generate printed")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if (*keyFile == "") == (*pubKey == "") || fs.NArg() > 0 {
		return usagef("keys register needs exactly one of --key FILE and --public-key BASE64, and no arguments")
	}
	var pub []byte
	if *keyFile != "" {
		priv, err := consent.ReadPrivateKeyFile(*keyFile)
		if err != nil {
			return err
		}
		pub = priv.Public().(ed25519.PublicKey)
	} else {
		p, err := consent.ParsePublicKey(*pubKey)
		if err != nil {
			return usagef("--public-key: %v", err)
		}
		pub = p
	}
	cl, p, err := newPartyClient(ctx, *server, *token, *party)
	if err != nil {
		return err
	}
	var k safezones.PartyKey
	if err := cl.do(ctx, http.MethodPost, "/v1/parties/"+url.PathEscape(p)+"/keys", map[string]string{"public_key": consent.EncodePublicKey(pub)}, &k); err != nil {
		return err
	}
	fmt.Fprintf(c.env.stdout, "registered key %s for %s\n", k.ID, k.PartyID)
	return nil
}

const keysListUsage = `Usage: safezones keys list [--server URL] [--token TOKEN] [--party P]

Lists a party's public keys, revoked ones included.

Examples:
  safezones keys list --party syria
`

func (c *keysCmd) list(ctx context.Context, args []string) error {
	fs := newFlagSet(c.env, "keys list", keysListUsage)
	server, token := serverFlags(c.env, fs)
	party := fs.String("party", "", "the `party` (default: the token's)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cl, p, err := newPartyClient(ctx, *server, *token, *party)
	if err != nil {
		return err
	}
	var out struct {
		Keys []safezones.PartyKey `json:"keys"`
	}
	if err := cl.do(ctx, http.MethodGet, "/v1/parties/"+url.PathEscape(p)+"/keys", nil, &out); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY ID\tCREATED\tREVOKED\tPUBLIC KEY")
	for _, k := range out.Keys {
		revoked := "-"
		if !k.RevokedAt.IsZero() {
			revoked = k.RevokedAt.Format("2006-01-02T15:04:05Z")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.ID, k.CreatedAt.Format("2006-01-02T15:04:05Z"), revoked, consent.EncodePublicKey(k.PublicKey))
	}
	return tw.Flush()
}

const keysRevokeUsage = `Usage: safezones keys revoke [--server URL] [--token TOKEN] [--party P] KEY-ID

Revokes a party's key: decisions signed with it are refused from now on;
those recorded before stay valid. Needs an admin of the party or the
operator.

Examples:
  safezones keys revoke 9c1f0e7a5b3d2c14
`

func (c *keysCmd) revoke(ctx context.Context, args []string) error {
	fs := newFlagSet(c.env, "keys revoke", keysRevokeUsage)
	server, token := serverFlags(c.env, fs)
	party := fs.String("party", "", "the `party` (default: the token's)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("keys revoke needs exactly one KEY-ID")
	}
	cl, p, err := newPartyClient(ctx, *server, *token, *party)
	if err != nil {
		return err
	}
	var k safezones.PartyKey
	if err := cl.do(ctx, http.MethodPost, "/v1/parties/"+url.PathEscape(p)+"/keys/"+url.PathEscape(fs.Arg(0))+"/revoke", nil, &k); err != nil {
		return err
	}
	fmt.Fprintf(c.env.stdout, "revoked key %s of %s at %s\n", k.ID, k.PartyID, k.RevokedAt.Format("2006-01-02T15:04:05Z"))
	return nil
}
