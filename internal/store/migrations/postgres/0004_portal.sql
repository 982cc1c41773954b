-- Public portal: citizens' scam reports, the review queue of the values
-- they report (one entry per normalised value), review steps, screenshots
-- and appeals. Reporters' and appellants' texts and contacts live only in
-- portal_reports and portal_appeals, which nothing public reads.

CREATE TABLE portal_entries (
    id                TEXT PRIMARY KEY,
    kind              TEXT NOT NULL,
    match_key         TEXT NOT NULL UNIQUE,
    value             TEXT NOT NULL,
    category          TEXT NOT NULL DEFAULT '',
    state             TEXT NOT NULL CHECK (state IN ('pending', 'published', 'rejected', 'expired', 'withdrawn')),
    round             INTEGER NOT NULL DEFAULT 1,
    version           INTEGER NOT NULL,
    report_count      INTEGER NOT NULL DEFAULT 0,
    new_reports       INTEGER NOT NULL DEFAULT 0,
    reason            TEXT NOT NULL DEFAULT '',
    first_reported_at TIMESTAMPTZ NOT NULL,
    last_reported_at  TIMESTAMPTZ NOT NULL,
    published_at      TIMESTAMPTZ,
    expires_at        TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX portal_entries_queue ON portal_entries(state, last_reported_at);
CREATE INDEX portal_entries_expiry ON portal_entries(state, expires_at);
CREATE INDEX portal_entries_updated ON portal_entries(updated_at);

-- Every review step, kept for ever. One confirmation per reviewer per round.
CREATE TABLE portal_reviews (
    id          TEXT PRIMARY KEY,
    entry_id    TEXT NOT NULL REFERENCES portal_entries(id),
    round       INTEGER NOT NULL,
    action      TEXT NOT NULL,
    actor_id    TEXT NOT NULL DEFAULT '',
    actor_label TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX portal_reviews_entry ON portal_reviews(entry_id, at);
CREATE UNIQUE INDEX portal_reviews_one_confirmation ON portal_reviews(entry_id, round, actor_id) WHERE action = 'confirm';

CREATE TABLE portal_reports (
    id            TEXT PRIMARY KEY,
    entry_id      TEXT NOT NULL REFERENCES portal_entries(id),
    receipt_hash  TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL,
    value         TEXT NOT NULL,
    match_key     TEXT NOT NULL,
    category      TEXT NOT NULL DEFAULT '',
    description   TEXT NOT NULL DEFAULT '',
    loss_amount   BIGINT NOT NULL DEFAULT 0,
    loss_currency TEXT NOT NULL DEFAULT '',
    contact       TEXT NOT NULL DEFAULT '',
    lang          TEXT NOT NULL,
    reporter_id   TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX portal_reports_entry ON portal_reports(entry_id, created_at);

-- Cleaned pictures, named by the SHA-256 of their bytes, shared by reports.
CREATE TABLE portal_screenshots (
    id           TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    size         BIGINT NOT NULL,
    data         BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE portal_report_screenshots (
    report_id     TEXT NOT NULL REFERENCES portal_reports(id),
    position      INTEGER NOT NULL,
    screenshot_id TEXT NOT NULL REFERENCES portal_screenshots(id),
    PRIMARY KEY (report_id, position)
);
CREATE INDEX portal_report_screenshots_shot ON portal_report_screenshots(screenshot_id);

CREATE TABLE portal_appeals (
    id            TEXT PRIMARY KEY,
    entry_id      TEXT NOT NULL REFERENCES portal_entries(id),
    receipt_hash  TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    contact       TEXT NOT NULL,
    statement     TEXT NOT NULL,
    lang          TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('open', 'upheld', 'rejected')),
    reason        TEXT NOT NULL DEFAULT '',
    decider_id    TEXT NOT NULL DEFAULT '',
    decider_label TEXT NOT NULL DEFAULT '',
    decided_at    TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX portal_appeals_queue ON portal_appeals(state, created_at);
CREATE UNIQUE INDEX portal_appeals_one_open ON portal_appeals(entry_id) WHERE state = 'open';
