-- Trusted portal reviewers: users of alliance member organisations a
-- coordinator designated to work the scam portal's review queue. A
-- revoked designation is kept (revoked_at set); a user holds at most one
-- designation in force.
CREATE TABLE portal_reviewers (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    granted_by TEXT NOT NULL,
    granted_at TIMESTAMP NOT NULL,
    revoked_by TEXT NOT NULL DEFAULT '',
    revoked_at TIMESTAMP,
    reason     TEXT NOT NULL
);
CREATE UNIQUE INDEX portal_reviewers_active ON portal_reviewers(user_id) WHERE revoked_at IS NULL;
