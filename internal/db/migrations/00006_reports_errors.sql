-- Error registration (差错登记, §5(4); attachment 1 task 8) and the
-- published reports of the 日检查、周考勤、月通报、季考核 system (attachment 2
-- (9)2), with the assessment weights administrators configure.

-- +goose Up
CREATE TABLE sup_errors (
    id             {{id}},
    kind           TEXT    NOT NULL,
    window_id      BIGINT  REFERENCES orgs(id),
    staff_id       BIGINT  REFERENCES users(id),
    org_path       TEXT    NOT NULL,
    dept_id        BIGINT  REFERENCES orgs(id),
    case_id        BIGINT  REFERENCES cases(id),
    case_serial    TEXT    NOT NULL DEFAULT '',
    description    TEXT    NOT NULL,
    state          TEXT    NOT NULL,
    occurred_on    TEXT    NOT NULL,
    registered_by  BIGINT  NOT NULL REFERENCES users(id),
    registered_at  BIGINT  NOT NULL,
    decided_by     BIGINT  REFERENCES users(id),
    decided_at     BIGINT  NOT NULL DEFAULT 0,
    reason         TEXT    NOT NULL DEFAULT '',
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX sup_errors_org ON sup_errors (org_path);
CREATE INDEX sup_errors_state ON sup_errors (state, occurred_on);
CREATE INDEX sup_errors_staff ON sup_errors (staff_id);
CREATE INDEX sup_errors_window ON sup_errors (window_id);

CREATE TABLE sup_error_events (
    id          {{id}},
    error_id    BIGINT NOT NULL REFERENCES sup_errors(id),
    action      TEXT   NOT NULL,
    body        TEXT   NOT NULL DEFAULT '',
    actor_id    BIGINT REFERENCES users(id),
    actor_name  TEXT   NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX sup_error_events_error ON sup_error_events (error_id);

CREATE TABLE sup_error_files (
    id           {{id}},
    error_id     BIGINT NOT NULL REFERENCES sup_errors(id),
    file_id      BIGINT NOT NULL REFERENCES files(id),
    sha256       TEXT   NOT NULL,
    name         TEXT   NOT NULL,
    size         BIGINT NOT NULL,
    content_type TEXT   NOT NULL
);
CREATE INDEX sup_error_files_error ON sup_error_files (error_id);

-- A published report: never updated nor deleted; generating the same
-- kind, period and organisation again adds the next revision.
CREATE TABLE reports (
    id            {{id}},
    kind          TEXT    NOT NULL,
    period        TEXT    NOT NULL,
    org_id        BIGINT  NOT NULL REFERENCES orgs(id),
    org_path      TEXT    NOT NULL,
    revision      INTEGER NOT NULL,
    number        TEXT    NOT NULL UNIQUE,
    title         TEXT    NOT NULL,
    content       TEXT    NOT NULL,
    html          TEXT    NOT NULL,
    generated_by  BIGINT  REFERENCES users(id),
    generator     TEXT    NOT NULL,
    generated_at  BIGINT  NOT NULL,
    UNIQUE (kind, period, org_id, revision)
);
CREATE INDEX reports_kind ON reports (kind, id);
CREATE INDEX reports_org ON reports (org_path);

-- Assessment weights (季考核): one row per component.
CREATE TABLE assessment_weights (
    name        TEXT    PRIMARY KEY,
    value       INTEGER NOT NULL,
    updated_by  BIGINT  REFERENCES users(id),
    updated_at  BIGINT  NOT NULL
);

-- Report figures read a period's cases by completion and evaluation time.
CREATE INDEX cases_completed ON cases (completed_at);
CREATE INDEX evaluations_created ON evaluations (created_at);

-- +goose Down
DROP INDEX evaluations_created;
DROP INDEX cases_completed;
DROP TABLE assessment_weights;
DROP TABLE reports;
DROP TABLE sup_error_files;
DROP TABLE sup_error_events;
DROP TABLE sup_errors;
