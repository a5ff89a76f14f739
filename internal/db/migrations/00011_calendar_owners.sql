-- Local calendar adjustments belong to an organisation (issue 8 item 3): a
-- county's apply to its subtree, the city's to all, and only that
-- organisation's administrators change them. They used to be one list for
-- the whole platform; each existing adjustment becomes one of every
-- organisation at the top of the tree, so that it still applies everywhere.

-- +goose Up
CREATE TABLE calendar_adjustments (
    org_id     BIGINT NOT NULL REFERENCES orgs(id),
    day        TEXT   NOT NULL,
    kind       TEXT   NOT NULL,
    note       TEXT   NOT NULL,
    actor_id   BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, day)
);
CREATE INDEX calendar_adjustments_day ON calendar_adjustments (day);
INSERT INTO calendar_adjustments (org_id, day, kind, note, actor_id, created_at)
    SELECT o.id, d.day, d.kind, d.note, d.actor_id, d.created_at FROM calendar_days d CROSS JOIN orgs o WHERE o.parent_id IS NULL;
DROP TABLE calendar_days;

-- +goose Down
CREATE TABLE calendar_days (
    day        TEXT   PRIMARY KEY,
    kind       TEXT   NOT NULL,
    note       TEXT   NOT NULL,
    actor_id   BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL
);
INSERT INTO calendar_days (day, kind, note, actor_id, created_at)
    SELECT a.day, a.kind, a.note, a.actor_id, a.created_at FROM calendar_adjustments a JOIN orgs o ON o.id = a.org_id
    WHERE o.parent_id IS NULL AND a.org_id = (SELECT MIN(r.id) FROM orgs r WHERE r.parent_id IS NULL);
DROP TABLE calendar_adjustments;
