-- Incident review (package incidents): the review state of each report,
-- and for each revision its review, its private reporter, and the salt of
-- the digest the ledger logs in place of the report.
--
-- Revisions from before this migration keep review, reporter and salt
-- NULL: their ledger entries logged the whole report, and re-reading them
-- must give the same record. Revisions from now on log only a salted
-- digest of report, review and reporter, so the public ledger neither
-- shows a coarsened place nor lets anyone guess it by hashing candidates.
ALTER TABLE incident_reports ADD COLUMN status TEXT NOT NULL DEFAULT 'new';
ALTER TABLE incident_reports ADD COLUMN assignee TEXT NOT NULL DEFAULT '';
CREATE INDEX incident_reports_status ON incident_reports(status, time_from);

ALTER TABLE incident_report_revisions ADD COLUMN review TEXT;   -- canonical JSON of incidents.Review
ALTER TABLE incident_report_revisions ADD COLUMN reporter TEXT; -- canonical JSON of incidents.Reporter; private
ALTER TABLE incident_report_revisions ADD COLUMN salt TEXT;     -- hex, 16 random bytes
