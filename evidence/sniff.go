package evidence

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"mime"
	"net/http"
	"strings"
)

// SniffLen is how many leading bytes DetectMediaType looks at; later bytes
// never change its answer.
const SniffLen = 512

// DetectMediaType returns the media type of content that starts with head,
// without parameters: "image/jpeg", "video/mp4", "application/octet-stream"
// when nothing matches. It reads at most SniffLen bytes of head.
//
// It is net/http.DetectContentType with two corrections for video. ISO
// base media files (a leading "ftyp" box) are told apart by their brands:
// QuickTime ("qt  "), MP4 (isom, mp41, mp42, avc1, …), and HEIF/AVIF
// stills, which DetectContentType calls application/octet-stream unless a
// brand starts with "mp4". EBML files are video/webm only when their header
// declares DocType "webm"; any other DocType, or none (whose default is
// "matroska"), is video/x-matroska, where DetectContentType says
// video/webm for both.
func DetectMediaType(head []byte) string {
	if len(head) > SniffLen {
		head = head[:SniffLen]
	}
	if t := isoMediaType(head); t != "" {
		return t
	}
	if docType, ok := ebmlDocType(head); ok {
		if docType == "webm" {
			return TypeWebM
		}
		return "video/x-matroska"
	}
	t := http.DetectContentType(head)
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = strings.TrimSpace(t[:i])
	}
	return t
}

// brandTypes maps ISO base media file format brands (ISO/IEC 14496-12
// "ftyp" box) to media types. Brands are four bytes, space padded.
var brandTypes = map[string]string{
	"qt  ": TypeQuickTime,
	"isom": TypeMP4, "iso2": TypeMP4, "iso3": TypeMP4, "iso4": TypeMP4,
	"iso5": TypeMP4, "iso6": TypeMP4, "iso7": TypeMP4, "iso8": TypeMP4,
	"iso9": TypeMP4, "mp41": TypeMP4, "mp42": TypeMP4, "mp71": TypeMP4,
	"avc1": TypeMP4, "dash": TypeMP4, "mmp4": TypeMP4, "msnv": TypeMP4,
	"M4V ": TypeMP4, "M4VH": TypeMP4, "M4VP": TypeMP4, "f4v ": TypeMP4,
	"3gp4": "video/3gpp", "3gp5": "video/3gpp", "3gp6": "video/3gpp",
	"3g2a": "video/3gpp2",
	"M4A ": "audio/mp4", "M4B ": "audio/mp4",
	"avif": "image/avif", "avis": "image/avif",
	"heic": "image/heic", "heix": "image/heic", "heim": "image/heic",
	"heis": "image/heic", "hevc": "image/heic-sequence", "hevx": "image/heic-sequence",
	"mif1": "image/heif", "msf1": "image/heif-sequence",
}

// isoMediaType returns the media type of an ISO base media file whose
// first box is "ftyp", judged by its major brand and then by its
// compatible brands in order; "" when head is no such file or names no
// brand in brandTypes.
func isoMediaType(head []byte) string {
	if len(head) < 16 || string(head[4:8]) != "ftyp" {
		return ""
	}
	size := binary.BigEndian.Uint32(head[:4])
	if size < 16 {
		// 0 (to end of file) and 1 (64-bit size) are legal box sizes but
		// no writer uses them for ftyp; anything else below 16 is broken.
		return ""
	}
	end := len(head)
	if uint64(size) < uint64(end) {
		end = int(size)
	}
	if t := brandTypes[string(head[8:12])]; t != "" {
		return t
	}
	// head[12:16] is the minor version, not a brand.
	for p := 16; p+4 <= end; p += 4 {
		if t := brandTypes[string(head[p:p+4])]; t != "" {
			return t
		}
	}
	return ""
}

var ebmlMagic = []byte{0x1A, 0x45, 0xDF, 0xA3}

// ebmlDocType reports whether head starts with an EBML header (RFC 8794)
// and, if so, the DocType it declares, "" when the header within head
// declares none.
func ebmlDocType(head []byte) (string, bool) {
	if !bytes.HasPrefix(head, ebmlMagic) {
		return "", false
	}
	p := len(ebmlMagic)
	size, n := ebmlVint(head[p:])
	if n == 0 {
		return "", true
	}
	p += n
	end := len(head)
	if size >= 0 && size < int64(end-p) {
		end = p + int(size)
	}
	for p < end {
		idLen := ebmlLen(head[p])
		if idLen == 0 || idLen > 4 || p+idLen > end {
			break
		}
		id := head[p : p+idLen]
		p += idLen
		size, n := ebmlVint(head[p:end])
		if n == 0 || size < 0 || size > int64(end-p-n) {
			break
		}
		p += n
		if idLen == 2 && id[0] == 0x42 && id[1] == 0x82 {
			return string(bytes.TrimRight(head[p:p+int(size)], "\x00")), true
		}
		p += int(size)
	}
	return "", true
}

// ebmlLen returns the length of the variable-size integer whose first byte
// is b: one more than its leading zero bits, 0 when b is zero.
func ebmlLen(b byte) int {
	for i := range 8 {
		if b&(0x80>>i) != 0 {
			return i + 1
		}
	}
	return 0
}

// ebmlVint decodes the variable-size integer at the start of b and returns
// its value (-1 for the reserved "unknown size") and its length, or a
// length of 0 when b does not hold a whole one.
func ebmlVint(b []byte) (int64, int) {
	if len(b) == 0 {
		return 0, 0
	}
	n := ebmlLen(b[0])
	if n == 0 || n > len(b) {
		return 0, 0
	}
	v := uint64(b[0]) & (0xFF >> n)
	allOnes := v == 0xFF>>n
	for _, c := range b[1:n] {
		v = v<<8 | uint64(c)
		allOnes = allOnes && c == 0xFF
	}
	if allOnes {
		return -1, n
	}
	return int64(v), n
}

// declaredAliases maps media types that clients send for a type to the
// name DetectMediaType gives it.
var declaredAliases = map[string]string{
	"image/jpg":         TypeJPEG,
	"image/pjpeg":       TypeJPEG,
	"image/x-png":       TypePNG,
	"application/x-pdf": TypePDF,
	"video/x-m4v":       TypeMP4,
}

// checkDeclared returns nil when the client's declared Content-Type agrees
// with the detected type or makes no claim ("", application/octet-stream),
// and otherwise an error wrapping ErrTypeMismatch naming both.
func checkDeclared(declared, detected string) error {
	if strings.TrimSpace(declared) == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(declared)
	if err != nil {
		return fmt.Errorf("declared content type %q is not a media type: %w", declared, ErrTypeMismatch)
	}
	if a, ok := declaredAliases[mt]; ok {
		mt = a
	}
	if mt == "application/octet-stream" || mt == "binary/octet-stream" || mt == detected {
		return nil
	}
	return fmt.Errorf("declared %s but the content is %s: %w", mt, detected, ErrTypeMismatch)
}
