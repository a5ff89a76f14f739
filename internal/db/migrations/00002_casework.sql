-- Case handling (办件, §2(3), attachment 2 (5)): cases and their steps,
-- materials, notices, special procedures, extensions, joint sub-tasks,
-- payments and evaluations; the notification outbox; counters for serial
-- and notice numbers; local calendar adjustments; application drafts.

-- +goose Up
CREATE TABLE counters (
    name  TEXT   PRIMARY KEY,
    value BIGINT NOT NULL
);

CREATE TABLE calendar_days (
    day        TEXT   PRIMARY KEY,
    kind       TEXT   NOT NULL,
    note       TEXT   NOT NULL,
    actor_id   BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL
);

CREATE TABLE cases (
    id              {{id}},
    serial          TEXT    NOT NULL UNIQUE,
    item_code       TEXT    NOT NULL,
    item_version    INTEGER NOT NULL,
    item_name       TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    org_id          BIGINT  NOT NULL REFERENCES orgs(id),
    org_path        TEXT    NOT NULL,
    dept_id         BIGINT  NOT NULL REFERENCES orgs(id),
    dept_path       TEXT    NOT NULL,
    handler_org_id  BIGINT  REFERENCES orgs(id),
    channel         TEXT    NOT NULL,
    applicant_id    BIGINT  REFERENCES users(id),
    applicant_kind  TEXT    NOT NULL,
    applicant_name  TEXT    NOT NULL,
    applicant_ident TEXT    NOT NULL,
    applicant_phone TEXT    NOT NULL,
    form            TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    decision        TEXT    NOT NULL DEFAULT '',
    version         INTEGER NOT NULL,
    promised_days   INTEGER NOT NULL,
    cur_step        INTEGER NOT NULL DEFAULT 0,
    extended_days   INTEGER NOT NULL DEFAULT 0,
    deadline        TEXT    NOT NULL DEFAULT '',
    window_id       BIGINT  REFERENCES orgs(id),
    fee_cents       BIGINT  NOT NULL DEFAULT 0,
    paid            BOOLEAN NOT NULL DEFAULT FALSE,
    result          TEXT    NOT NULL DEFAULT '',
    delivery        TEXT    NOT NULL DEFAULT '',
    query_code      TEXT    NOT NULL DEFAULT '',
    day             TEXT    NOT NULL,
    submitted_at    BIGINT  NOT NULL,
    accepted_at     BIGINT  NOT NULL DEFAULT 0,
    decided_at      BIGINT  NOT NULL DEFAULT 0,
    completed_at    BIGINT  NOT NULL DEFAULT 0,
    closed_at       BIGINT  NOT NULL DEFAULT 0,
    updated_at      BIGINT  NOT NULL
);
CREATE INDEX cases_status ON cases (status, deadline);
CREATE INDEX cases_org_path ON cases (org_path);
CREATE INDEX cases_dept_path ON cases (dept_path);
CREATE INDEX cases_applicant ON cases (applicant_id, id);
CREATE INDEX cases_day ON cases (day);

CREATE TABLE case_steps (
    id          {{id}},
    case_id     BIGINT  NOT NULL REFERENCES cases(id),
    seq         INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    from_status TEXT    NOT NULL,
    to_status   TEXT    NOT NULL,
    actor_id    BIGINT  REFERENCES users(id),
    actor_name  TEXT    NOT NULL DEFAULT '',
    post        TEXT    NOT NULL DEFAULT '',
    org_id      BIGINT  REFERENCES orgs(id),
    window_id   BIGINT  REFERENCES orgs(id),
    opinion     TEXT    NOT NULL DEFAULT '',
    person      TEXT    NOT NULL DEFAULT '',
    phone       TEXT    NOT NULL DEFAULT '',
    limit_days  INTEGER NOT NULL DEFAULT 0,
    started_at  BIGINT  NOT NULL,
    ended_at    BIGINT  NOT NULL DEFAULT 0,
    UNIQUE (case_id, seq)
);

CREATE TABLE case_materials (
    id           {{id}},
    case_id      BIGINT  NOT NULL REFERENCES cases(id),
    seq          INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    file_id      BIGINT  REFERENCES files(id),
    sha256       TEXT    NOT NULL DEFAULT '',
    file_name    TEXT    NOT NULL DEFAULT '',
    size         BIGINT  NOT NULL DEFAULT 0,
    content_type TEXT    NOT NULL DEFAULT '',
    handed_in    TEXT    NOT NULL DEFAULT '',
    created_at   BIGINT  NOT NULL
);
CREATE INDEX case_materials_case ON case_materials (case_id);
CREATE INDEX case_materials_file ON case_materials (file_id);

CREATE TABLE case_notices (
    id         {{id}},
    case_id    BIGINT NOT NULL REFERENCES cases(id),
    kind       TEXT   NOT NULL,
    number     TEXT   NOT NULL UNIQUE,
    content    TEXT   NOT NULL,
    issued_by  BIGINT REFERENCES users(id),
    issuer     TEXT   NOT NULL,
    issued_at  BIGINT NOT NULL
);
CREATE INDEX case_notices_case ON case_notices (case_id);

