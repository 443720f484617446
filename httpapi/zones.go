package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geojson"
)

func (s *Server) registerZoneRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/zones", s.handleListZones)
	mux.HandleFunc("POST /v1/zones", s.handleCreateZone)
	mux.HandleFunc("GET /v1/zones/{id}", s.handleGetZone)
	mux.HandleFunc("GET /v1/zones/{id}/history", s.handleZoneHistory)
	mux.HandleFunc("POST /v1/zones/{id}/versions", s.handleAddVersion)
	mux.HandleFunc("GET /v1/zones/{id}/versions/{version}", s.handleGetVersion)
	mux.HandleFunc("POST /v1/zones/{id}/versions/{version}/status", s.handleSetStatus)
}

// handleListZones serves GET /v1/zones: a GeoJSON FeatureCollection of the
// latest version of each zone (or the one in force at as_of), filtered by
// kind, status, bbox, datetime, with limit/offset paging.
func (s *Server) handleListZones(w http.ResponseWriter, r *http.Request) {
	f, err := zoneFilter(r.URL.Query(), 100, 10000, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := s.Zones.ListZones(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeFeatureCollection(w, r, page, f)
}

// handleCreateZone serves POST /v1/zones: the body is a GeoJSON Feature
// whose properties carry the zone's terms (see docs/api.md). The operator
// may set properties.status "active" to record a zone agreed elsewhere.
func (s *Server) handleCreateZone(w http.ResponseWriter, r *http.Request) {
	if err := requireOperator(r.Context()); err != nil {
		s.writeError(w, r, err)
		return
	}
	feat, terms, err := s.decodeZoneFeature(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := safezones.StatusProposed
	if v, ok := feat.Properties["status"]; ok {
		st, _ := v.(string)
		if st != string(safezones.StatusProposed) && st != string(safezones.StatusActive) {
			s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "properties.status", "a new zone is proposed or active, not %v", v))
			return
		}
		status = safezones.Status(st)
	}
	z := &safezones.Zone{ID: feat.ID, Terms: terms, CreatedBy: actorName(r.Context())}
	out, err := s.Zones.CreateZone(r.Context(), z, status)
	if err != nil {
		s.writeError(w, r, geojson.FeatureField(err))
		return
	}
	w.Header().Set("Location", "/v1/zones/"+out.ID)
	s.writeZone(w, http.StatusCreated, out)
}

// handleGetZone serves GET /v1/zones/{id}: the latest version, or the
// version in force at ?as_of.
func (s *Server) handleGetZone(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r.URL.Query(), []string{"as_of"}); err != nil {
		s.writeError(w, r, err)
		return
	}
	asOf, err := parseTime(r.URL.Query().Get("as_of"), "as_of")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var z *safezones.Zone
	if asOf != nil {
		z, err = s.Zones.ZoneAsOf(r.Context(), r.PathValue("id"), *asOf)
	} else {
		z, err = s.Zones.Zone(r.Context(), r.PathValue("id"), 0)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeZone(w, http.StatusOK, z)
}

// handleGetVersion serves GET /v1/zones/{id}/versions/{version}.
func (s *Server) handleGetVersion(w http.ResponseWriter, r *http.Request) {
	v, err := versionParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	z, err := s.Zones.Zone(r.Context(), r.PathValue("id"), v)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeZone(w, http.StatusOK, z)
}

// handleZoneHistory serves GET /v1/zones/{id}/history: every version as a
// Feature, oldest first, and every status change.
func (s *Server) handleZoneHistory(w http.ResponseWriter, r *http.Request) {
	versions, changes, err := s.Zones.ZoneHistory(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	b := []byte(`{"zone_id":`)
	b = appendJSONString(b, r.PathValue("id"))
	b = append(b, `,"versions":[`...)
	for i := range versions {
		if i > 0 {
			b = append(b, ',')
		}
		b = geojson.AppendZoneFeature(b, &versions[i])
	}
	ch, err := json.Marshal(changes)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	b = append(b, `],"status_changes":`...)
	b = append(b, ch...)
	b = append(b, "}\n"...)
	writeBytes(w, http.StatusOK, "application/json", b)
}

// handleAddVersion serves POST /v1/zones/{id}/versions: a Feature with the
// new terms and properties.base_version naming the version it replaces.
func (s *Server) handleAddVersion(w http.ResponseWriter, r *http.Request) {
	if err := requireOperator(r.Context()); err != nil {
		s.writeError(w, r, err)
		return
	}
	feat, terms, err := s.decodeZoneFeature(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, ok := feat.Properties["status"]; ok {
		s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "properties.status",
			"a new version starts proposed; change its status with POST /v1/zones/{id}/versions/{version}/status"))
		return
	}
	bv, ok := feat.Properties["base_version"].(float64)
	if !ok || bv < 1 || bv != float64(int(bv)) {
		s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "properties.base_version",
			"base_version (the version this change replaces) is required as a positive integer"))
		return
	}
	if feat.ID != "" && feat.ID != r.PathValue("id") {
		s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "id", "feature id %q differs from the zone id in the path", feat.ID))
		return
	}
	out, err := s.Zones.AddVersion(r.Context(), r.PathValue("id"), int(bv), terms, actorName(r.Context()))
	if err != nil {
		s.writeError(w, r, geojson.FeatureField(err))
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/v1/zones/%s/versions/%d", out.ID, out.Version))
	s.writeZone(w, http.StatusCreated, out)
}

