-- Files of remediation evidence, bound to the action item they were
-- uploaded for: an item may name as its evidence only a file uploaded for
-- it, so knowing another organisation's file hash gives no access to it.
CREATE TABLE action_attachments (
    item_id     TEXT NOT NULL REFERENCES action_items(id),
    sha256      TEXT NOT NULL,
    size        BIGINT NOT NULL,
    uploaded_by TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (item_id, sha256)
);
