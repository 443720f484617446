package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// apiClient talks to a safezones server for the commands that act through
// the API (party, keys, zone approve …). The token is sent, never printed.
type apiClient struct {
	base  string
	token string
	http  *http.Client
}

// serverFlags registers --server and --token on fs, defaulting to
// SAFEZONES_SERVER (else the demo's address) and SAFEZONES_TOKEN.
func serverFlags(e *environment, fs *flag.FlagSet) (server, token *string) {
	def := e.getenv("SAFEZONES_SERVER")
	if def == "" {
		def = "http://127.0.0.1:8080"
	}
	server = fs.String("server", def, "base `URL` of the safezones server [SAFEZONES_SERVER]")
	token = fs.String("token", e.getenv("SAFEZONES_TOKEN"), "bearer `token`: a member's sz_… token or the operator's [SAFEZONES_TOKEN]; prefer the variable, flags show in ps")
	return server, token
}

func newAPIClient(server, token string) (*apiClient, error) {
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usagef("--server %q is not an http(s) URL", server)
	}
	return &apiClient{base: strings.TrimSuffix(server, "/"), token: token, http: &http.Client{Timeout: 30 * time.Second}}, nil
}

// apiError is an error answer of the server.
type apiError struct {
	Status  int
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field"`
}

func (e *apiError) Error() string {
	s := fmt.Sprintf("server refused (%d %s): %s", e.Status, e.Code, e.Message)
	if e.Field != "" {
		s += " [field " + e.Field + "]"
	}
	return s
}

// do sends in (JSON, when not nil) and decodes a 2xx answer into out.
func (c *apiClient) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error apiError `json:"error"`
		}
		if json.Unmarshal(b, &e) != nil || e.Error.Message == "" {
			return fmt.Errorf("%s %s: %s", method, path, resp.Status)
		}
		e.Error.Status = resp.StatusCode
		return &e.Error
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// me returns whom the client's token acts for.
func (c *apiClient) me(ctx context.Context) (meAnswer, error) {
	var m meAnswer
	if c.token == "" {
		return m, usagef("no token: give --token or set SAFEZONES_TOKEN")
	}
	err := c.do(ctx, http.MethodGet, "/v1/me", nil, &m)
	return m, err
}

type meAnswer struct {
	PartyID  string `json:"party_id"`
	MemberID string `json:"member_id"`
	Role     string `json:"role"`
	Operator bool   `json:"operator"`
}

// partyOf returns the party to act for: given, or the token's own. The
// operator acts for no party and must name one.
// newPartyClient returns a client of server with token, and the party the
// command acts for: given, or the token's own (asked of the server).
func newPartyClient(ctx context.Context, server, token, given string) (*apiClient, string, error) {
	cl, err := newAPIClient(server, token)
	if err != nil {
		return nil, "", err
	}
	p, err := cl.partyOf(ctx, given)
	if err != nil {
		return nil, "", err
	}
	return cl, p, nil
}

func (c *apiClient) partyOf(ctx context.Context, given string) (string, error) {
	if given != "" {
		return given, nil
	}
	m, err := c.me(ctx)
	if err != nil {
		return "", err
	}
	if m.Operator {
		return "", usagef("the operator token acts for no party: give --party")
	}
	return m.PartyID, nil
}