type statusRequest struct {
	Status safezones.Status `json:"status"`
	Reason string           `json:"reason"`
	// At is when the change takes effect; now when absent.
	At string `json:"at"`
}

// handleSetStatus serves POST /v1/zones/{id}/versions/{version}/status:
// {"status":"active","reason":"..."} moves the version in its lifecycle.
func (s *Server) handleSetStatus(w http.ResponseWriter, r *http.Request) {
	if err := requireOperator(r.Context()); err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := versionParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req statusRequest
	if err := s.readStrict(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(req.Reason) > safezones.MaxDescriptionLen {
		s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "reason", "reason is longer than %d bytes", safezones.MaxDescriptionLen))
		return
	}
	at, err := parseTime(req.At, "at")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ch := safezones.StatusChange{ZoneID: r.PathValue("id"), Version: v, Status: req.Status, Reason: req.Reason, By: actorName(r.Context())}
	if at != nil {
		ch.At = *at
	}
	z, err := s.Zones.SetStatus(r.Context(), ch)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeZone(w, http.StatusOK, z)
}

func versionParam(r *http.Request) (int, error) {
	v, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || v < 1 {
		return 0, safezones.FieldErrorf(safezones.CodeInvalid, "version", "version must be a positive integer, got %q", r.PathValue("version"))
	}
	return v, nil
}

// decodeZoneFeature reads a GeoJSON Feature body and its terms.
func (s *Server) decodeZoneFeature(w http.ResponseWriter, r *http.Request) (geojson.Feature, safezones.Terms, error) {
	body, err := s.readBody(w, r)
	if err != nil {
		return geojson.Feature{}, safezones.Terms{}, err
	}
	feat, err := geojson.DecodeFeature(body, s.Limits)
	if err != nil {
		return feat, safezones.Terms{}, err
	}
	terms, err := geojson.TermsFromFeature(feat)
	return feat, terms, err
}

// decodeStrict decodes a small JSON object, rejecting unknown fields.
// readStrict reads the request body (bounded by MaxBodyBytes) and decodes
// it into v with decodeStrict.
func (s *Server) readStrict(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	return decodeStrict(body, v)
}

func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return safezones.Errorf(safezones.CodeInvalid, "request body: %v", err)
	}
	if dec.More() {
		return safezones.Errorf(safezones.CodeInvalid, "request body: data after the JSON object at byte %d", dec.InputOffset())
	}
	if _, err := dec.Token(); err != io.EOF {
		return safezones.Errorf(safezones.CodeInvalid, "request body: data after the JSON object at byte %d", dec.InputOffset())
	}
	return nil
}

func (s *Server) writeZone(w http.ResponseWriter, status int, z *safezones.Zone) {
	b := geojson.AppendZoneFeature(make([]byte, 0, 1024), z)
	w.Header().Set("ETag", strconv.Quote(z.Hash))
	writeBytes(w, status, "application/geo+json", append(b, '\n'))
}
