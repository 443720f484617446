// Package alerts turns the fence tracker's events into stored alerts and
// pushes them to people: a Producer applies the alert rules and stores each
// batch through safezones.AlertService, a Hub fans stored alerts out to
// live subscribers (the SSE stream) with gap-free resumption from the
// store, and CAPMessage and CAPAtomFeed render alerts as Common Alerting
// Protocol 1.2 messages and an Atom feed of them.
//
// The alert rules (Producer):
//
//   - An enter into a no_fly zone is a violation. The tracker only enters a
//     no_fly zone inside its altitude band when the altitude is known, so an
//     aircraft passing above the ceiling produces nothing; a position without
//     altitude is still a violation, with altitude_known false.
//   - The matching exit of a no_fly zone (left the zone or its band, went
//     silent, or the zone ended) is a violation_end with its reason
//     ("exited", "stale", "zone_ended") and dwell.
//   - A warning for a no_fly zone or a protected site is a warning with ETA,
//     its interval and the predicted entry point; a cancelled warning for
//     them is a warning_cancelled with its reason ("path_changed", "stale",
//     "zone_ended", "exited").
//   - Entering a protected site's radius is not a violation by itself: a
//     site has no altitude band, so an aircraft over it at cruise altitude
//     cannot be told from one attacking it. The people at the site are
//     warned before it arrives (warning), and an attack on the site is an
//     incident, judged by the incident rules. Enters and exits of safe areas
//     and corridors, their warnings, and inside events make no alert.
package alerts
