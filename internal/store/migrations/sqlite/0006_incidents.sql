-- Incident coordination: incidents reported by organisations (or escalated
-- from alerts), what they touch (systems, indicators, alerts), their timeline,
-- tasks, legal and service clocks, and who besides the reporting organisation
-- and the coordinating body may work them (incident_members: responders
-- mobilised from the alliance). Times are UTC.

-- Reference numbers are KH-YYYY-NNNNNN, a sequence per year. The UPDATE of the
-- year's row serialises concurrent reporters on PostgreSQL; SQLite has one writer.
CREATE TABLE incident_sequences (
    year  INTEGER PRIMARY KEY,
    last  BIGINT NOT NULL
);

CREATE TABLE incidents (
    id                TEXT PRIMARY KEY,
    reference         TEXT NOT NULL UNIQUE,
    org_id            TEXT NOT NULL REFERENCES organisations(id),
    reporter_id       TEXT NOT NULL DEFAULT '',
    reporter_label    TEXT NOT NULL DEFAULT '',
    contact_name      TEXT NOT NULL DEFAULT '',
    contact_email     TEXT NOT NULL DEFAULT '',
    contact_phone     TEXT NOT NULL DEFAULT '',
    title             TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    detected_at       TIMESTAMP NOT NULL,
    occurred_at       TIMESTAMP,
    reported_at       TIMESTAMP NOT NULL,
    category          TEXT NOT NULL DEFAULT '',
    impact            TEXT NOT NULL DEFAULT '',
    actions_taken     TEXT NOT NULL DEFAULT '',
    personal_data     BOOLEAN NOT NULL DEFAULT FALSE,
    severity          TEXT NOT NULL DEFAULT '',
    proposed_severity TEXT NOT NULL DEFAULT '',
    severity_reason   TEXT NOT NULL DEFAULT '',
    tlp               TEXT NOT NULL,
    state             TEXT NOT NULL,
    owner_id          TEXT REFERENCES users(id),
    merged_into       TEXT REFERENCES incidents(id),
    rejection_reason  TEXT NOT NULL DEFAULT '',
    clock_profile     TEXT NOT NULL,
    waiting_since     TIMESTAMP,
    breached          BOOLEAN NOT NULL DEFAULT FALSE,
    triaged_at        TIMESTAMP,
    first_response_at TIMESTAMP,
    contained_at      TIMESTAMP,
    resolved_at       TIMESTAMP,
    closed_at         TIMESTAMP,
    last_update_at    TIMESTAMP,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX incidents_org ON incidents(org_id, reported_at);
CREATE INDEX incidents_state ON incidents(state, reported_at);
CREATE INDEX incidents_reported ON incidents(reported_at);

-- Affected information systems, with the security level they had when linked.
CREATE TABLE incident_systems (
    incident_id    TEXT NOT NULL REFERENCES incidents(id),
    system_id      TEXT NOT NULL REFERENCES information_systems(id),
    org_id         TEXT NOT NULL REFERENCES organisations(id),
    name           TEXT NOT NULL,
    security_level INTEGER NOT NULL,
    PRIMARY KEY (incident_id, system_id)
);

CREATE TABLE incident_indicators (
    id          TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents(id),
    type        TEXT NOT NULL,
    value       TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (incident_id, type, value)
);

CREATE TABLE incident_alerts (
    incident_id TEXT NOT NULL REFERENCES incidents(id),
    alert_id    TEXT NOT NULL REFERENCES alerts(id),
    linked_by   TEXT NOT NULL DEFAULT '',
    linked_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (incident_id, alert_id)
);
CREATE INDEX incident_alerts_alert ON incident_alerts(alert_id);

-- The timeline: automatic entries (kind names the event) and notes. Internal
-- entries are for the coordinating body only; shared ones also for the
-- reporting organisation and mobilised responders.
CREATE TABLE incident_timeline (
    id          TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents(id),
    at          TIMESTAMP NOT NULL,
    actor_id    TEXT NOT NULL DEFAULT '',
    actor_label TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL,
    visibility  TEXT NOT NULL,
    body        TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX incident_timeline_incident ON incident_timeline(incident_id, at);

CREATE TABLE incident_tasks (
    id          TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents(id),
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    assignee_id TEXT REFERENCES users(id),
    due_at      TIMESTAMP,
    state       TEXT NOT NULL,
    template    TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    done_at     TIMESTAMP
);
CREATE INDEX incident_tasks_incident ON incident_tasks(incident_id, created_at);
CREATE INDEX incident_tasks_assignee ON incident_tasks(assignee_id);

-- One row per clock of an incident. deadline_at is recomputed whenever a pause
-- ends; met_at and breached_at are set once.
CREATE TABLE incident_clocks (
    incident_id TEXT NOT NULL REFERENCES incidents(id),
    clock       TEXT NOT NULL,
    started_at  TIMESTAMP NOT NULL,
    deadline_at TIMESTAMP NOT NULL,
    paused_at   TIMESTAMP,
    met_at      TIMESTAMP,
    breached_at TIMESTAMP,
    PRIMARY KEY (incident_id, clock)
);
CREATE INDEX incident_clocks_due ON incident_clocks(deadline_at);

-- Pauses while waiting on the reporter; ended_at NULL while running.
CREATE TABLE incident_clock_pauses (
    incident_id TEXT NOT NULL REFERENCES incidents(id),
    started_at  TIMESTAMP NOT NULL,
    ended_at    TIMESTAMP,
    reason      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (incident_id, started_at)
);

-- Files attached to an incident (the report's attachments, later evidence of
-- the work); content lives in the incident blob store, named by sha256.
CREATE TABLE incident_files (
    id           TEXT PRIMARY KEY,
    incident_id  TEXT NOT NULL REFERENCES incidents(id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL DEFAULT '',
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    visibility   TEXT NOT NULL,
    uploaded_by  TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX incident_files_incident ON incident_files(incident_id, created_at);

-- Access grants beyond the organisation scope: a responder sees an incident
-- only while they hold an un-revoked row here.
CREATE TABLE incident_members (
    incident_id   TEXT NOT NULL REFERENCES incidents(id),
    user_id       TEXT NOT NULL REFERENCES users(id),
    role          TEXT NOT NULL,
    granted_at    TIMESTAMP NOT NULL,
    revoked_at    TIMESTAMP,
    reason        TEXT NOT NULL DEFAULT '',
    revoke_reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (incident_id, user_id)
);
CREATE INDEX incident_members_user ON incident_members(user_id);
