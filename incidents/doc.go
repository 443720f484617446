// Package incidents reads incident reports from real data formats (UCDP GED
// and ACLED CSV layouts), cleans their text, and links reports of one event
// from several sources into one Incident without double counting casualties.
//
// It is pure: no storage, no network; Store is the interface a store
// (package sqlite) implements to keep reports and their revisions. A Report is one source's account of
// an event, keyed by its source and the source's own event id (Report.Key),
// so that a later import of the same row updates rather than duplicates it.
// Time is a half-open interval plus the source's precision code; place is a
// point plus an uncertainty radius in metres plus the source's precision
// code. docs/incidents.md documents the mappings, the confidence scale and
// the linking rule.
package incidents
