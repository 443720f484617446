package demo

import (
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

// The demo's simulated notifications and who notifies them.
const (
	// NotifiedHospitalID is the Kafr Nobol scenario hospital as UN OCHA
	// notified it to Syria and Russia.
	NotifiedHospitalID = "demo-hospital-kafr-nobol"
	// NotifiedConvoyID is the aid convoy from Bab al-Hawa to Idleb.
	NotifiedConvoyID = "demo-convoy-bab-al-hawa-idleb"
	// DemoNotifier is the member of un-ocha who notifies them.
	DemoNotifier = "un-ocha-demo-notifier"
)

// Times of the notification scenario, relative to the demo's start. The
// hospital was notified four days before the demo started, so Russia's
// 72 hours to answer ran out a day before; the convoy is notified at the
// start and leaves three days later, past the 48 hours of lead time the
// parties need.
const (
	hospitalNotifiedBefore = 96 * time.Hour
	hospitalVerifiedBefore = 120 * time.Hour
	syriaAnsweredBefore    = 90 * time.Hour
	convoyDepartsAfter     = 72 * time.Hour
)

// SimulatedNotification is one of the demo's notifications as the demo
// records it: the version (its ID, Notifier, terms, overrides and reason;
// the store assigns the rest), when the store records it, and the
// addressed parties' signed answers.
type SimulatedNotification struct {
	Notification safezones.Notification
	// NotifiedAt is when the store records the version: the demo sets the
	// store's clock to it.
	NotifiedAt time.Time
	Answers    []SimulatedAnswer
}

// SimulatedAnswer is an addressed party's answer, signed with the key the
// demo makes for the party and marked simulated inside the signature.
type SimulatedAnswer struct {
	PartyID  string
	Response safezones.AcknowledgementResponse
	Reason   string
	// At is when the party signs it and the store records it.
	At time.Time
}

// SimulatedNotifications returns the demo's notifications for a demo that
// starts at start, oldest first, all by UN OCHA (un-ocha) and marked
// simulated in their source:
//
//   - the Kafr Nobol scenario hospital (the protected site
//     hospital-kafr-nobol, at the OCHA point of Kafr Nobol, PCode C4068,
//     Al Ma'ra district SY0702), notified to Syria and Russia four days
//     before start, its coordinates verified a day before that; Syria
//     acknowledges six hours after notification, Russia never answers,
//     so its deadline has passed at start;
//   - an aid convoy of 14 trucks from the Bab al-Hawa crossing through
//     Sarmada (C4121) and Binnish (C3904) to Idleb (C3871), notified to
//     Syria, Russia and Turkey at start, leaving between 72 and 76 hours
//     later. Its route crosses the scenario's Idlib no-fly zone; UN OCHA
//     overrides that pre-sharing problem with its reason.
//
// Both are placed after every incident of the demo (2019) on purpose: in
// 2019 the hospital's notification would sit within the precision of the
// real UCDP events recorded in Kafr Nabl town, and the accountability
// report would then tie a simulated notification to real strikes.
func SimulatedNotifications(start time.Time) []SimulatedNotification {
	start = start.UTC().Truncate(time.Second)
	src := func(what string) safezones.Source {
		return safezones.Source{Kind: safezones.SourceSimulated,
			Description: "Scenario notification (demo data): " + what + ". Not a record of a real notification by UN OCHA or of any party's answer."}
	}
	hospitalAt := start.Add(-hospitalNotifiedBefore)
	hospital := SimulatedNotification{
		Notification: safezones.Notification{ID: NotifiedHospitalID, Notifier: "un-ocha", CreatedBy: DemoNotifier,
			NotificationTerms: safezones.NotificationTerms{Kind: safezones.NotificationSite, Type: "hospital",
				Name: "Kafr Nobol hospital (scenario site, simulated notification)", Geometry: geo.Point{Lon: 36.561026, Lat: 35.613414},
				BufferM: 300, Governorate: "SY07", District: "SY0702", VerifiedAt: start.Add(-hospitalVerifiedBefore),
				Organisation: "Kafr Nobol scenario hospital (simulated)", Contact: "demo only",
				Description: "Surgical hospital, 40 beds, east and west wings (simulated).",
				Addressed:   []string{"russia", "syria"}, Source: src("the Kafr Nobol scenario hospital told to Syria and Russia")},
		},
		NotifiedAt: hospitalAt,
		Answers: []SimulatedAnswer{{PartyID: "syria", Response: safezones.ResponseAcknowledge,
			At: start.Add(-syriaAnsweredBefore)}},
	}
	depart := start.Add(convoyDepartsAfter).Truncate(time.Hour)
	convoy := SimulatedNotification{
		Notification: safezones.Notification{ID: NotifiedConvoyID, Notifier: "un-ocha", CreatedBy: DemoNotifier,
			NotificationTerms: safezones.NotificationTerms{Kind: safezones.NotificationMovement, Type: "convoy",
				Name: "Cross-border aid convoy Bab al-Hawa - Idleb (simulated)",
				Geometry: geo.LineString{{Lon: 36.6601, Lat: 36.2264}, {Lon: 36.718473, Lat: 36.180249},
					{Lon: 36.714159, Lat: 35.956659}, {Lon: 36.63491, Lat: 35.931991}},
				BufferM: 200, Governorate: "SY07", District: "SY0700",
				Departure: safezones.TimeWindow{From: depart, To: depart.Add(4 * time.Hour)},
				Arrival:   safezones.TimeWindow{From: depart.Add(6 * time.Hour), To: depart.Add(12 * time.Hour)},
				Vehicles:  14, Organisation: "UN OCHA cross-border operation (simulated)", Contact: "demo only",
				Description: "Food and medical supplies; white trucks with UN markings (simulated).",
				Addressed:   []string{"russia", "syria", "turkey"}, Source: src("a cross-border aid convoy told to Syria, Russia and Turkey")},
			Overrides: []safezones.CheckOverride{{Code: safezones.ProblemActiveZone,
				Reason: "a road convoy: the no-fly zone bars aircraft, and the parties are told of the movement (simulated)"}},
		},
		NotifiedAt: start,
	}
	return []SimulatedNotification{hospital, convoy}
}
