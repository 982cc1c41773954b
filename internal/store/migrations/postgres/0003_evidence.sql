-- Evidence vault: cases, who is assigned to them, items, their custody
-- events (hash-chained and signed) and pending hand-overs. Item content lives
-- in the blob store, named by sha256.

-- A case is what evidence attaches to; an incident becomes one by opening a
-- case with the incident's ID.
CREATE TABLE evidence_cases (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    reference   TEXT NOT NULL DEFAULT '',
    title       TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL
);

-- Who works on a case. The role (investigator, coordinator; responder later)
-- is checked by the domain, not a CHECK, so new roles need no table rebuild.
CREATE TABLE case_assignments (
    case_id     TEXT NOT NULL REFERENCES evidence_cases(id),
    user_id     TEXT NOT NULL REFERENCES users(id),
    role        TEXT NOT NULL,
    assigned_by TEXT NOT NULL DEFAULT '',
    assigned_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_assignments_user ON case_assignments(user_id);

CREATE TABLE evidence_items (
    id              TEXT PRIMARY KEY,
    case_id         TEXT NOT NULL REFERENCES evidence_cases(id),
    org_id          TEXT NOT NULL REFERENCES organisations(id),
    upload_id       TEXT UNIQUE,
    name            TEXT NOT NULL,
    size            BIGINT NOT NULL,
    sha256          TEXT NOT NULL,
    sha512          TEXT NOT NULL,
    tlp             TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    source_device   TEXT NOT NULL DEFAULT '',
    source_system   TEXT NOT NULL DEFAULT '',
    source_location TEXT NOT NULL DEFAULT '',
    collected_by    TEXT NOT NULL,
    collected_at    TIMESTAMPTZ NOT NULL,
    method          TEXT NOT NULL DEFAULT '',
    tool            TEXT NOT NULL DEFAULT '',
    tool_version    TEXT NOT NULL DEFAULT '',
    legal_basis     TEXT NOT NULL,
    seal_number     TEXT NOT NULL DEFAULT '',
    supplied_hash   TEXT NOT NULL DEFAULT '',
    legal_hold      BOOLEAN NOT NULL,
    retain_until    TIMESTAMPTZ,
    sealed          BOOLEAN NOT NULL DEFAULT FALSE,
    seal            TEXT NOT NULL DEFAULT '',
    holder_id       TEXT NOT NULL DEFAULT '',
    holder          TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL,
    last_seq        BIGINT NOT NULL,
    last_hash       TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX evidence_items_case ON evidence_items(case_id, created_at);
CREATE INDEX evidence_items_sha256 ON evidence_items(sha256);
CREATE INDEX evidence_items_holder ON evidence_items(case_id, holder_id);

-- The chain of custody: append-only, one row per event, never updated.
CREATE TABLE custody_events (
    item_id    TEXT NOT NULL REFERENCES evidence_items(id),
    seq        BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    recorded   TIMESTAMPTZ NOT NULL,
    actor_id   TEXT NOT NULL,
    actor      TEXT NOT NULL,
    location   TEXT NOT NULL,
    reason     TEXT NOT NULL,
    from_label TEXT NOT NULL DEFAULT '',
    to_label   TEXT NOT NULL DEFAULT '',
    seal       TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT '',
    sha256     TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL,
    sig        TEXT NOT NULL,
    PRIMARY KEY (item_id, seq)
);

CREATE TABLE evidence_transfers (
    id           TEXT PRIMARY KEY,
    item_id      TEXT NOT NULL REFERENCES evidence_items(id),
    from_id      TEXT NOT NULL REFERENCES users(id),
    from_label   TEXT NOT NULL,
    to_id        TEXT NOT NULL REFERENCES users(id),
    to_label     TEXT NOT NULL,
    location     TEXT NOT NULL DEFAULT '',
    reason       TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL,
    requested_at TIMESTAMPTZ NOT NULL,
    decided_at   TIMESTAMPTZ,
    decided_by   TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT ''
);
-- At most one hand-over of an item is pending at a time.
CREATE UNIQUE INDEX evidence_transfers_pending ON evidence_transfers(item_id) WHERE state = 'pending';
CREATE INDEX evidence_transfers_item ON evidence_transfers(item_id, requested_at);
