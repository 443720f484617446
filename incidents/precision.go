package incidents

import "time"

// UCDPWherePrec is UCDP GED's where_prec: how precisely the source locates
// the event (UCDP GED Codebook 19.1, "where_prec").
type UCDPWherePrec int

// The where_prec codes.
const (
	// UCDPWhereExact: the exact location (a village, a neighbourhood) is
	// known and coded.
	UCDPWhereExact UCDPWherePrec = 1
	// UCDPWhereNear: the event happened within about 25 km of a known point,
	// which is coded.
	UCDPWhereNear UCDPWherePrec = 2
	// UCDPWhereAdm2: only the second-order administrative division
	// (district) is known; its centroid or capital is coded.
	UCDPWhereAdm2 UCDPWherePrec = 3
	// UCDPWhereAdm1: only the first-order division (governorate) is known.
	UCDPWhereAdm1 UCDPWherePrec = 4
	// UCDPWhereEstimated: only a larger area is known (a stretch of road,
	// a front between several places, a region wider than one division);
	// a point in it is coded.
	UCDPWhereEstimated UCDPWherePrec = 5
	// UCDPWhereCountry: only the country is known; its centroid is coded.
	UCDPWhereCountry UCDPWherePrec = 6
	// UCDPWhereInternational: international waters or airspace.
	UCDPWhereInternational UCDPWherePrec = 7
)

// ucdpWhereRadiusM is the uncertainty radius for each where_prec code, sized
// for Syria: about the radius of a circle with the area of a large unit of
// that level (docs/incidents.md gives the reasoning).
var ucdpWhereRadiusM = map[UCDPWherePrec]float64{
	UCDPWhereExact:         2_000,
	UCDPWhereNear:          25_000,
	UCDPWhereAdm2:          50_000,
	UCDPWhereAdm1:          120_000,
	UCDPWhereEstimated:     150_000,
	UCDPWhereCountry:       500_000,
	UCDPWhereInternational: 500_000,
}

// RadiusM returns the uncertainty radius in metres for p, and false for a
// code outside 1–7.
func (p UCDPWherePrec) RadiusM() (float64, bool) {
	r, ok := ucdpWhereRadiusM[p]
	return r, ok
}

// UCDPDatePrec is UCDP GED's date_prec: how precisely the source dates the
// event. UCDP brackets the possible dates with date_start and date_end, so
// the interval comes from those columns and the code is kept for review.
type UCDPDatePrec int

// The date_prec codes (UCDP GED Codebook 19.1, "date_prec").
const (
	UCDPDateExact UCDPDatePrec = 1 // the exact day is known
	UCDPDateDays  UCDPDatePrec = 2 // within a period of 2–6 days
	UCDPDateWeek  UCDPDatePrec = 3 // only the week is known
	UCDPDateMonth UCDPDatePrec = 4 // within 8–30 days, or only the month is known
	UCDPDateYear  UCDPDatePrec = 5 // within more than a month, at most a calendar year
)

// Valid reports whether p is one of the codes 1–5.
func (p UCDPDatePrec) Valid() bool { return p >= UCDPDateExact && p <= UCDPDateYear }

// ACLEDGeoPrecision is ACLED's geo_precision (ACLED Codebook, "Spatial
// precision").
type ACLEDGeoPrecision int

// The geo_precision codes.
const (
	// ACLEDGeoTown: the source names the town or place; its coordinates
	// are coded.
	ACLEDGeoTown ACLEDGeoPrecision = 1
	// ACLEDGeoNear: the source names a small part of a region or a place
	// near a town; a nearby town stands for it.
	ACLEDGeoNear ACLEDGeoPrecision = 2
	// ACLEDGeoRegion: only a larger region is named; its capital stands
	// for it.
	ACLEDGeoRegion ACLEDGeoPrecision = 3
)

var acledGeoRadiusM = map[ACLEDGeoPrecision]float64{
	ACLEDGeoTown:   2_000,
	ACLEDGeoNear:   25_000,
	ACLEDGeoRegion: 120_000,
}

// RadiusM returns the uncertainty radius in metres for p, and false for a
// code outside 1–3. The values match the UCDP codes of the same meaning.
func (p ACLEDGeoPrecision) RadiusM() (float64, bool) {
	r, ok := acledGeoRadiusM[p]
	return r, ok
}

// ACLEDTimePrecision is ACLED's time_precision (ACLED Codebook, "Time
// precision"): how precisely event_date is known.
type ACLEDTimePrecision int

// The time_precision codes.
const (
	ACLEDTimeDay   ACLEDTimePrecision = 1 // the source gives the day
	ACLEDTimeWeek  ACLEDTimePrecision = 2 // only the week or weekend; a day in it is coded
	ACLEDTimeMonth ACLEDTimePrecision = 3 // only the month; a day in it is coded
)

// Interval returns the interval in which an event coded on day d (midnight
// UTC) with precision p took place, and false for a code outside 1–3: the
// day itself; the week around d (d-3 days to d+4 days); or the calendar
// month of d.
func (p ACLEDTimePrecision) Interval(d time.Time) (Interval, bool) {
	const day = 24 * time.Hour
	switch p {
	case ACLEDTimeDay:
		return Interval{d, d.Add(day)}, true
	case ACLEDTimeWeek:
		return Interval{d.Add(-3 * day), d.Add(4 * day)}, true
	case ACLEDTimeMonth:
		first := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
		return Interval{first, first.AddDate(0, 1, 0)}, true
	}
	return Interval{}, false
}
