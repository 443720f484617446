package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/evidence"
	"github.com/safezones/safezones/incidents"
)

// EvidenceService keeps which report holds which evidence file
// (sqlite.DB); the files are in Server.Blobs.
type EvidenceService interface {
	AddEvidence(ctx context.Context, key string, it evidence.Item) (*evidence.Item, bool, error)
	ListEvidence(ctx context.Context, key string) ([]evidence.Item, error)
	EvidenceReports(ctx context.Context, sha string) ([]string, error)
}

// Limits of evidence uploads besides evidence.Limits.
const (
	// thumbnailSide is the longest side of a thumbnail, in pixels.
	thumbnailSide = 320
	// maxFormField bounds each text field of an upload form.
	maxFormField = 4 << 10
	// maxFormParts bounds the parts of an upload form.
	maxFormParts = 16
)

func (s *Server) registerEvidenceRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/incidents/{key}/evidence", s.handleAddEvidence)
	mux.HandleFunc("GET /v1/incidents/{key}/evidence", s.handleListEvidence)
	mux.HandleFunc("GET /v1/evidence/{sha256}", s.handleEvidenceFile)
}

func (s *Server) evidenceReady(w http.ResponseWriter, r *http.Request) bool {
	if s.Evidence == nil || s.Blobs == nil || s.Incidents == nil {
		s.writeError(w, r, safezones.Errorf(safezones.CodeUnavailable, "this server keeps no evidence"))
		return false
	}
	return true
}

// seesInFull reports whether v reads rv exactly: not coarsened for it.
func (v incidentViewer) seesInFull(rv incidents.Revision) bool {
	return !v.view(rv).Coarsened
}

// handleAddEvidence serves POST /v1/incidents/{key}/evidence: a
// multipart/form-data upload with one part "file" and the text fields
// caption (required), credit, source_kind, source_name. The file is stored
// untouched under its SHA-256, a thumbnail is made for images, and the
// item is attached and logged. Reviewers and members (reporter role or
// above) of the report's own source may attach. 201 when attached, 200
// when the report already held that file.
func (s *Server) handleAddEvidence(w http.ResponseWriter, r *http.Request) {
	if !s.evidenceReady(w, r) {
		return
	}
	v, rv, ok := s.reportRequest(w, r)
	if !ok {
		return
	}
	key := rv.Key
	if !v.reviewer && !(v.party == rv.Report.Source.ID && v.role.Includes(safezones.RoleReporter)) {
		s.writeError(w, r, safezones.Errorf(safezones.CodeForbidden, "evidence is attached by reviewers or by the report's own source (%s)", rv.Report.Source.ID))
		return
	}
	limits := s.EvidenceLimits
	if limits.MaxBytes == 0 {
		limits.MaxBytes = evidence.DefaultLimits().MaxBytes
	}
	// The form may carry the file and a few small fields besides.
	r.Body = http.MaxBytesReader(w, r.Body, limits.MaxBytes+int64(maxFormParts*maxFormField))
	it, err := s.readEvidenceForm(r, limits)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	it.UploadedBy = v.by
	if v.by == "" {
		it.UploadedBy = v.party
	}
	stored, created, err := s.Evidence.AddEvidence(r.Context(), key, it)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, stored)
}

// readEvidenceForm streams the upload: the file part goes straight into
// the blob store (never whole into memory), the text fields are bounded.
func (s *Server) readEvidenceForm(r *http.Request, limits evidence.Limits) (evidence.Item, error) {
	var it evidence.Item
	mr, err := r.MultipartReader()
	if err != nil {
		return it, safezones.Errorf(safezones.CodeInvalid, "evidence is uploaded as multipart/form-data with a part \"file\": %v", err)
	}
	fields := map[string]*string{"caption": &it.Caption, "credit": &it.Credit, "source_name": &it.SourceName}
	var kind string
	fields["source_kind"] = &kind
	haveFile := false
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return it, uploadError(err, "read the upload")
		}
		if n >= maxFormParts {
			return it, safezones.Errorf(safezones.CodeInvalid, "the upload has more than %d parts", maxFormParts)
		}
		name := part.FormName()
		switch {
		case name == "file":
			if haveFile {
				return it, safezones.FieldErrorf(safezones.CodeInvalid, "file", "one file per upload")
			}
			haveFile = true
			declared := part.Header.Get("Content-Type")
			if declared == "application/octet-stream" {
				declared = "" // what clients send when they do not know
			}
			blob, err := s.Blobs.Put(r.Context(), part, declared, limits)
			if err != nil {
				return it, blobError(err)
			}
			it.Original = blob
			it.Filename = part.FileName()
		case fields[name] != nil:
			b, err := io.ReadAll(io.LimitReader(part, maxFormField+1))
			if err != nil {
				return it, uploadError(err, "read field "+name)
			}
			if len(b) > maxFormField {
				return it, safezones.FieldErrorf(safezones.CodeInvalid, name, "%s is longer than %d bytes", name, maxFormField)
			}
			*fields[name] = string(b)
		default:
			return it, safezones.FieldErrorf(safezones.CodeInvalid, name, "unknown form field %q; the upload takes file, caption, credit, source_kind, source_name", name)
		}
	}
	if !haveFile {
		return it, safezones.FieldErrorf(safezones.CodeInvalid, "file", "the upload has no part \"file\"")
	}
	it.SourceKind = evidence.SourceKind(kind)
	if it.SourceKind == "" {
		it.SourceKind = evidence.SourceOther
	}
	// Check the item before making a thumbnail, so a refused upload does
	// no more work; the original stays in the store (content-addressed
	// files are shared and harmless).
	it.Normalize()
	if err := it.Validate(); err != nil {
		return it, err
	}
	if thumb, err := s.Blobs.Thumbnail(r.Context(), it.Original.SHA256, thumbnailSide); err == nil {
		it.Thumbnail = &thumb
	} else if !errors.Is(err, evidence.ErrNoThumbnail) {
		return it, blobError(err)
	}
	return it, nil
}

