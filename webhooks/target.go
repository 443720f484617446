package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"

	"github.com/safezones/safezones"
)

// ErrForbiddenTarget is wrapped by the error of a connection refused
// because the address it would reach is internal and not allow-listed.
var ErrForbiddenTarget = errors.New("webhook target is not allowed")

// Allowlist holds the operator's exceptions to the rule that webhooks may
// reach only public addresses. Without it (a nil *Allowlist is valid and
// empty), loopback, private (RFC 1918, fc00::/7), link-local (including
// the cloud metadata address 169.254.169.254), unspecified, multicast,
// shared (100.64.0.0/10), documentation, benchmarking and reserved
// addresses are refused, so that a subscriber cannot make the server probe
// or call services on its own network.
type Allowlist struct {
	prefixes []netip.Prefix
	hosts    map[string]bool
}

// ParseAllowlist reads entries that are each a CIDR prefix
// ("10.20.0.0/16", "fd00::/8"), an address ("127.0.0.1", "::1"), or a host
// name ("hooks.internal": any address it resolves to is allowed, as the
// operator vouches for that name). An entry that is none of these is an
// error naming its index.
func ParseAllowlist(entries []string) (*Allowlist, error) {
	a := &Allowlist{hosts: map[string]bool{}}
	for i, e := range entries {
		e = strings.TrimSpace(e)
		if p, err := netip.ParsePrefix(e); err == nil {
			a.prefixes = append(a.prefixes, p.Masked())
			continue
		}
		if ip, err := netip.ParseAddr(e); err == nil {
			a.prefixes = append(a.prefixes, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
			continue
		}
		host := normalHost(e)
		if !validHostName(host) {
			return nil, fmt.Errorf("webhook allow-list entry [%d] %q is not a CIDR prefix, an address or a host name", i, e)
		}
		a.hosts[host] = true
	}
	return a, nil
}

func normalHost(h string) string { return strings.TrimSuffix(strings.ToLower(h), ".") }

func validHostName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// AllowsHost reports whether host is allow-listed by name.
func (a *Allowlist) AllowsHost(host string) bool {
	return a != nil && a.hosts[normalHost(host)]
}

// CheckAddr returns nil when ip may be reached: it is public, or inside an
// allow-listed prefix; else an error wrapping ErrForbiddenTarget that
// says which kind of address it is.
func (a *Allowlist) CheckAddr(ip netip.Addr) error {
	ip = ip.Unmap()
	reason := internalReason(ip)
	if reason == "" {
		return nil
	}
	if a != nil {
		for _, p := range a.prefixes {
			if p.Contains(ip) {
				return nil
			}
		}
	}
	return fmt.Errorf("%w: %s is a %s address (allow-list it to permit)", ErrForbiddenTarget, ip, reason)
}

// blocked lists internal ranges beyond those netip.Addr classifies.
var blocked = []struct {
	prefix netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "this-network"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared (carrier-grade NAT)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
	{netip.MustParsePrefix("fec0::/10"), "site-local"},
	{netip.MustParsePrefix("100::/64"), "discard"},
}

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// internalReason names the kind of a non-public address, "" for a public
// one. IPv6 forms that embed an IPv4 address (NAT64, 6to4) are judged by
// that address.
func internalReason(ip netip.Addr) string {
	switch {
	case !ip.IsValid():
		return "invalid"
	case ip.IsLoopback():
		return "loopback"
	case ip.IsPrivate():
		return "private"
	case ip.IsLinkLocalUnicast():
		return "link-local"
	case ip.IsMulticast():
		return "multicast"
	case ip.IsUnspecified():
		return "unspecified"
	}
	for _, b := range blocked {
		if b.prefix.Contains(ip) {
			return b.reason
		}
	}
	b := ip.As16()
	switch {
	case nat64.Contains(ip):
		return internalReason(netip.AddrFrom4([4]byte(b[12:16])))
	case sixToFour.Contains(ip):
		return internalReason(netip.AddrFrom4([4]byte(b[2:6])))
	}
	return ""
}

// CheckTarget checks a subscription URL against the rules of a nil
// (empty) Allowlist; see (*Allowlist).CheckTarget.
func CheckTarget(ctx context.Context, rawURL string) error {
	return (*Allowlist)(nil).CheckTarget(ctx, rawURL)
}

// CheckTarget returns nil when rawURL is an absolute http or https URL
// whose host is allow-listed by name or resolves only to addresses that
// may be reached. Subscription creation calls it to refuse a bad target
// early; the dispatcher checks again at every connection, because what a
// name resolves to can change (DNS rebinding). Codes: invalid, field
// "url", saying why.
func (a *Allowlist) CheckTarget(ctx context.Context, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return safezones.FieldErrorf(safezones.CodeInvalid, "url", "url does not parse: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return safezones.FieldErrorf(safezones.CodeInvalid, "url", "url scheme must be http or https, not %q", u.Scheme)
	}
	host := u.Hostname()
	if host == "" {
		return safezones.FieldErrorf(safezones.CodeInvalid, "url", "url has no host")
	}
	if a.AllowsHost(host) {
		return nil
	}
	addrs, err := resolve(ctx, host)
	if err != nil {
		return safezones.FieldErrorf(safezones.CodeInvalid, "url", "url host %q does not resolve: %v", host, err)
	}
	for _, ip := range addrs {
		if err := a.CheckAddr(ip); err != nil {
			return safezones.FieldErrorf(safezones.CodeInvalid, "url", "url host %q: %v", host, err)
		}
	}
	return nil
}

func resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, nil
	}
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// dialContext connects to addr ("host:port" as the URL names it). A host
// allow-listed by name is dialled as is; any other connection is checked
// by the dialer's Control function against the address actually dialled,
// after resolution, so a name that resolves to a public address when
// checked and to an internal one when dialled is still refused.
func (a *Allowlist) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	d := &net.Dialer{}
	if !a.AllowsHost(host) {
		d.Control = a.control
	}
	return d.DialContext(ctx, network, addr)
}

// control is a net.Dialer Control function: it refuses to connect to an
// address that may not be reached.
func (a *Allowlist) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot read dialled address %q", ErrForbiddenTarget, address)
	}
	return a.CheckAddr(ap.Addr())
}
