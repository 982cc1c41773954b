-- Evidence shared with the responders mobilised to the case's incident
-- (issue 6). The custody log holds every "shared" and "unshared" event;
-- this column is the current state the store filters by.
ALTER TABLE evidence_items ADD COLUMN shared BOOLEAN NOT NULL DEFAULT FALSE;
