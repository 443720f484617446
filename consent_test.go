package safezones_test

import (
	"encoding/json"
	"testing"

	"github.com/safezones/safezones"
)

func TestParseConsentPolicy(t *testing.T) {
	valid := []string{
		`"syria"`,
		`{"all":["syria"]}`,
		`{"any":["russia","turkey"]}`,
		`{"at_least":2,"of":["russia","turkey","iran"]}`,
		`{"all":["syria",{"at_least":2,"of":["russia","turkey","iran"]}]}`,
		`{"any":[{"all":["syria","russia"]},{"all":["syria","turkey"]}]}`,
	}
	for _, in := range valid {
		p, err := safezones.ParseConsentPolicy([]byte(in))
		if err != nil {
			t.Errorf("ParseConsentPolicy(%s) = %v", in, err)
			continue
		}
		out, err := json.Marshal(p)
		if err != nil || string(out) != in {
			t.Errorf("Marshal(ParseConsentPolicy(%s)) = %s, %v; want it unchanged", in, out, err)
		}
	}
	invalid := []struct {
		name, in, field string
	}{
		{"not JSON", `{"all":[`, ""},
		{"a number", `42`, ""},
		{"null", `null`, ""},
		{"empty object", `{}`, ""},
		{"unknown operator", `{"none":["syria"]}`, "none"},
		{"two operators", `{"all":["syria"],"any":["russia"]}`, ""},
		{"empty list", `{"all":[]}`, "all"},
		{"not a list", `{"any":"syria"}`, "any"},
		{"bad party id", `{"all":["Syria Arab Republic"]}`, "all[0]"},
		{"duplicate party", `{"any":["russia","turkey","russia"]}`, "any[2]"},
		{"at_least without of", `{"at_least":1}`, "of"},
		{"of without at_least", `{"of":["russia"]}`, "at_least"},
		{"at_least zero", `{"at_least":0,"of":["russia"]}`, "at_least"},
		{"at_least above the list", `{"at_least":3,"of":["russia","turkey"]}`, "at_least"},
		{"at_least fractional", `{"at_least":1.5,"of":["russia","turkey"]}`, "at_least"},
		{"at_least a string", `{"at_least":"2","of":["russia","turkey"]}`, "at_least"},
		{"nested error path", `{"all":["syria",{"at_least":2,"of":["russia",7]}]}`, "all[1].of[1]"},
		{"nested unknown operator", `{"all":["syria",{"most":["russia"]}]}`, "all[1].most"},
		{"too deep", `{"all":[{"all":[{"all":[{"all":[{"all":[{"all":[{"all":[{"all":["x"]}]}]}]}]}]}]}]}`, "all[0].all[0].all[0].all[0].all[0].all[0].all[0].all[0]"},
		{"trailing data", `{"all":["syria"]} {}`, ""},
	}
	for _, tc := range invalid {
		_, err := safezones.ParseConsentPolicy([]byte(tc.in))
		e, ok := err.(*safezones.Error)
		if !ok || e.Code != safezones.CodeInvalid || e.Field != tc.field {
			t.Errorf("%s: ParseConsentPolicy(%s) = %v; want invalid at field %q", tc.name, tc.in, err, tc.field)
		}
	}
}

func TestMemberRoleIncludes(t *testing.T) {
	cases := []struct {
		have, need safezones.MemberRole
		want       bool
	}{
		{safezones.RoleAdmin, safezones.RoleSigner, true},
		{safezones.RoleSigner, safezones.RoleSigner, true},
		{safezones.RoleSigner, safezones.RoleAdmin, false},
		{safezones.RoleReporter, safezones.RoleSigner, false},
		{safezones.RoleViewer, safezones.RoleReporter, false},
		{"root", safezones.RoleViewer, false},
		{safezones.RoleAdmin, "root", false},
	}
	for _, tc := range cases {
		if got := tc.have.Includes(tc.need); got != tc.want {
			t.Errorf("%q.Includes(%q) = %v, want %v", tc.have, tc.need, got, tc.want)
		}
	}
}

func TestParseToken(t *testing.T) {
	plain, id, hash, err := safezones.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	gotID, gotHash, ok := safezones.ParseToken(plain)
	if !ok || gotID != id || gotHash != hash {
		t.Fatalf("ParseToken(NewToken()) = %q, %x, %v; want %q, %x", gotID, gotHash, ok, id, hash)
	}
	for _, bad := range []string{"", "sz_", plain + "a", plain[:len(plain)-1], "xx" + plain[2:], plain[:19] + "-" + plain[20:], plain[:5] + "A" + plain[6:]} {
		if _, _, ok := safezones.ParseToken(bad); ok {
			t.Errorf("ParseToken(%q) accepted a malformed token", bad)
		}
	}
}
