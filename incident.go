package safezones

// LedgerIncidentReport is the ledger entry type of one revision of an
// incident report (package incidents): record id
// "incident_report/<source-id:event-id>/r<N>".
const LedgerIncidentReport = "incident_report"