CREATE TABLE case_suspensions (
    id          {{id}},
    case_id     BIGINT  NOT NULL REFERENCES cases(id),
    kind        TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    started_on  TEXT    NOT NULL,
    ended_on    TEXT    NOT NULL DEFAULT '',
    days        INTEGER NOT NULL DEFAULT 0,
    resume_to   TEXT    NOT NULL,
    actor_id    BIGINT  REFERENCES users(id),
    started_at  BIGINT  NOT NULL,
    ended_at    BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX case_suspensions_case ON case_suspensions (case_id);

CREATE TABLE case_extensions (
    id           {{id}},
    case_id      BIGINT  NOT NULL REFERENCES cases(id),
    days         INTEGER NOT NULL,
    reason       TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    requested_by BIGINT  REFERENCES users(id),
    requested_at BIGINT  NOT NULL,
    decided_by   BIGINT  REFERENCES users(id),
    decided_at   BIGINT  NOT NULL DEFAULT 0,
    opinion      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX case_extensions_case ON case_extensions (case_id);

CREATE TABLE case_tasks (
    id          {{id}},
    case_id     BIGINT  NOT NULL REFERENCES cases(id),
    dept_id     BIGINT  NOT NULL REFERENCES orgs(id),
    dept_path   TEXT    NOT NULL,
    lead        BOOLEAN NOT NULL,
    state       TEXT    NOT NULL,
    deadline    TEXT    NOT NULL,
    opinion     TEXT    NOT NULL DEFAULT '',
    actor_id    BIGINT  REFERENCES users(id),
    actor_name  TEXT    NOT NULL DEFAULT '',
    created_at  BIGINT  NOT NULL,
    decided_at  BIGINT  NOT NULL DEFAULT 0,
    UNIQUE (case_id, dept_id)
);
CREATE INDEX case_tasks_dept ON case_tasks (dept_path);

CREATE TABLE payments (
    id          {{id}},
    case_id     BIGINT NOT NULL REFERENCES cases(id),
    notice_no   TEXT   NOT NULL UNIQUE,
    amount      BIGINT NOT NULL,
    items       TEXT   NOT NULL,
    state       TEXT   NOT NULL,
    channel     TEXT   NOT NULL DEFAULT '',
    reference   TEXT   NOT NULL DEFAULT '',
    receipt_no  TEXT   NOT NULL DEFAULT '',
    cashier_id  BIGINT REFERENCES users(id),
    created_at  BIGINT NOT NULL,
    paid_at     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX payments_case ON payments (case_id);

CREATE TABLE evaluations (
    id          {{id}},
    case_id     BIGINT  NOT NULL REFERENCES cases(id),
    level       INTEGER NOT NULL,
    comment     TEXT    NOT NULL,
    indicators  TEXT    NOT NULL DEFAULT '',
    channel     TEXT    NOT NULL,
    evaluator   BIGINT  REFERENCES users(id),
    anonymous   BOOLEAN NOT NULL DEFAULT FALSE,
    window_id   BIGINT  REFERENCES orgs(id),
    staff_id    BIGINT  REFERENCES users(id),
    created_at  BIGINT  NOT NULL
);
CREATE INDEX evaluations_case ON evaluations (case_id);

-- The notification outbox: written in the same transaction as the change it
-- reports; a dispatcher delivers it through the channel's sender.
CREATE TABLE notifications (
    id          {{id}},
    user_id     BIGINT REFERENCES users(id),
    channel     TEXT   NOT NULL,
    address     TEXT   NOT NULL DEFAULT '',
    subject     TEXT   NOT NULL,
    body        TEXT   NOT NULL,
    case_serial TEXT   NOT NULL DEFAULT '',
    state       TEXT   NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    claimed_by  TEXT   NOT NULL DEFAULT '',
    claimed_at  BIGINT NOT NULL DEFAULT 0,
    error       TEXT   NOT NULL DEFAULT '',
    read_at     BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    sent_at     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX notifications_pending ON notifications (state, id);
CREATE INDEX notifications_user ON notifications (user_id, id);

-- Drafts of online applications: not cases yet (no serial number), only
-- the applicant sees them.
CREATE TABLE drafts (
    id          {{id}},
    user_id     BIGINT NOT NULL REFERENCES users(id),
    item_code   TEXT   NOT NULL,
    org_code    TEXT   NOT NULL,
    form        TEXT   NOT NULL,
    materials   TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX drafts_user ON drafts (user_id);

-- +goose Down
DROP TABLE drafts;
DROP TABLE notifications;
DROP TABLE evaluations;
DROP TABLE payments;
DROP TABLE case_tasks;
DROP TABLE case_extensions;
DROP TABLE case_suspensions;
DROP TABLE case_notices;
DROP TABLE case_materials;
DROP TABLE case_steps;
DROP TABLE cases;
DROP TABLE calendar_days;
DROP TABLE counters;
