-- One catalog, the same codes (issue 14 item 4; 实施方案 §2(2) "统一事项、统一
-- 标准、同一编码"): an item's 基本编码 is the same at every level and in every
-- county, so it is unique per implementing department, not per database; a
-- second county in the same deployment implements 宁陕县's items under the
-- same codes. The 实施编码 stays unique (it embeds the implementing body).
-- Which implementation a code means in a county is decided in catalog
-- (Resolve: the implementation nearest the case's or actor's organisation).
--
-- SQLite cannot drop an inline UNIQUE: items is rebuilt. item_versions is
-- rebuilt with it (its foreign key would otherwise see the old items' rows
-- deleted by DROP TABLE); both keep their ids and rows.

-- +goose Up
CREATE TABLE items_new (
    id           INTEGER PRIMARY KEY,
    code         TEXT    NOT NULL,
    impl_code    TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL,
    search       TEXT    NOT NULL DEFAULT '',
    type         TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    dept_id      BIGINT  NOT NULL REFERENCES orgs(id),
    levels       TEXT    NOT NULL,
    audience     TEXT    NOT NULL,
    themes       TEXT    NOT NULL DEFAULT ',',
    status       TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    doc          TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);
INSERT INTO items_new (id, code, impl_code, name, search, type, kind, dept_id, levels, audience, themes, status, version, doc, created_at, updated_at)
SELECT id, code, impl_code, name, search, type, kind, dept_id, levels, audience, themes, status, version, doc, created_at, updated_at FROM items;

CREATE TABLE item_versions_new (
    item_id    BIGINT  NOT NULL REFERENCES items_new(id),
    version    INTEGER NOT NULL,
    change     TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    changed    TEXT    NOT NULL,
    doc        TEXT    NOT NULL,
    actor_id   BIGINT  REFERENCES users(id),
    actor_name TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (item_id, version)
);
INSERT INTO item_versions_new (item_id, version, change, reason, changed, doc, actor_id, actor_name, created_at)
SELECT item_id, version, change, reason, changed, doc, actor_id, actor_name, created_at FROM item_versions;

DROP TABLE item_versions;
DROP TABLE items;
-- Renaming rewrites item_versions_new's reference to "items".
ALTER TABLE items_new RENAME TO items;
ALTER TABLE item_versions_new RENAME TO item_versions;
CREATE INDEX items_dept ON items (dept_id);
CREATE UNIQUE INDEX items_code_dept ON items (code, dept_id);

-- +goose Down
DROP INDEX items_code_dept;
CREATE UNIQUE INDEX items_code ON items (code);