func uploadError(err error, what string) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return safezones.Errorf(safezones.CodeTooLarge, "the upload is larger than %d bytes", mbe.Limit)
	}
	return safezones.Errorf(safezones.CodeInvalid, "%s: %v", what, err)
}

// blobError maps the blob store's refusals to API codes.
func blobError(err error) error {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe), errors.Is(err, evidence.ErrTooLarge):
		return safezones.FieldErrorf(safezones.CodeTooLarge, "file", "%v", err)
	case errors.Is(err, evidence.ErrUnsupportedType), errors.Is(err, evidence.ErrTypeMismatch), errors.Is(err, evidence.ErrEmpty):
		return safezones.FieldErrorf(safezones.CodeInvalid, "file", "%v", err)
	}
	return err
}

// handleListEvidence serves GET /v1/incidents/{key}/evidence. The
// evidence of a report that public reads coarsen is withheld from those
// readers (a photo can show the place): the answer counts it instead.
func (s *Server) handleListEvidence(w http.ResponseWriter, r *http.Request) {
	if !s.evidenceReady(w, r) {
		return
	}
	v, rv, ok := s.reportRequest(w, r)
	if !ok {
		return
	}
	key := rv.Key
	items, err := s.Evidence.ListEvidence(r.Context(), key)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if items == nil {
		items = []evidence.Item{}
	}
	if !v.seesInFull(*rv) {
		writeJSON(w, http.StatusOK, map[string]any{"key": key, "evidence": []evidence.Item{}, "withheld": len(items)})
		return
	}
	if !v.reviewer {
		for i := range items {
			items[i].UploadedBy = ""
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"key": key, "evidence": items})
}

// handleEvidenceFile serves GET /v1/evidence/{sha256}: an original or a
// thumbnail, byte for byte as stored, to a caller who sees in full at
// least one report holding it. The answer carries the file's SHA-256 as
// ETag and Repr-Digest (RFC 9530), and headers that stop a browser from
// running it (nosniff, a sandboxing Content-Security-Policy).
func (s *Server) handleEvidenceFile(w http.ResponseWriter, r *http.Request) {
	if !s.evidenceReady(w, r) {
		return
	}
	sha := r.PathValue("sha256")
	if !evidence.ValidSHA256(sha) {
		s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "sha256", "%q is not a SHA-256 in lower-case hex", sha))
		return
	}
	v, err := s.incidentViewer(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	keys, err := s.Evidence.EvidenceReports(r.Context(), sha)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	allowed := false
	for _, k := range keys {
		rv, err := s.Incidents.Report(r.Context(), k)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if v.seesInFull(*rv) {
			allowed = true
			break
		}
	}
	if !allowed {
		// Not found either way: the answer does not tell whether a
		// withheld file exists.
		s.writeError(w, r, safezones.Errorf(safezones.CodeNotFound, "no evidence %s that this caller may read", sha))
		return
	}
	f, blob, err := s.Blobs.Open(sha)
	if err != nil {
		if errors.Is(err, evidence.ErrNotFound) {
			err = safezones.Errorf(safezones.CodeInternal, "evidence %s is attached but missing from the blob store", sha)
		}
		s.writeError(w, r, err)
		return
	}
	defer f.Close()
	raw, _ := hex.DecodeString(sha)
	h := w.Header()
	h.Set("Content-Type", blob.MediaType)
	h.Set("ETag", `"`+sha+`"`)
	h.Set("Repr-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(raw)+":")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
	h.Set("Content-Disposition", "inline")
	http.ServeContent(w, r, "", time.Time{}, f)
}
