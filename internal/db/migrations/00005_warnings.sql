-- Deadline warnings (预警, attachment 2 (9)2 "warn in advance"): the current
-- warning state of each running case, of its open step and of each of its
-- 联办 sub-tasks. One row per (case, scope, ref, level), so a warning is
-- announced once however often the scan runs; a cleared warning that comes
-- back is reopened, not announced again. ref_id is the step's or the
-- sub-task's id, 0 for the case itself. dept_path is the department that
-- answers for the warning (the sub-task's for a task), for scoped lists.

-- +goose Up
CREATE TABLE case_warnings (
    id          {{id}},
    case_id     BIGINT  NOT NULL REFERENCES cases(id),
    scope       TEXT    NOT NULL,
    ref_id      BIGINT  NOT NULL DEFAULT 0,
    level       TEXT    NOT NULL,
    name        TEXT    NOT NULL DEFAULT '',
    dept_path   TEXT    NOT NULL,
    deadline    TEXT    NOT NULL,
    remaining   INTEGER NOT NULL,
    since       BIGINT  NOT NULL,
    notified_at BIGINT  NOT NULL DEFAULT 0,
    cleared_at  BIGINT  NOT NULL DEFAULT 0,
    updated_at  BIGINT  NOT NULL,
    UNIQUE (case_id, scope, ref_id, level)
);
CREATE INDEX case_warnings_active ON case_warnings (cleared_at, level);

-- +goose Down
DROP TABLE case_warnings;
