-- Accountability (责任追究, 附件2 二（六）5) and the publication of reports
-- on the 政务公开 pages ("定期通报并公开工作进展情况", 实施方案 五（四）).
--
-- A sanction is proposed once and never changed: its decision (approve or
-- reject), the person's one written response (申辩/说明) and its withdrawal
-- (撤销) are each one row of sanction_acts, at most one per slot, so two
-- approvers racing cannot both decide and nothing is ever updated.

-- +goose Up
CREATE TABLE sanctions (
    id            {{id}},
    form          TEXT    NOT NULL,
    staff_id      BIGINT  REFERENCES users(id),
    window_id     BIGINT  REFERENCES orgs(id),
    org_path      TEXT    NOT NULL,
    dept_id       BIGINT  REFERENCES orgs(id),
    cause_kind    TEXT    NOT NULL,
    cause_ref     TEXT    NOT NULL,
    cause_text    TEXT    NOT NULL DEFAULT '',
    error_id      BIGINT  REFERENCES sup_errors(id),
    case_id       BIGINT  REFERENCES cases(id),
    decision      TEXT    NOT NULL,
    proposed_by   BIGINT  NOT NULL REFERENCES users(id),
    proposed_at   BIGINT  NOT NULL
);
CREATE INDEX sanctions_org ON sanctions (org_path);
CREATE INDEX sanctions_staff ON sanctions (staff_id);
CREATE INDEX sanctions_window ON sanctions (window_id);

CREATE TABLE sanction_acts (
    id           {{id}},
    sanction_id  BIGINT NOT NULL REFERENCES sanctions(id),
    slot         TEXT   NOT NULL,
    action       TEXT   NOT NULL,
    body         TEXT   NOT NULL DEFAULT '',
    decided_on   TEXT   NOT NULL DEFAULT '',
    actor_id     BIGINT REFERENCES users(id),
    actor_name   TEXT   NOT NULL,
    at           BIGINT NOT NULL,
    UNIQUE (sanction_id, slot)
);
CREATE INDEX sanction_acts_decided ON sanction_acts (slot, decided_on);

-- Whether a published report is shown on the public pages: each change is
-- a new row; the newest row of a report is in force.
CREATE TABLE report_publicity (
    id          {{id}},
    report_id   BIGINT  NOT NULL REFERENCES reports(id),
    public      BOOLEAN NOT NULL,
    reason      TEXT    NOT NULL DEFAULT '',
    actor_id    BIGINT  REFERENCES users(id),
    actor_name  TEXT    NOT NULL,
    at          BIGINT  NOT NULL
);
CREATE INDEX report_publicity_report ON report_publicity (report_id, id);

-- +goose Down
DROP TABLE report_publicity;
DROP TABLE sanction_acts;
DROP TABLE sanctions;
