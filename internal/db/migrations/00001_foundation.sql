-- Foundation: organisations, accounts, sessions, the service-item catalog,
-- stored files and the audit log. Written once for both databases: {{id}}
-- becomes the dialect's auto-increment primary key (see migrate.go).
-- Timestamps are unix milliseconds (BIGINT); dates are 'YYYY-MM-DD' text.

-- +goose Up
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Organisation tree (§2(1), attachment 2 (1)(2)): regions 市 → 县 → 镇 → 村,
-- with departments, service centres and windows attached. path is the
-- materialised path of ids ("/1/2/7/"); a staff account sees its subtree.
CREATE TABLE orgs (
    id           {{id}},
    code         TEXT    NOT NULL UNIQUE,
    parent_id    BIGINT  REFERENCES orgs(id),
    kind         TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    full_name    TEXT    NOT NULL DEFAULT '',
    path         TEXT    NOT NULL DEFAULT '',
    depth        INTEGER NOT NULL DEFAULT 0,
    sort         INTEGER NOT NULL DEFAULT 0,
    credit_code  TEXT    NOT NULL DEFAULT '',
    dept_id      BIGINT  REFERENCES orgs(id),
    window_type  TEXT    NOT NULL DEFAULT '',
    phone        TEXT    NOT NULL DEFAULT '',
    address      TEXT    NOT NULL DEFAULT '',
    hours        TEXT    NOT NULL DEFAULT '',
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);
CREATE INDEX orgs_parent ON orgs (parent_id);
CREATE INDEX orgs_path ON orgs (path);

-- Accounts. roles is a comma-wrapped list (",window,reviewer,") so that one
-- row answers "who is this and what may they do" on every request.
CREATE TABLE users (
    id                   {{id}},
    username             TEXT    NOT NULL UNIQUE,
    password_hash        TEXT    NOT NULL,
    kind                 TEXT    NOT NULL,
    name                 TEXT    NOT NULL,
    phone                TEXT    NOT NULL DEFAULT '',
    id_number            TEXT,
    credit_code          TEXT,
    roles                TEXT    NOT NULL DEFAULT ',',
    org_id               BIGINT  REFERENCES orgs(id),
    window_id            BIGINT  REFERENCES orgs(id),
    post                 TEXT    NOT NULL DEFAULT '',
    active               BOOLEAN NOT NULL DEFAULT TRUE,
    failed_logins        INTEGER NOT NULL DEFAULT 0,
    locked_until         BIGINT  NOT NULL DEFAULT 0,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    password_changed_at  BIGINT  NOT NULL,
    last_login_at        BIGINT  NOT NULL DEFAULT 0,
    created_at           BIGINT  NOT NULL,
    updated_at           BIGINT  NOT NULL
);
CREATE UNIQUE INDEX users_id_number ON users (id_number) WHERE id_number IS NOT NULL AND kind = 'person';
CREATE UNIQUE INDEX users_credit_code ON users (credit_code) WHERE credit_code IS NOT NULL AND kind = 'enterprise';
CREATE INDEX users_org ON users (org_id);

-- Sessions and API tokens live here, not in process memory, so several
-- server processes on one PostgreSQL share them. Only a hash of the secret is
-- stored.
CREATE TABLE sessions (
    token_hash   TEXT    PRIMARY KEY,
    user_id      BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL,
    last_seen_at BIGINT  NOT NULL,
    ip           TEXT    NOT NULL DEFAULT '',
    user_agent   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Service items (§2(2), attachment 2 (3)). items holds the current version of
-- each item, with the columns that searches filter on; doc is the whole item
-- as JSON. item_versions keeps every version, immutable, with who, when, why
-- and which elements changed: the public change log.
CREATE TABLE items (
    id           {{id}},
    code         TEXT    NOT NULL UNIQUE,
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
CREATE INDEX items_dept ON items (dept_id);

CREATE TABLE item_versions (
    item_id    BIGINT  NOT NULL REFERENCES items(id),
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

-- Stored files: the bytes live in the file store under the data directory,
-- named by their SHA-256; this table says who uploaded what, for which use.
CREATE TABLE files (
    id           {{id}},
    sha256       TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         BIGINT  NOT NULL,
    purpose      TEXT    NOT NULL,
    owner_id     BIGINT  REFERENCES users(id),
    created_at   BIGINT  NOT NULL
);
CREATE INDEX files_sha ON files (sha256);

-- The audit log: one row per recorded action, written in the same
-- transaction as the change. A chainer then links the entries in order by
-- hash (pos, prev_hash, hash) in short transactions of its own, so that
-- writers never queue on the chain's head while they commit. audit_head
-- holds the last chained position and hash.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY,
    pos  BIGINT  NOT NULL,
    hash TEXT    NOT NULL
);
INSERT INTO audit_head (id, pos, hash) VALUES (1, 0, '');

CREATE TABLE audit_log (
    id         {{id}},
    at         BIGINT  NOT NULL,
    actor_id   BIGINT,
    actor_name TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    object     TEXT    NOT NULL,
    detail     TEXT    NOT NULL,
    pos        BIGINT  UNIQUE,
    prev_hash  TEXT    NOT NULL DEFAULT '',
    hash       TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_object ON audit_log (object);
CREATE INDEX audit_unchained ON audit_log (id) WHERE pos IS NULL;

-- +goose Down
DROP TABLE audit_log;
DROP TABLE audit_head;
DROP TABLE files;
DROP TABLE item_versions;
DROP TABLE items;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE orgs;
DROP TABLE meta;
