-- Notifications: the outbox (one row per delivery, written in the transaction
-- of the change it reports), users' preferences per kind of notice, and
-- webhooks that organisations (or the coordinating body, org_id NULL) register.

CREATE TABLE notify_webhooks (
    id          TEXT PRIMARY KEY,
    org_id      TEXT REFERENCES organisations(id),
    name        TEXT NOT NULL,
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    kinds       TEXT NOT NULL DEFAULT '',
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX notify_webhooks_org ON notify_webhooks(org_id);

CREATE TABLE notify_preferences (
    user_id    TEXT NOT NULL REFERENCES users(id),
    kind       TEXT NOT NULL,
    email      BOOLEAN NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, kind)
);

CREATE TABLE notify_outbox (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    ref             TEXT NOT NULL DEFAULT '',
    org_id          TEXT REFERENCES organisations(id),
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
    user_id         TEXT REFERENCES users(id),
    webhook_id      TEXT REFERENCES notify_webhooks(id),
    recipient       TEXT NOT NULL,
    lang            TEXT NOT NULL DEFAULT 'vi',
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    link            TEXT NOT NULL DEFAULT '',
    payload         TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'suppressed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    not_after       TIMESTAMPTZ,
    last_error      TEXT NOT NULL DEFAULT '',
    claim           TEXT NOT NULL DEFAULT '',  -- token of the dispatcher holding it; '' when none
    created_at      TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ
);
CREATE INDEX notify_outbox_due ON notify_outbox(state, next_attempt_at);
CREATE INDEX notify_outbox_ref ON notify_outbox(ref);
CREATE INDEX notify_outbox_org ON notify_outbox(org_id, created_at);
