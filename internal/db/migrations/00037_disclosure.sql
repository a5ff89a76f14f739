-- 政务公开 (实施方案 §2(4)): "法律法规、政策文件、通知公告…审查细则…中介服务
-- 事项清单、机构名录", the same online and offline.
--
-- A document's every version is one row of disclosure_versions, never
-- changed; each step of its workflow (提交审核, 发布, 退回, 撤回) one row of
-- disclosure_events. disclosure_docs holds where the document stands and,
-- while it is published, the published version's title, number, items and
-- normalised search text, so that the public list, the search and the
-- item guides read one row.

-- +goose Up
CREATE TABLE disclosure_docs (
    id            {{id}},
    kind          TEXT    NOT NULL,
    org_id        BIGINT  NOT NULL REFERENCES orgs(id),
    org_path      TEXT    NOT NULL,
    state         TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    pub_version   INTEGER NOT NULL DEFAULT 0,
    pub_title     TEXT    NOT NULL DEFAULT '',
    pub_number    TEXT    NOT NULL DEFAULT '',
    pub_items     TEXT    NOT NULL DEFAULT ',',
    pub_interprets BIGINT NOT NULL DEFAULT 0,
    pub_search    TEXT    NOT NULL DEFAULT '',
    pub_at        BIGINT  NOT NULL DEFAULT 0,
    created_by    BIGINT  REFERENCES users(id),
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
CREATE INDEX disclosure_docs_org ON disclosure_docs (org_path);
CREATE INDEX disclosure_docs_state ON disclosure_docs (state, kind, pub_at);

CREATE TABLE disclosure_versions (
    doc_id       BIGINT  NOT NULL REFERENCES disclosure_docs(id),
    version      INTEGER NOT NULL,
    doc          TEXT    NOT NULL,
    actor_id     BIGINT  REFERENCES users(id),
    actor_name   TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    PRIMARY KEY (doc_id, version)
);

CREATE TABLE disclosure_events (
    id          {{id}},
    doc_id      BIGINT  NOT NULL REFERENCES disclosure_docs(id),
    version     INTEGER NOT NULL,
    action      TEXT    NOT NULL,
    reason      TEXT    NOT NULL DEFAULT '',
    actor_id    BIGINT  REFERENCES users(id),
    actor_name  TEXT    NOT NULL,
    at          BIGINT  NOT NULL
);
CREATE INDEX disclosure_events_doc ON disclosure_events (doc_id, id);

-- The government-site marks of a county's (or the city's) public pages:
-- 网站标识码, ICP备案号, 公安机关备案号 — a setting of the organisation.
CREATE TABLE disclosure_site (
    org_id      BIGINT  NOT NULL PRIMARY KEY REFERENCES orgs(id),
    id_code     TEXT    NOT NULL DEFAULT '',
    icp         TEXT    NOT NULL DEFAULT '',
    psb         TEXT    NOT NULL DEFAULT '',
    updated_by  BIGINT  REFERENCES users(id),
    updated_at  BIGINT  NOT NULL
);

-- +goose Down
DROP TABLE disclosure_site;
DROP TABLE disclosure_events;
DROP TABLE disclosure_versions;
DROP TABLE disclosure_docs;
