-- Cases that concern investment projects (涉及投资项目审批的联办件) carry
-- the project's 全国投资项目统一代码 (issue 14 item 6; 附件2（五）3: "涉及
-- 投资项目审批的联办件，应依托全省投资项目在线审批监管平台，实现非涉密投资
-- 项目'在线申报、统一受理、并联办理、依责监管、全程监察'"), and their
-- events for the province's investment platform (投资项目在线审批监管平台)
-- wait in invest_outbox, written in the case's own transaction and
-- delivered later by a job (internal/invest): never over the network
-- inside a case's transaction. sent_at = 0 while the event waits;
-- attempts and last_error say why it still does; next_at is when the job
-- tries it again (backoff).

-- +goose Up
ALTER TABLE cases ADD COLUMN project_code TEXT NOT NULL DEFAULT '';
CREATE INDEX cases_project_code ON cases (project_code) WHERE project_code <> '';
ALTER TABLE drafts ADD COLUMN project_code TEXT NOT NULL DEFAULT '';

CREATE TABLE invest_outbox (
    id            {{id}},
    project_code  TEXT    NOT NULL,
    case_serial   TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    next_at       BIGINT  NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT    NOT NULL DEFAULT '',
    sent_at       BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX invest_outbox_pending ON invest_outbox (sent_at, next_at, id);
CREATE INDEX invest_outbox_project ON invest_outbox (project_code, id);

-- +goose Down
DROP TABLE invest_outbox;
ALTER TABLE drafts DROP COLUMN project_code;
DROP INDEX cases_project_code;
ALTER TABLE cases DROP COLUMN project_code;
