-- Awareness bulletins of the public portal: written in Vietnamese and
-- English on behalf of a publisher (an alliance member or the coordinating
-- body), public from published_at on (NULL: a draft). Bodies are plain
-- text. The publication index also serves the newest-first lists and the
-- feeds.
CREATE TABLE portal_bulletins (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations(id),
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
CREATE INDEX portal_bulletins_org ON portal_bulletins(org_id, created_at);

-- A bulletin's pictures, in order. The bytes are in the portal's
-- content-addressed blob store, named by sha256; the type was read from
-- the bytes when the picture was sent.
CREATE TABLE portal_bulletin_images (
    bulletin_id  TEXT NOT NULL REFERENCES portal_bulletins(id),
    position     INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    content_type TEXT NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    size         BIGINT NOT NULL,
    alt_vi       TEXT NOT NULL,
    alt_en       TEXT NOT NULL,
    PRIMARY KEY (bulletin_id, position)
);

-- The statistics page counts reports by month of receipt.
CREATE INDEX portal_reports_created ON portal_reports(created_at);

-- An evidence case assignment may cap what its holder sees below their
-- role's clearance (a partner agency's investigator cleared for AMBER
-- only); '' means the role's clearance. It never raises it.
ALTER TABLE case_assignments ADD COLUMN clearance TEXT NOT NULL DEFAULT '';
