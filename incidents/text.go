package incidents

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// Repair is a set of changes CleanText made to a text.
type Repair uint8

// The repairs CleanText makes.
const (
	// RepairedInvalidUTF8: bytes that were not UTF-8 were read as Windows-1252.
	RepairedInvalidUTF8 Repair = 1 << iota
	// RepairedControl: control characters other than tab and newline were removed.
	RepairedControl
	// RepairedMojibake: UTF-8 that had been read as Windows-1252 or Latin-1
	// ("Ã©" for "é") was decoded again.
	RepairedMojibake
	// RepairedNFC: the text was put in Unicode Normalization Form C.
	RepairedNFC
)

// Text is a cleaned text: Value is valid UTF-8 in NFC. When cleaning
// changed anything, Original holds the input as it was (Go-quoted when it
// was not valid UTF-8, so that it too can be stored as UTF-8 without loss)
// and Repairs says what was done.
type Text struct {
	Value    string `json:"value"`
	Original string `json:"original,omitempty"`
	Repairs  Repair `json:"repairs,omitempty"`
}

// maxMojibakeRounds bounds how many layers of double encoding are undone:
// text that went through two mis-decodings ("ÃƒÂ©") is common enough.
const maxMojibakeRounds = 3

// CleanText returns raw as a Text: invalid bytes read as Windows-1252,
// control characters (except tab, newline, carriage return) removed,
// mojibake repaired where RepairMojibake allows it, and NFC applied.
func CleanText(raw string) Text {
	var t Text
	s := raw
	if !utf8.ValidString(s) {
		s = decodeInvalid(s)
		t.Repairs |= RepairedInvalidUTF8
	}
	if c := dropControls(s); c != s {
		s = c
		t.Repairs |= RepairedControl
	}
	for range maxMojibakeRounds {
		fixed, ok := RepairMojibake(s)
		if !ok {
			break
		}
		s = fixed
		t.Repairs |= RepairedMojibake
	}
	if !norm.NFC.IsNormalString(s) {
		s = norm.NFC.String(s)
		t.Repairs |= RepairedNFC
	}
	t.Value = s
	if s != raw {
		t.Original = raw
		if t.Repairs&RepairedInvalidUTF8 != 0 {
			t.Original = strconv.Quote(raw)
		}
	}
	return t
}

// decodeInvalid keeps the valid UTF-8 runs of s and reads each byte that is
// not part of one as Windows-1252, the usual encoding of a stray non-UTF-8
// field (a Latin-1 "é" is the lone byte 0xE9).
func decodeInvalid(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			r = decodeByte1252(s[i])
		}
		b.WriteRune(r)
		i += n
	}
	return b.String()
}

// dropControls removes C0 and C1 control characters except tab, newline
// and carriage return; NUL in particular breaks storage and display.
func dropControls(s string) string {
	return strings.Map(func(r rune) rune {
		if r != '\t' && r != '\n' && r != '\r' && unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

// RepairMojibake undoes one layer of UTF-8 text that was decoded as
// Windows-1252 or Latin-1: "CafÃ©" becomes "Café", "Â©" becomes "©". It
// repairs only when that is unambiguous: every character of s maps to one
// Windows-1252 byte, those bytes are valid UTF-8 with at least one
// multi-byte character, the result holds no control or replacement
// characters, and encoding the result the wrong way again gives back s
// exactly. Otherwise it returns s and false.
func RepairMojibake(s string) (string, bool) {
	b, ok := encode1252(s)
	if !ok || !utf8.Valid(b) {
		return s, false
	}
	fixed := string(b)
	if fixed == s || strings.ContainsFunc(fixed, isSuspect) {
		return s, false
	}
	if !roundTrips(s, b) {
		return s, false
	}
	return fixed, true
}

// isSuspect reports runes a correct repair does not produce.
func isSuspect(r rune) bool {
	return r == utf8.RuneError || (r != '\t' && r != '\n' && r != '\r' && unicode.IsControl(r))
}

// encode1252 returns the Windows-1252 bytes of s, and false when some
// character has none or when s has no character above ASCII (nothing to
// repair). C1 controls U+0080–U+009F map to their own byte, as a Latin-1
// decoder would have produced them.
func encode1252(s string) ([]byte, bool) {
	b := make([]byte, 0, len(s))
	high := false
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			b = append(b, byte(r))
			continue
		case r <= 0x9F:
			b = append(b, byte(r))
		default:
			c, ok := charmap.Windows1252.EncodeRune(r)
			if !ok {
				return nil, false
			}
			b = append(b, c)
		}
		high = true
	}
	return b, high
}

// roundTrips reports whether reading b byte by byte as Windows-1252 (or,
// for 0x80–0x9F, as Latin-1) gives back exactly the characters of s.
func roundTrips(s string, b []byte) bool {
	i := 0
	for _, r := range s {
		if i >= len(b) {
			return false
		}
		c := b[i]
		if r != decodeByte1252(c) && r != rune(c) {
			return false
		}
		i++
	}
	return i == len(b)
}

// decodeByte1252 returns the character of byte c in Windows-1252; the five
// bytes it leaves undefined decode to the C1 control of the same value.
func decodeByte1252(c byte) rune {
	r := charmap.Windows1252.DecodeByte(c)
	if r == utf8.RuneError {
		return rune(c)
	}
	return r
}
