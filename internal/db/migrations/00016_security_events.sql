-- The security log (issue 9 item 8; 实施方案 §2(7) 等级保护 level 3):
-- sign-in failures, lockouts, refused requests, reveals of personal data,
-- setting changes and exports, one row each. Read by the audit
-- administrators within their subtree (audit.MayRead), kept at least 180
-- days (ZWFW_SECURITY_LOG_DAYS; a job deletes what is older). org_id is
-- the organisation the event concerns, for scoping (none: the platform,
-- read at the top of the tree); it has no foreign key so that the log
-- never stops an organisation's change. username is who acted, or the
-- username tried at a failed sign-in (masked when it looks like a number).
-- Nothing secret goes in: no passwords, personal data masked.

-- +goose Up
CREATE TABLE security_events (
    id        {{id}},
    at        BIGINT NOT NULL,
    kind      TEXT   NOT NULL,
    user_id   BIGINT,
    username  TEXT   NOT NULL DEFAULT '',
    name      TEXT   NOT NULL DEFAULT '',
    org_id    BIGINT,
    addr      TEXT   NOT NULL DEFAULT '',
    object    TEXT   NOT NULL DEFAULT '',
    detail    TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX security_events_at ON security_events (at);
CREATE INDEX security_events_org ON security_events (org_id, at);

-- +goose Down
DROP TABLE security_events;
