-- Monitoring: sensors, threat intel, alerts.

CREATE TABLE sensors (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organisations(id),
    name             TEXT NOT NULL,
    kind             TEXT NOT NULL,
    token_hash       TEXT NOT NULL UNIQUE,
    source_cidr      TEXT NOT NULL DEFAULT '',
    cadence_seconds  INTEGER NOT NULL,
    disabled         BOOLEAN NOT NULL DEFAULT FALSE,
    last_seen_at     TIMESTAMPTZ,
    silent           BOOLEAN NOT NULL DEFAULT FALSE,
    silent_since     TIMESTAMPTZ,
    accepted_total   BIGINT NOT NULL DEFAULT 0,
    rejected_total   BIGINT NOT NULL DEFAULT 0,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    UNIQUE (org_id, name)
);

-- Per-minute counters for the sensor page.
CREATE TABLE sensor_minutes (
    sensor_id TEXT NOT NULL REFERENCES sensors(id) ON DELETE CASCADE,
    minute    TIMESTAMPTZ NOT NULL,
    accepted  BIGINT NOT NULL DEFAULT 0,
    rejected  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (sensor_id, minute)
);

-- The latest rejected lines per sensor, with reasons (pruned to the newest few).
CREATE TABLE sensor_rejects (
    id        TEXT PRIMARY KEY,
    sensor_id TEXT NOT NULL REFERENCES sensors(id) ON DELETE CASCADE,
    at        TIMESTAMPTZ NOT NULL,
    position  INTEGER NOT NULL,
    code      TEXT NOT NULL,
    message   TEXT NOT NULL,
    excerpt   TEXT NOT NULL
);
CREATE INDEX sensor_rejects_sensor ON sensor_rejects(sensor_id, at);

CREATE TABLE intel_feeds (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    format           TEXT NOT NULL,
    url              TEXT NOT NULL DEFAULT '',
    interval_seconds INTEGER NOT NULL DEFAULT 0,
    tlp              TEXT NOT NULL,
    confidence       INTEGER NOT NULL,
    ttl_days         INTEGER NOT NULL DEFAULT 0,
    enabled          BOOLEAN NOT NULL DEFAULT TRUE,
    last_attempt_at  TIMESTAMPTZ,
    last_success_at  TIMESTAMPTZ,
    last_error       TEXT NOT NULL DEFAULT '',
    indicator_count  BIGINT NOT NULL DEFAULT 0,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);

CREATE TABLE indicators (
    id          TEXT PRIMARY KEY,
    feed_id     TEXT NOT NULL REFERENCES intel_feeds(id) ON DELETE CASCADE,
    type        TEXT NOT NULL,
    value       TEXT NOT NULL,
    tlp         TEXT NOT NULL,
    confidence  INTEGER NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    labels      TEXT NOT NULL DEFAULT '',
    external_id TEXT NOT NULL DEFAULT '',
    valid_from  TIMESTAMPTZ,
    valid_until TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (feed_id, type, value)
);
CREATE INDEX indicators_value ON indicators(type, value);

-- Sightings per observable (type|value, whatever feed it came from) and organisation.
CREATE TABLE sightings (
    indicator_key TEXT NOT NULL,
    org_id        TEXT NOT NULL,
    count         BIGINT NOT NULL,
    first_seen    TIMESTAMPTZ NOT NULL,
    last_seen     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (indicator_key, org_id)
);

CREATE TABLE alerts (
    id            TEXT PRIMARY KEY,
    dedupe_key    TEXT NOT NULL,
    kind          TEXT NOT NULL,
    severity      INTEGER NOT NULL,
    title         TEXT NOT NULL,
    rule_id       TEXT NOT NULL DEFAULT '',
    indicator     TEXT NOT NULL DEFAULT '',
    matched_field TEXT NOT NULL DEFAULT '',
    matched_value TEXT NOT NULL DEFAULT '',
    sensor_id     TEXT NOT NULL DEFAULT '',
    tlp           TEXT NOT NULL,
    state         TEXT NOT NULL,
    count         BIGINT NOT NULL,
    first_seen    TIMESTAMPTZ NOT NULL,
    last_seen     TIMESTAMPTZ NOT NULL,
    excerpt       TEXT NOT NULL DEFAULT '',
    sources       TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
-- One open alert per dedupe key: repeats fold into it.
CREATE UNIQUE INDEX alerts_open ON alerts(dedupe_key) WHERE state IN ('new', 'acknowledged');
CREATE INDEX alerts_last_seen ON alerts(last_seen);

-- Who an alert concerns, and why (sensor owner, owner of a matched IP or domain).
CREATE TABLE alert_orgs (
    alert_id TEXT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    org_id   TEXT NOT NULL REFERENCES organisations(id),
    reason   TEXT NOT NULL,
    PRIMARY KEY (alert_id, org_id)
);
CREATE INDEX alert_orgs_org ON alert_orgs(org_id, alert_id);

-- Events already counted into an alert, so a re-sent event is not counted twice.
CREATE TABLE alert_events (
    alert_id TEXT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    event_id TEXT NOT NULL,
    at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (event_id, alert_id)
);

CREATE TABLE alert_history (
    id       TEXT PRIMARY KEY,
    alert_id TEXT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    at       TIMESTAMPTZ NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    note     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alert_history_alert ON alert_history(alert_id, at);

CREATE TABLE suppressions (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    match_key   TEXT NOT NULL,
    reason      TEXT NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX suppressions_org ON suppressions(org_id, match_key);
