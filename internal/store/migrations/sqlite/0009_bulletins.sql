-- Awareness bulletins of the public portal: written by staff in Vietnamese
-- and English, public from published_at on (NULL: a draft). Bodies are
-- plain text. The publication index also serves the newest-first lists
-- and the feeds.
CREATE TABLE portal_bulletins (
    id           TEXT PRIMARY KEY,
    category     TEXT NOT NULL,
    title_vi     TEXT NOT NULL,
    title_en     TEXT NOT NULL,
    body_vi      TEXT NOT NULL,
    body_en      TEXT NOT NULL,
    published_at TIMESTAMP,
    author_id    TEXT NOT NULL DEFAULT '',
    author       TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    version      INTEGER NOT NULL
);
CREATE INDEX portal_bulletins_published ON portal_bulletins(published_at, id);

-- The statistics page counts reports by month of receipt.
CREATE INDEX portal_reports_created ON portal_reports(created_at);

-- An evidence case assignment may cap what its holder sees below their
-- role's clearance (a partner agency's investigator cleared for AMBER
-- only); '' means the role's clearance. It never raises it.
ALTER TABLE case_assignments ADD COLUMN clearance TEXT NOT NULL DEFAULT '';
