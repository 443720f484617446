package evidence

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/safezones/safezones"
)

// SourceKind says who a piece of evidence comes from, which is what a
// reviewer weighs first.
type SourceKind string

// The kinds of source.
const (
	SourcePhotoAgency  SourceKind = "photo_agency" // a news photo agency
	SourceWitness      SourceKind = "witness"      // a person who was there
	SourceOrganisation SourceKind = "organisation" // a humanitarian or civil organisation
	SourceMedia        SourceKind = "media"        // a news outlet
	SourceMonitor      SourceKind = "monitor"      // a monitoring body's own material
	SourceParty        SourceKind = "party"        // a party to the conflict (may be self-serving)
	SourceOther        SourceKind = "other"        // anyone else; say who in SourceName
)

// SourceKinds lists every SourceKind in a stable order.
var SourceKinds = []SourceKind{SourcePhotoAgency, SourceWitness, SourceOrganisation, SourceMedia, SourceMonitor, SourceParty, SourceOther}

// Valid reports whether k is one of SourceKinds.
func (k SourceKind) Valid() bool { return slices.Contains(SourceKinds, k) }

// Limits on Item text that Validate enforces, in bytes of UTF-8.
const (
	MaxCaptionLen    = 2000
	MaxCreditLen     = 500
	MaxSourceNameLen = 200
	MaxFilenameLen   = 255
)

// Item is one piece of evidence attached to an incident: the untouched
// Original, an optional Thumbnail made from it, and what the uploader says
// about it. Caption says what it shows; Credit is the attribution to print
// with it ("Photo: A. Name / Agency"); SourceKind and SourceName say who it
// comes from; Filename is the name it was uploaded under, kept for display
// only (files are stored by hash). UploadedBy (the acting member id) and
// UploadedAt are set by the store, not by the client.
type Item struct {
	Original   Blob       `json:"original"`
	Thumbnail  *Blob      `json:"thumbnail,omitempty"`
	Caption    string     `json:"caption"`
	Credit     string     `json:"credit,omitempty"`
	SourceKind SourceKind `json:"source_kind"`
	SourceName string     `json:"source_name,omitempty"`
	UploadedBy string     `json:"uploaded_by,omitempty"`
	UploadedAt time.Time  `json:"uploaded_at,omitzero"`
	Filename   string     `json:"filename,omitempty"`
}

// Normalize trims surrounding white space from its text fields and puts
// them in Unicode Normalization Form C, so that equal texts compare equal
// and lengths are counted the same way. Call it before Validate; it leaves
// invalid UTF-8 for Validate to refuse.
func (it *Item) Normalize() {
	for _, s := range []*string{&it.Caption, &it.Credit, &it.SourceName, &it.Filename} {
		*s = strings.TrimSpace(*s)
		if utf8.ValidString(*s) {
			*s = norm.NFC.String(*s)
		}
	}
}

// Validate returns nil when it can be stored, or an *safezones.Error with
// code invalid and the JSON field at fault: the original's hash, size and
// type and the thumbnail's hash must be set; caption is required and at
// most MaxCaptionLen bytes (it may span lines); credit, source_name and
// filename are optional single lines of at most MaxCreditLen,
// MaxSourceNameLen and MaxFilenameLen bytes; source_kind is one of
// SourceKinds; every text is valid UTF-8 without control characters; a
// filename has no path separator and is not "." or "..". It does not check
// UploadedBy and UploadedAt, which the store sets.
func (it Item) Validate() error {
	if err := validateBlob(it.Original, "original"); err != nil {
		return err
	}
	if it.Thumbnail != nil {
		if err := validateBlob(*it.Thumbnail, "thumbnail"); err != nil {
			return err
		}
	}
	if strings.TrimSpace(it.Caption) == "" {
		return safezones.FieldErrorf(safezones.CodeInvalid, "caption", "caption is required")
	}
	if err := validateText("caption", it.Caption, MaxCaptionLen, true); err != nil {
		return err
	}
	if err := validateText("credit", it.Credit, MaxCreditLen, false); err != nil {
		return err
	}
	if !it.SourceKind.Valid() {
		return safezones.FieldErrorf(safezones.CodeInvalid, "source_kind", "source kind %q is not one of %v", it.SourceKind, SourceKinds)
	}
	if err := validateText("source_name", it.SourceName, MaxSourceNameLen, false); err != nil {
		return err
	}
	if err := validateText("filename", it.Filename, MaxFilenameLen, false); err != nil {
		return err
	}
	if strings.ContainsAny(it.Filename, `/\`) {
		return safezones.FieldErrorf(safezones.CodeInvalid, "filename", "filename %q has a path separator; give the name alone", it.Filename)
	}
	if it.Filename == "." || it.Filename == ".." {
		return safezones.FieldErrorf(safezones.CodeInvalid, "filename", "filename %q is not a file name", it.Filename)
	}
	return nil
}

// validateBlob checks the parts of b that the store relies on, naming the
// field under prefix ("original.sha256").
func validateBlob(b Blob, prefix string) error {
	switch {
	case !ValidSHA256(b.SHA256):
		return safezones.FieldErrorf(safezones.CodeInvalid, prefix+".sha256", "%q is not 64 lower-case hex characters", truncate(b.SHA256, 80))
	case b.Size < 1:
		return safezones.FieldErrorf(safezones.CodeInvalid, prefix+".size", "size %d is less than 1 byte", b.Size)
	case b.MediaType == "":
		return safezones.FieldErrorf(safezones.CodeInvalid, prefix+".media_type", "media type is required")
	}
	return nil
}

// validateText checks that s is valid UTF-8 of at most limit bytes with no
// control characters (but for tab, newline and carriage return when
// multiline is set).
func validateText(field, s string, limit int, multiline bool) error {
	if !utf8.ValidString(s) {
		return safezones.FieldErrorf(safezones.CodeInvalid, field, "%s is not valid UTF-8", field)
	}
	if len(s) > limit {
		return safezones.FieldErrorf(safezones.CodeInvalid, field, "%s is %d bytes, more than %d", field, len(s), limit)
	}
	if i := strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsControl(r) && !(multiline && (r == '\t' || r == '\n' || r == '\r'))
	}); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		return safezones.FieldErrorf(safezones.CodeInvalid, field, "%s has control character %U at byte %d", field, r, i)
	}
	return nil
}
