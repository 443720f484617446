package evidence

import (
	"errors"
	"math"
	"slices"
	"strings"
)

// Blob names one stored file: SHA256 is the lower-case hex SHA-256 of its
// bytes (and its name in the store), Size its length in bytes, MediaType the
// type sniffed from its content ("image/jpeg"), without parameters.
type Blob struct {
	SHA256    string `json:"sha256"`
	Size      int64  `json:"size"`
	MediaType string `json:"media_type"`
}

// The conditions callers branch on. Each error this package returns for
// one of them wraps the sentinel with the detail (limit, type, hash).
var (
	// ErrTooLarge: the content is bigger than Limits.MaxBytes, or an image
	// has more pixels than Limits.MaxPixels.
	ErrTooLarge = errors.New("evidence too large")
	// ErrUnsupportedType: the media type sniffed from the content is not in
	// Limits.Allowed.
	ErrUnsupportedType = errors.New("evidence type not allowed")
	// ErrTypeMismatch: the client declared a media type that the content
	// contradicts, or declared something that is not a media type.
	ErrTypeMismatch = errors.New("declared type does not match the content")
	// ErrEmpty: the content has no bytes.
	ErrEmpty = errors.New("evidence is empty")
	// ErrInvalidHash: a hash is not 64 lower-case hex characters.
	ErrInvalidHash = errors.New("invalid sha256")
	// ErrNotFound: no blob is stored under the hash.
	ErrNotFound = errors.New("evidence not found")
	// ErrCorrupt: a stored file no longer hashes to its name.
	ErrCorrupt = errors.New("stored evidence is corrupt")
	// ErrNoThumbnail: the blob is not an image this package can scale (a
	// video, a PDF); callers show an icon instead.
	ErrNoThumbnail = errors.New("no thumbnail for this media type")
)

// The media types this package recognises by name. DetectMediaType may
// return others (for example "text/plain" or "image/heic") so that a
// refusal can say what the content was.
const (
	TypeJPEG      = "image/jpeg"
	TypePNG       = "image/png"
	TypeGIF       = "image/gif"
	TypeWebP      = "image/webp"
	TypeMP4       = "video/mp4"
	TypeWebM      = "video/webm"
	TypeQuickTime = "video/quicktime"
	TypePDF       = "application/pdf"
)

// Limits bounds what Put accepts. A zero field means the DefaultLimits
// value for it, so Limits{} is DefaultLimits().
type Limits struct {
	// MaxBytes is the largest content accepted, in bytes (inclusive).
	MaxBytes int64
	// MaxPixels is the largest width × height of an image accepted by Put
	// and decoded by Thumbnail (inclusive).
	MaxPixels int64
	// Allowed lists the media types accepted, without parameters.
	Allowed []string
}

// DefaultLimits returns 64 MiB, 50 megapixels, and the still image, video
// and document types an incident report needs: JPEG, PNG, GIF, WebP, MP4,
// WebM, QuickTime and PDF.
func DefaultLimits() Limits {
	return Limits{
		MaxBytes:  64 << 20,
		MaxPixels: 50_000_000,
		Allowed:   []string{TypeJPEG, TypePNG, TypeGIF, TypeWebP, TypeMP4, TypeWebM, TypeQuickTime, TypePDF},
	}
}

// withDefaults returns l with each zero or negative field replaced by its
// default.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxBytes > 0 {
		// One less than the largest int64, so that reading one byte past
		// the limit cannot overflow.
		d.MaxBytes = min(l.MaxBytes, math.MaxInt64-1)
	}
	if l.MaxPixels > 0 {
		d.MaxPixels = l.MaxPixels
	}
	if len(l.Allowed) > 0 {
		d.Allowed = l.Allowed
	}
	return d
}

// allows reports whether mediaType is in l.Allowed, ignoring case and
// surrounding space in the list.
func (l Limits) allows(mediaType string) bool {
	return slices.ContainsFunc(l.Allowed, func(a string) bool {
		return strings.EqualFold(strings.TrimSpace(a), mediaType)
	})
}

// ValidSHA256 reports whether s is a hash as this package names blobs:
// exactly 64 characters 0-9 a-f. Anything else (upper case, a path, "..")
// is refused before it comes near the file system.
func ValidSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
