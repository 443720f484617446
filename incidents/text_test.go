package incidents

import (
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestRepairMojibake(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"copyright", "Â©", "©", true},
		{"e acute", "CafÃ©", "Café", true},
		{"right quote via 1252", "Maâ€™arrat", "Ma’arrat", true},
		{"A grave via latin-1 C1", "Ã\u0080 la", "À la", true},
		{"arabic", "Ø¥Ø¯Ù„Ø¨", "إدلب", true},
		{"ascii", "Idlib", "Idlib", false},
		{"real latin-1 text", "café naïve", "café naïve", false},
		{"correct utf-8", "Ma’arrat", "Ma’arrat", false},
		{"arabic already right", "إدلب", "إدلب", false},
		{"mixed: not all repairable", "CafÃ© إدلب", "CafÃ© إدلب", false},
		{"would yield control", "Â\u0081", "Â\u0081", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := RepairMojibake(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("RepairMojibake(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Text
	}{
		{"clean", "Idlib", Text{Value: "Idlib"}},
		{"double mojibake", "CafÃƒÂ©", Text{Value: "Café", Original: "CafÃƒÂ©", Repairs: RepairedMojibake}},
		{"nfc", "Cafe\u0301", Text{Value: "Café", Original: "Cafe\u0301", Repairs: RepairedNFC}},
		{"latin-1 bytes", "Caf\xe9", Text{Value: "Café", Original: `"Caf\xe9"`, Repairs: RepairedInvalidUTF8}},
		{"nul", "a\x00b", Text{Value: "ab", Original: "a\x00b", Repairs: RepairedControl}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CleanText(tt.in); got != tt.want {
				t.Errorf("CleanText(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

// checkText fails unless t is valid UTF-8 in NFC.
func checkText(tb testing.TB, what string, t Text) {
	tb.Helper()
	if !utf8.ValidString(t.Value) || !norm.NFC.IsNormalString(t.Value) || !utf8.ValidString(t.Original) {
		tb.Errorf("%s: %+v is not valid UTF-8 in NFC", what, t)
	}
}
