-- Complaints and suggestions (网上投诉、意见箱、电话回访, 附件2（九）3; 举报或
-- 投诉 "记录在册", 附件2（六）1): one row per complaint, suggestion,
-- inquiry or praise, from the public form, a centre's 意见箱 tablet or a
-- staff member registering a call, letter or visit. number is the tracking
-- number (TS + date + sequence), query_code the second factor of the
-- public lookup. contact_name and contact_phone are sealed (internal/pii).
-- org_path is where it was filed (the centre or region, the lists' scope);
-- unit_id/unit_path the department, centre or window that must answer, and
-- deadline its last working day (empty: none). rating is the
-- complainant's, once; reopened counts the supervisor's reopenings (one).
-- complaint_events is the history, append-only; complaint_limits the
-- working days a county (or the city) allows per kind.

-- +goose Up
CREATE TABLE complaints (
    id             {{id}},
    number         TEXT    NOT NULL UNIQUE,
    query_code     TEXT    NOT NULL,
    kind           TEXT    NOT NULL,
    category       TEXT    NOT NULL,
    channel        TEXT    NOT NULL,
    subject        TEXT    NOT NULL,
    body           TEXT    NOT NULL,
    anonymous      BOOLEAN NOT NULL DEFAULT FALSE,
    contact_name   TEXT    NOT NULL DEFAULT '',
    contact_phone  TEXT    NOT NULL DEFAULT '',
    user_id        BIGINT  REFERENCES users(id),
    org_id         BIGINT  NOT NULL REFERENCES orgs(id),
    org_path       TEXT    NOT NULL,
    case_id        BIGINT  REFERENCES cases(id),
    case_serial    TEXT    NOT NULL DEFAULT '',
    state          TEXT    NOT NULL,
    unit_id        BIGINT  REFERENCES orgs(id),
    unit_path      TEXT    NOT NULL DEFAULT '',
    assigned_by    BIGINT  REFERENCES users(id),
    assigned_at    BIGINT  NOT NULL DEFAULT 0,
    deadline       TEXT    NOT NULL DEFAULT '',
    answer         TEXT    NOT NULL DEFAULT '',
    answered_by    BIGINT  REFERENCES users(id),
    answered_at    BIGINT  NOT NULL DEFAULT 0,
    rating         TEXT    NOT NULL DEFAULT '',
    rated_at       BIGINT  NOT NULL DEFAULT 0,
    reopened       INTEGER NOT NULL DEFAULT 0,
    registered_by  BIGINT  REFERENCES users(id),
    created_at     BIGINT  NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX complaints_org ON complaints (org_path, created_at);
CREATE INDEX complaints_unit ON complaints (unit_path);
CREATE INDEX complaints_state ON complaints (state, deadline);
CREATE INDEX complaints_case ON complaints (case_id);

CREATE TABLE complaint_events (
    id           {{id}},
    complaint_id BIGINT NOT NULL REFERENCES complaints(id),
    action       TEXT   NOT NULL,
    body         TEXT   NOT NULL DEFAULT '',
    actor_id     BIGINT REFERENCES users(id),
    actor_name   TEXT   NOT NULL,
    at           BIGINT NOT NULL
);
CREATE INDEX complaint_events_complaint ON complaint_events (complaint_id, id);

CREATE TABLE complaint_limits (
    org_id     BIGINT  NOT NULL REFERENCES orgs(id),
    kind       TEXT    NOT NULL,
    days       INTEGER NOT NULL,
    updated_by BIGINT  REFERENCES users(id),
    updated_at BIGINT  NOT NULL,
    PRIMARY KEY (org_id, kind)
);

-- +goose Down
DROP TABLE complaint_limits;
DROP TABLE complaint_events;
DROP TABLE complaints;
