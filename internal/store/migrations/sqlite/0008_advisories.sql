-- Advisories (the platform's own and imported ones), the feeds they are
-- pulled from, the action items matching them against inventories produces,
-- exceptions (risk accepted until a date), the escalation log of overdue
-- items, and daily compliance-debt snapshots.

CREATE TABLE advisories (
    id              TEXT PRIMARY KEY,
    source          TEXT NOT NULL,
    source_id       TEXT NOT NULL,
    publisher       TEXT NOT NULL DEFAULT '',
    revision        TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,
    title           TEXT NOT NULL,
    title_vi        TEXT NOT NULL DEFAULT '',
    summary         TEXT NOT NULL DEFAULT '',
    summary_vi      TEXT NOT NULL DEFAULT '',
    action          TEXT NOT NULL DEFAULT '',
    action_vi       TEXT NOT NULL DEFAULT '',
    severity        TEXT NOT NULL,
    tlp             TEXT NOT NULL,
    scores          TEXT NOT NULL DEFAULT '[]',
    refs            TEXT NOT NULL DEFAULT '[]',
    known_exploited BOOLEAN NOT NULL DEFAULT FALSE,
    kev_due_date    TIMESTAMP,
    due_profile     TEXT NOT NULL DEFAULT '',
    feed_id         TEXT NOT NULL DEFAULT '',
    title_fold      TEXT NOT NULL DEFAULT '',
    published       TIMESTAMP,
    updated         TIMESTAMP,
    published_by    TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (source, source_id)
);
CREATE INDEX advisories_updated ON advisories(updated_at);
CREATE INDEX advisories_severity ON advisories(severity);

CREATE TABLE advisory_products (
    advisory_id TEXT NOT NULL REFERENCES advisories(id) ON DELETE CASCADE,
    idx         INTEGER NOT NULL,
    cpe         TEXT NOT NULL DEFAULT '',
    purl        TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL DEFAULT '',
    ranges      TEXT NOT NULL DEFAULT '[]',
    versions    TEXT NOT NULL DEFAULT '[]',
    fixed       TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (advisory_id, idx)
);

CREATE TABLE advisory_cves (
    advisory_id TEXT NOT NULL REFERENCES advisories(id) ON DELETE CASCADE,
    cve         TEXT NOT NULL,
    PRIMARY KEY (advisory_id, cve)
);
CREATE INDEX advisory_cves_cve ON advisory_cves(cve);

CREATE TABLE advisory_feeds (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL,
    url           TEXT NOT NULL,
    schedule_mins INTEGER NOT NULL,
    enabled       BOOLEAN NOT NULL DEFAULT TRUE,
    last_pull     TIMESTAMP,
    last_success  TIMESTAMP,
    last_error    TEXT NOT NULL DEFAULT '',
    created_count INTEGER NOT NULL DEFAULT 0,
    updated_count INTEGER NOT NULL DEFAULT 0,
    failed_count  INTEGER NOT NULL DEFAULT 0,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

CREATE TABLE action_items (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organisations(id),
    system_id        TEXT NOT NULL REFERENCES information_systems(id) ON DELETE CASCADE,
    advisory_id      TEXT NOT NULL REFERENCES advisories(id) ON DELETE CASCADE,
    items            TEXT NOT NULL DEFAULT '[]',
    severity         TEXT NOT NULL,
    security_level   INTEGER NOT NULL,
    due_at           TIMESTAMP NOT NULL,
    state            TEXT NOT NULL,
    justification    TEXT NOT NULL DEFAULT '',
    note             TEXT NOT NULL DEFAULT '',
    attachment       TEXT NOT NULL DEFAULT '',
    reviewer         TEXT NOT NULL DEFAULT '',
    review_note      TEXT NOT NULL DEFAULT '',
    escalation_level INTEGER NOT NULL DEFAULT 0,
    escalated_at     TIMESTAMP,
    exception_until  TIMESTAMP,
    closed_at        TIMESTAMP,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    UNIQUE (org_id, system_id, advisory_id)
);
CREATE INDEX action_items_org_state ON action_items(org_id, state);
CREATE INDEX action_items_advisory ON action_items(advisory_id);
CREATE INDEX action_items_due ON action_items(state, due_at);

CREATE TABLE action_exceptions (
    id           TEXT PRIMARY KEY,
    item_id      TEXT NOT NULL REFERENCES action_items(id) ON DELETE CASCADE,
    org_id       TEXT NOT NULL REFERENCES organisations(id),
    state        TEXT NOT NULL,
    reason       TEXT NOT NULL,
    until_at     TIMESTAMP NOT NULL,
    requested_by TEXT NOT NULL,
    approver     TEXT NOT NULL DEFAULT '',
    decided_at   TIMESTAMP,
    decision     TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX action_exceptions_item ON action_exceptions(item_id);
CREATE INDEX action_exceptions_state ON action_exceptions(state, until_at);

CREATE TABLE action_escalations (
    id        TEXT PRIMARY KEY,
    item_id   TEXT NOT NULL REFERENCES action_items(id) ON DELETE CASCADE,
    org_id    TEXT NOT NULL REFERENCES organisations(id),
    level     INTEGER NOT NULL,
    target    TEXT NOT NULL,
    target_org TEXT NOT NULL DEFAULT '',
    at        TIMESTAMP NOT NULL
);
CREATE INDEX action_escalations_item ON action_escalations(item_id);

CREATE TABLE debt_snapshots (
    org_id   TEXT NOT NULL REFERENCES organisations(id),
    day      TEXT NOT NULL,
    score    DOUBLE PRECISION NOT NULL,
    open     INTEGER NOT NULL,
    overdue  INTEGER NOT NULL,
    taken_at TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, day)
);
CREATE INDEX debt_snapshots_day ON debt_snapshots(day);
