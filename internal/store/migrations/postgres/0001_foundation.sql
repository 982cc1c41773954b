-- Foundation: organisations, identity, audit, registry.
-- Times are UTC; PostgreSQL keeps them as TIMESTAMPTZ.

CREATE TABLE organisations (
    id            TEXT PRIMARY KEY,
    slug          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    name_fold     TEXT NOT NULL,
    parent_id     TEXT REFERENCES organisations(id),
    kind          TEXT NOT NULL,
    sector        TEXT NOT NULL DEFAULT '',
    province      TEXT NOT NULL DEFAULT '',
    coordinating  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX organisations_parent ON organisations(parent_id);

CREATE TABLE users (
    id                  TEXT PRIMARY KEY,
    email               TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL DEFAULT '',
    name_fold           TEXT NOT NULL DEFAULT '',
    role                TEXT NOT NULL,
    password_hash       TEXT NOT NULL,
    language            TEXT NOT NULL DEFAULT 'vi',
    disabled            BOOLEAN NOT NULL DEFAULT FALSE,
    totp_secret         TEXT NOT NULL DEFAULT '',
    totp_enabled        BOOLEAN NOT NULL DEFAULT FALSE,
    totp_last_step      BIGINT NOT NULL DEFAULT 0,
    failed_logins       INTEGER NOT NULL DEFAULT 0,
    lockouts            INTEGER NOT NULL DEFAULT 0,
    locked_until        TIMESTAMPTZ,
    password_changed_at TIMESTAMPTZ NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);

CREATE TABLE memberships (
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    org_id     TEXT NOT NULL REFERENCES organisations(id),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, org_id)
);
CREATE INDEX memberships_org ON memberships(org_id);

CREATE TABLE recovery_codes (
    user_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   TIMESTAMPTZ,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    mfa_passed   BOOLEAN NOT NULL DEFAULT FALSE,
    remote       TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    secret_hash  TEXT NOT NULL UNIQUE,
    org_id       TEXT REFERENCES organisations(id),
    permissions  TEXT NOT NULL,
    expires_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE audit_entries (
    idx          BIGINT PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL,
    actor_id     TEXT NOT NULL,
    actor_label  TEXT NOT NULL,
    token_id     TEXT NOT NULL,
    action       TEXT NOT NULL,
    target_type  TEXT NOT NULL,
    target_id    TEXT NOT NULL,
    org_id       TEXT NOT NULL,
    remote       TEXT NOT NULL,
    request_id   TEXT NOT NULL,
    before_digest TEXT NOT NULL,
    after_digest  TEXT NOT NULL,
    detail       TEXT NOT NULL
);
CREATE INDEX audit_entries_org ON audit_entries(org_id, idx);
CREATE INDEX audit_entries_target ON audit_entries(target_type, target_id);
CREATE INDEX audit_entries_actor ON audit_entries(actor_id, idx);

-- tlog stored hashes: the RFC 6962 tree's interior and leaf hashes by storage index.
CREATE TABLE audit_hashes (
    idx  BIGINT PRIMARY KEY,
    hash BYTEA NOT NULL
);

-- One row: the current tree size. Updating it serialises appenders.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    size BIGINT NOT NULL
);
INSERT INTO audit_head (id, size) VALUES (1, 0);

-- Signed tree heads (sumdb/note), one per append batch.
CREATE TABLE audit_checkpoints (
    size       BIGINT PRIMARY KEY,
    root_hash  TEXT NOT NULL,
    signed     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE contacts (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations(id),
    name            TEXT NOT NULL,
    role            TEXT NOT NULL,
    email           TEXT NOT NULL,
    phone           TEXT NOT NULL DEFAULT '',
    pgp_fingerprint TEXT NOT NULL DEFAULT '',
    language        TEXT NOT NULL DEFAULT 'vi',
    confirmed_at    TIMESTAMPTZ NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX contacts_org ON contacts(org_id);

CREATE TABLE information_systems (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations(id),
    parent_id       TEXT REFERENCES information_systems(id),
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    security_level  INTEGER NOT NULL CHECK (security_level BETWEEN 1 AND 5),
    level_basis     TEXT NOT NULL DEFAULT '',
    personal_data   BOOLEAN NOT NULL DEFAULT FALSE,
    state_secrets   BOOLEAN NOT NULL DEFAULT FALSE,
    national_db     BOOLEAN NOT NULL DEFAULT FALSE,
    internet_facing BOOLEAN NOT NULL DEFAULT FALSE,
    status          TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (org_id, name)
);
CREATE INDEX information_systems_parent ON information_systems(parent_id);

CREATE TABLE internet_resources (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organisations(id),
    type       TEXT NOT NULL,
    value      TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL,
    claimed_by TEXT NOT NULL,
    claimed_at TIMESTAMPTZ NOT NULL,
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at TIMESTAMPTZ,
    reason     TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX internet_resources_live ON internet_resources(type, value) WHERE status <> 'rejected';
CREATE INDEX internet_resources_org ON internet_resources(org_id);
CREATE INDEX internet_resources_status ON internet_resources(status);

CREATE TABLE software_items (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organisations(id),
    system_id  TEXT NOT NULL REFERENCES information_systems(id) ON DELETE CASCADE,
    cpe        TEXT NOT NULL DEFAULT '',
    purl       TEXT NOT NULL DEFAULT '',
    vendor     TEXT NOT NULL DEFAULT '',
    product    TEXT NOT NULL,
    version    TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX software_items_system ON software_items(system_id);
CREATE INDEX software_items_org ON software_items(org_id);
CREATE INDEX software_items_product ON software_items(vendor, product);
