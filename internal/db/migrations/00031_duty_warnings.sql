-- Warnings of what else runs against a working-day limit besides a case
-- (附件2（九）2 预警): a 差评 rectification work order, a complaint. The
-- scan raises and clears them as it does a case's (case_warnings), one row
-- per (kind, ref, level) so that a warning is announced once. kind names
-- the source, ref_id its record; number and title are what lists and
-- notes show, link the staff page; org_path and dept_path scope the lists.

-- +goose Up
CREATE TABLE duty_warnings (
    id          {{id}},
    kind        TEXT    NOT NULL,
    ref_id      BIGINT  NOT NULL,
    level       TEXT    NOT NULL,
    number      TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    link        TEXT    NOT NULL DEFAULT '',
    org_path    TEXT    NOT NULL,
    dept_path   TEXT    NOT NULL,
    deadline    TEXT    NOT NULL,
    remaining   INTEGER NOT NULL,
    since       BIGINT  NOT NULL,
    notified_at BIGINT  NOT NULL DEFAULT 0,
    cleared_at  BIGINT  NOT NULL DEFAULT 0,
    updated_at  BIGINT  NOT NULL,
    UNIQUE (kind, ref_id, level)
);
CREATE INDEX duty_warnings_active ON duty_warnings (cleared_at, level);

-- +goose Down
DROP TABLE duty_warnings;
