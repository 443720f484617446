package safezones

// LedgerIncidentReport is the ledger entry type of one revision of an
// incident report (package incidents): record id
// "incident_report/<source-id:event-id>/r<N>".
const LedgerIncidentReport = "incident_report"

// LedgerIncidentEvidence is the ledger entry type of one evidence file
// attached to an incident report: record id
// "incident_evidence/<source-id:event-id>/<sha256>".
const LedgerIncidentEvidence = "incident_evidence"
