-- The responder alliance: responders' profiles (a responder is a user of role
-- responder, member of an alliance-member organisation), their skills,
-- certifications, weekly on-call schedule, unavailable periods and declared
-- conflicts of interest; mobilisation requests on incidents, the responders
-- asked on each (with the ranking they had when asked), the hours they log
-- and the ratings they receive. Times are UTC; weekly windows are minutes of
-- the local (Asia/Ho_Chi_Minh) day.

CREATE TABLE responder_profiles (
    user_id    TEXT PRIMARY KEY REFERENCES users(id),
    org_id     TEXT NOT NULL REFERENCES organisations(id),
    clearance  TEXT NOT NULL,
    languages  TEXT NOT NULL DEFAULT '',
    province   TEXT NOT NULL,
    capacity   INTEGER NOT NULL,
    phone      TEXT NOT NULL DEFAULT '',
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX responder_profiles_org ON responder_profiles(org_id);

CREATE TABLE responder_skills (
    user_id TEXT NOT NULL REFERENCES responder_profiles(user_id),
    skill   TEXT NOT NULL,
    PRIMARY KEY (user_id, skill)
);
CREATE INDEX responder_skills_skill ON responder_skills(skill);

CREATE TABLE responder_certifications (
    user_id    TEXT NOT NULL REFERENCES responder_profiles(user_id),
    seq        INTEGER NOT NULL,
    name       TEXT NOT NULL,
    issuer     TEXT NOT NULL,
    expires_at TIMESTAMP,
    PRIMARY KEY (user_id, seq)
);

CREATE TABLE responder_slots (
    user_id      TEXT NOT NULL REFERENCES responder_profiles(user_id),
    weekday      INTEGER NOT NULL,
    start_minute INTEGER NOT NULL,
    end_minute   INTEGER NOT NULL,
    PRIMARY KEY (user_id, weekday, start_minute)
);

CREATE TABLE responder_unavailable (
    user_id TEXT NOT NULL REFERENCES responder_profiles(user_id),
    from_at TIMESTAMP NOT NULL,
    to_at   TIMESTAMP NOT NULL,
    reason  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, from_at)
);

CREATE TABLE responder_conflicts (
    user_id TEXT NOT NULL REFERENCES responder_profiles(user_id),
    org_id  TEXT NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (user_id, org_id)
);

CREATE TABLE mobilisation_requests (
    id          TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents(id),
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    skills      TEXT NOT NULL DEFAULT '',
    wanted      INTEGER NOT NULL,
    deadline_at TIMESTAMP NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX mobilisation_requests_incident ON mobilisation_requests(incident_id, created_at);

CREATE TABLE mobilisation_asks (
    id           TEXT PRIMARY KEY,
    request_id   TEXT NOT NULL REFERENCES mobilisation_requests(id),
    incident_id  TEXT NOT NULL REFERENCES incidents(id),
    user_id      TEXT NOT NULL REFERENCES users(id),
    org_id       TEXT NOT NULL REFERENCES organisations(id),
    state        TEXT NOT NULL,
    score        INTEGER NOT NULL,
    score_detail TEXT NOT NULL DEFAULT '',
    deadline_at  TIMESTAMP NOT NULL,
    asked_by     TEXT NOT NULL,
    asked_at     TIMESTAMP NOT NULL,
    answered_at  TIMESTAMP,
    released_at  TIMESTAMP,
    reason       TEXT NOT NULL DEFAULT '',
    UNIQUE (request_id, user_id)
);
CREATE INDEX mobilisation_asks_user ON mobilisation_asks(user_id, asked_at);
CREATE INDEX mobilisation_asks_incident ON mobilisation_asks(incident_id, state);

CREATE TABLE mobilisation_hours (
    id          TEXT PRIMARY KEY,
    ask_id      TEXT NOT NULL REFERENCES mobilisation_asks(id),
    incident_id TEXT NOT NULL REFERENCES incidents(id),
    user_id     TEXT NOT NULL REFERENCES users(id),
    work_day    TEXT NOT NULL,
    minutes     INTEGER NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX mobilisation_hours_ask ON mobilisation_hours(ask_id, work_day);

CREATE TABLE mobilisation_ratings (
    ask_id      TEXT PRIMARY KEY REFERENCES mobilisation_asks(id),
    incident_id TEXT NOT NULL REFERENCES incidents(id),
    user_id     TEXT NOT NULL REFERENCES users(id),
    score       INTEGER NOT NULL,
    comment     TEXT NOT NULL DEFAULT '',
    rated_by    TEXT NOT NULL,
    rated_at    TIMESTAMP NOT NULL
);
CREATE INDEX mobilisation_ratings_user ON mobilisation_ratings(user_id);
