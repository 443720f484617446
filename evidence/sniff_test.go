package evidence

import (
	"bytes"
	"errors"
	"image/color"
	"mime"
	"strings"
	"testing"
)

func TestDetectMediaType(t *testing.T) {
	for _, tc := range []struct {
		name string
		head []byte
		want string
	}{
		{"jpeg", encodeJPEG(t, gradient(4, 4)), TypeJPEG},
		{"png", encodePNG(t, gradient(4, 4)), TypePNG},
		{"gif", encodeGIF(t, gradient(4, 4)), TypeGIF},
		{"webp lossless", solidWebP(4, 4, color.NRGBA{1, 2, 3, 255}), TypeWebP},
		{"mp4 isom", ftyp("isom", "isom", "iso2", "avc1", "mp41"), TypeMP4},
		{"mp4 mp42 major, no mp4 compatible brand", ftyp("mp42", "isom"), TypeMP4},
		{"mp4 isom alone (missed by net/http)", ftyp("isom", "isom"), TypeMP4},
		{"mp4 unknown major, known compatible", ftyp("xxxx", "yyyy", "avc1"), TypeMP4},
		{"quicktime", ftyp("qt  ", "qt  "), TypeQuickTime},
		{"heic", ftyp("heic", "mif1", "heic"), "image/heic"},
		{"avif", ftyp("avif", "mif1", "avif"), "image/avif"},
		{"3gp", ftyp("3gp4", "isom", "3gp4"), "video/3gpp"},
		{"ftyp with no known brand", ftyp("abcd", "efgh"), "application/octet-stream"},
		{"ftyp box too short", []byte("\x00\x00\x00\x08ftypqt  \x00\x00\x00\x00"), "application/octet-stream"},
		{"webm", ebml("webm"), TypeWebM},
		{"matroska", ebml("matroska"), "video/x-matroska"},
		{"ebml without doctype", ebml(""), "video/x-matroska"},
		{"ebml truncated", []byte{0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42}, "video/x-matroska"},
		{"pdf", pdf, TypePDF},
		{"text", []byte("hello\n"), "text/plain"},
		{"html", []byte("<html><body>x</body></html>"), "text/html"},
		{"empty", nil, "text/plain"},
		{"binary", []byte{0, 1, 2, 3, 0xFE}, "application/octet-stream"},
	} {
		if got := DetectMediaType(tc.head); got != tc.want {
			t.Errorf("DetectMediaType(%s) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestDetectMediaTypeReadsOnlySniffLen(t *testing.T) {
	// An EBML header of unknown size whose Void element pads the DocType
	// to offset voidLen+8: seen before SniffLen, not after it.
	withVoid := func(voidLen int) []byte {
		head := []byte{0x1A, 0x45, 0xDF, 0xA3, 0xFF, 0xEC, 0x40 | byte(voidLen>>8), byte(voidLen)}
		head = append(head, make([]byte, voidLen)...)
		return append(head, 0x42, 0x82, 0x84, 'w', 'e', 'b', 'm')
	}
	if got := DetectMediaType(withVoid(400)); got != TypeWebM {
		t.Errorf("DetectMediaType(DocType at byte 408) = %q, want video/webm", got)
	}
	if got := DetectMediaType(withVoid(504)); got != "video/x-matroska" {
		t.Errorf("DetectMediaType(DocType at byte 512) = %q, want video/x-matroska", got)
	}
}

func TestCheckDeclared(t *testing.T) {
	for _, tc := range []struct {
		declared, detected string
		ok                 bool
	}{
		{"", TypePNG, true},
		{"  ", TypePNG, true},
		{"image/png", TypePNG, true},
		{"Image/PNG", TypePNG, true},
		{"image/x-png", TypePNG, true},
		{"image/pjpeg", TypeJPEG, true},
		{"application/x-pdf", TypePDF, true},
		{"video/x-m4v", TypeMP4, true},
		{"binary/octet-stream", TypeWebM, true},
		{"image/png", TypeJPEG, false},
		{"video/webm", "video/x-matroska", false},
		{"image/", TypePNG, false},
		{"png", TypePNG, false},
	} {
		err := checkDeclared(tc.declared, tc.detected)
		if tc.ok != (err == nil) || (err != nil && !errors.Is(err, ErrTypeMismatch)) {
			t.Errorf("checkDeclared(%q, %q) = %v, want ok %v", tc.declared, tc.detected, err, tc.ok)
		}
	}
}

func TestEBMLVint(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		v    int64
		size int
	}{
		{[]byte{0x81}, 1, 1},
		{[]byte{0xFF}, -1, 1},
		{[]byte{0x40, 0x02}, 2, 2},
		{[]byte{0x7F, 0xFF}, -1, 2},
		{[]byte{0x01, 0, 0, 0, 0, 0, 0, 0x05}, 5, 8},
		{[]byte{0x40}, 0, 0},
		{[]byte{0x00}, 0, 0},
		{nil, 0, 0},
	} {
		if v, n := ebmlVint(tc.in); v != tc.v || n != tc.size {
			t.Errorf("ebmlVint(% x) = %d, %d; want %d, %d", tc.in, v, n, tc.v, tc.size)
		}
	}
}

// magics are the leading bytes each allowed type must start with (at
// offset 4 for ISO media files): DetectMediaType never names an allowed
// type for content that lacks them.
var magics = map[string]struct {
	off   int
	magic [][]byte
}{
	TypeJPEG:      {0, [][]byte{{0xFF, 0xD8, 0xFF}}},
	TypePNG:       {0, [][]byte{[]byte("\x89PNG\r\n\x1a\n")}},
	TypeGIF:       {0, [][]byte{[]byte("GIF87a"), []byte("GIF89a")}},
	TypeWebP:      {0, [][]byte{[]byte("RIFF")}},
	TypeMP4:       {4, [][]byte{[]byte("ftyp")}},
	TypeQuickTime: {4, [][]byte{[]byte("ftyp")}},
	TypeWebM:      {0, [][]byte{ebmlMagic}},
	TypePDF:       {0, [][]byte{[]byte("%PDF-")}},
}

func FuzzDetectMediaType(f *testing.F) {
	// The seeds are in testdata/fuzz/FuzzDetectMediaType; these add the
	// generated samples of the other tests.
	f.Add(encodePNG(f, gradient(3, 3)))
	f.Add(solidWebP(3, 3, color.NRGBA{9, 9, 9, 255}))
	f.Add(ebml("webm"))
	f.Fuzz(func(t *testing.T, head []byte) {
		got := DetectMediaType(head)
		mt, params, err := mime.ParseMediaType(got)
		if err != nil || mt != got || len(params) != 0 {
			t.Fatalf("DetectMediaType = %q, not a bare media type (%v)", got, err)
		}
		if long := append(bytes.Clone(head), make([]byte, SniffLen)...); len(head) >= SniffLen && DetectMediaType(long) != got {
			t.Errorf("bytes past SniffLen changed the answer from %q", got)
		}
		if m, ok := magics[got]; ok {
			found := false
			for _, magic := range m.magic {
				found = found || (len(head) >= m.off && bytes.HasPrefix(head[m.off:], magic))
			}
			if !found {
				t.Errorf("DetectMediaType = %s for content without its magic: % x", got, head[:min(len(head), 16)])
			}
		}
		if got == TypeWebM {
			if dt, _ := ebmlDocType(head); dt != "webm" {
				t.Errorf("video/webm with DocType %q", dt)
			}
		}
		if err := checkDeclared(got, got); err != nil {
			t.Errorf("checkDeclared(%q, itself) = %v", got, err)
		}
		if strings.ContainsAny(got, " \t\r\n") {
			t.Errorf("DetectMediaType = %q has white space", got)
		}
	})
}
