// Package zonefile loads zones from a GeoJSON FeatureCollection into a
// ZoneService: the logic behind `safezones zone import` and the demo. It
// checks every feature before it stores any, and reports each bad feature
// by index; re-importing a file updates zones instead of duplicating them.
package zonefile

import (
	"context"
	"fmt"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geojson"
)

// Options control an import.
type Options struct {
	// Active records every zone as in force, agreed elsewhere, by the
	// operator; otherwise zones are proposed.
	Active bool
	// StatusFromProperties takes each feature's properties.status
	// ("proposed" or "active") as its initial status; the demo uses it.
	StatusFromProperties bool
	// SkipInvalid stores the valid features even when others are invalid;
	// the invalid ones are still reported in Result.Errors.
	SkipInvalid bool
	// By names who records the zones; "operator" when empty.
	By string
	// Limits bound the geometry input.
	Limits geojson.Limits
}

// Outcome says what happened to one feature.
type Outcome string

// The outcomes of importing a feature.
const (
	Created   Outcome = "created"   // a new zone
	Versioned Outcome = "versioned" // an existing zone got a new version
	Unchanged Outcome = "unchanged" // the zone's latest version has these exact terms
	Failed    Outcome = "failed"    // see the matching error
	Skipped   Outcome = "skipped"   // not stored because other features were invalid
)

// Item is the result for one feature, in file order.
type Item struct {
	Index   int
	ZoneID  string
	Version int
	Outcome Outcome
}

// Result lists every feature's outcome and every error, each error an
// *safezones.Error whose Field starts with "features[i]".
type Result struct {
	Items  []Item
	Errors []error
}

// Count returns how many items had outcome o.
func (r *Result) Count(o Outcome) int {
	n := 0
	for _, it := range r.Items {
		if it.Outcome == o {
			n++
		}
	}
	return n
}

type parsed struct {
	feat   geojson.Feature
	terms  safezones.Terms
	status safezones.Status
	err    error
}

// Import reads a FeatureCollection from data and stores its zones through
// svc. A document-level error (not JSON, not a FeatureCollection, too big)
// is returned as err. Otherwise every feature is checked first: when any is
// invalid and SkipInvalid is false, nothing is stored and every feature's
// outcome is Skipped or Failed. progress, when not nil, is called after
// each stored feature with (done, total).
func Import(ctx context.Context, svc safezones.ZoneService, data []byte, opts Options, progress func(done, total int)) (*Result, error) {
	if opts.Limits == (geojson.Limits{}) {
		opts.Limits = geojson.DefaultLimits()
	}
	if opts.By == "" {
		opts.By = safezones.OperatorPartyID
	}
	feats, errs := geojson.DecodeFeatureCollection(data, opts.Limits)
	if len(feats) == 0 && len(errs) == 1 && !isFeatureError(errs[0]) {
		return nil, errs[0]
	}
	res := &Result{Errors: errs}
	// DecodeFeatureCollection returns the good features and one error per
	// bad one, so the file held len(feats)+len(errs) features.
	total := len(feats) + len(errs)
	byIndex := make(map[int]*parsed, len(feats))
	for _, f := range feats {
		p := parsed{feat: f, status: safezones.StatusProposed}
		p.terms, p.err = geojson.TermsFromFeature(f)
		if p.err == nil {
			p.status, p.err = initialStatus(f, opts)
		}
		if p.err != nil {
			p.err = safezones.WithFieldPrefix(p.err, fmt.Sprintf("features[%d]", f.Index))
			res.Errors = append(res.Errors, p.err)
		}
		byIndex[f.Index] = &p
	}
	invalid := len(res.Errors) > 0
	for i := range total {
		p, ok := byIndex[i]
		if !ok { // its geometry or structure was bad: reported by the decoder
			res.Items = append(res.Items, Item{Index: i, Outcome: Failed})
			if progress != nil {
				progress(i+1, total)
			}
			continue
		}
		it := Item{Index: i, ZoneID: p.feat.ID}
		switch {
		case p.err != nil:
			it.Outcome = Failed
		case invalid && !opts.SkipInvalid:
			it.Outcome = Skipped
		default:
			var err error
			it, err = store(ctx, svc, *p, opts)
			if err != nil {
				if safezones.ErrorCode(err) == safezones.CodeInternal {
					return res, fmt.Errorf("feature %d: %w", p.feat.Index, err)
				}
				res.Errors = append(res.Errors, safezones.WithFieldPrefix(geojson.FeatureField(err), fmt.Sprintf("features[%d]", p.feat.Index)))
			}
		}
		res.Items = append(res.Items, it)
		if progress != nil {
			progress(i+1, total)
		}
	}
	return res, nil
}

func isFeatureError(err error) bool {
	e, ok := err.(*safezones.Error)
	return ok && len(e.Field) > len("features[") && e.Field[:len("features[")] == "features["
}

func initialStatus(f geojson.Feature, opts Options) (safezones.Status, error) {
	if opts.Active {
		return safezones.StatusActive, nil
	}
	v, ok := f.Properties["status"]
	if !ok || !opts.StatusFromProperties {
		return safezones.StatusProposed, nil
	}
	s, _ := v.(string)
	if s != string(safezones.StatusProposed) && s != string(safezones.StatusActive) {
		return "", safezones.FieldErrorf(safezones.CodeInvalid, "properties.status", "status must be proposed or active, not %v", v)
	}
	return safezones.Status(s), nil
}

// store creates the zone, or adds a version when the id exists with other
// terms, or leaves it when the terms are the same.
func store(ctx context.Context, svc safezones.ZoneService, p parsed, opts Options) (Item, error) {
	it := Item{Index: p.feat.Index, ZoneID: p.feat.ID, Outcome: Failed}
	if p.feat.ID != "" {
		cur, err := svc.Zone(ctx, p.feat.ID, 0)
		switch {
		case err == nil:
			return update(ctx, svc, p, cur, opts)
		case safezones.ErrorCode(err) != safezones.CodeNotFound:
			return it, err
		}
	}
	z, err := svc.CreateZone(ctx, &safezones.Zone{ID: p.feat.ID, Terms: p.terms, CreatedBy: opts.By}, p.status)
	if err != nil {
		return it, err
	}
	return Item{Index: p.feat.Index, ZoneID: z.ID, Version: z.Version, Outcome: Created}, nil
}

func update(ctx context.Context, svc safezones.ZoneService, p parsed, cur *safezones.Zone, opts Options) (Item, error) {
	it := Item{Index: p.feat.Index, ZoneID: cur.ID, Version: cur.Version, Outcome: Failed}
	terms := p.terms
	if terms.Valid.From.IsZero() {
		// An import without valid_from keeps the current start, so that
		// re-importing the same file is recognised as unchanged.
		terms.Valid.From = cur.Valid.From
	}
	if terms.Source.Kind == "" {
		terms.Source.Kind = safezones.SourceOperator
	}
	h, err := terms.Hash()
	if err != nil {
		return it, err
	}
	if h == cur.Hash {
		it.Outcome = Unchanged
		return it, nil
	}
	z, err := svc.AddVersion(ctx, cur.ID, cur.Version, terms, opts.By)
	if err != nil {
		return it, err
	}
	it.Version, it.Outcome = z.Version, Versioned
	if p.status == safezones.StatusActive {
		if _, err := svc.SetStatus(ctx, safezones.StatusChange{ZoneID: z.ID, Version: z.Version, Status: safezones.StatusActive,
			By: opts.By, Reason: "recorded as in force by the operator (agreed elsewhere)"}); err != nil {
			return it, err
		}
	}
	return it, nil
}
