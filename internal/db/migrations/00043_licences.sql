-- 电子证照 (实施方案 §2(3): 积极推动电子证照……的应用，开展网上验证核对;
-- GB/T 36901–36905). A licence is issued when a case of an item with a
-- licence type completes approved (internal/licence).
--
-- licences: one row per licence version. identifier is the GB/T 36904
-- identifier (1.2.156.3005.2.{type}.{issuer}.{sequence}.{version}.{check});
-- a change (变更) is a new row with version + 1 and a new identifier, the
-- old row's status becoming 'superseded' and replaced_by naming the new.
--   status       valid, revoked (吊销), suspended (暂停), superseded (已变更);
--                expiry is read from valid_to against the clock, not stored;
--   holder_code  the holder's ID number or credit code, sealed (pii), with
--                holder_digest its lookup digest (我的证照, reuse);
--   data         the canonical machine-readable form (deterministic JSON,
--                the bytes signed), sealed: it carries the holder's code;
--   key_id, signature  the issuing organisation's SM2 signature over data
--                (internal/esign), hex of the DER;
--   pdf_sha      the sealed A4 PDF in the file store, made on first download
--                and served the same ever after ('' until then).
-- licence_events: issue, revoke, suspend, resume, change — with the reason.
-- licence_checks: every verification (网上验证核对): what was checked, how
-- (identifier, qr, pdf, json, api), the result, when — no personal data.

-- +goose Up
CREATE TABLE licences (
    id             {{id}},
    identifier     TEXT    NOT NULL UNIQUE,
    type_code      TEXT    NOT NULL,
    type_name      TEXT    NOT NULL,
    number         TEXT    NOT NULL,
    sequence       BIGINT  NOT NULL,
    version        INTEGER NOT NULL,
    status         TEXT    NOT NULL,
    reason         TEXT    NOT NULL DEFAULT '',
    status_at      BIGINT  NOT NULL,
    replaces       TEXT    NOT NULL DEFAULT '',
    replaced_by    TEXT    NOT NULL DEFAULT '',
    holder_kind    TEXT    NOT NULL,
    holder_name    TEXT    NOT NULL,
    holder_code    TEXT    NOT NULL,
    holder_digest  TEXT    NOT NULL,
    issuer_id      BIGINT  NOT NULL REFERENCES orgs(id),
    issuer_path    TEXT    NOT NULL,
    issuer_name    TEXT    NOT NULL,
    issuer_code    TEXT    NOT NULL,
    issue_date     TEXT    NOT NULL,
    valid_to       TEXT    NOT NULL DEFAULT '',
    item_code      TEXT    NOT NULL,
    item_name      TEXT    NOT NULL,
    case_id        BIGINT  REFERENCES cases(id),
    case_serial    TEXT    NOT NULL,
    data           TEXT    NOT NULL,
    key_id         TEXT    NOT NULL,
    signature      TEXT    NOT NULL,
    pdf_sha        TEXT    NOT NULL DEFAULT '',
    created_at     BIGINT  NOT NULL,
    UNIQUE (type_code, issuer_code, sequence, version)
);
CREATE INDEX licences_holder ON licences (holder_digest, type_code);
CREATE INDEX licences_issuer ON licences (issuer_path, created_at);
CREATE INDEX licences_case ON licences (case_id);

CREATE TABLE licence_events (
    id          {{id}},
    licence_id  BIGINT  NOT NULL REFERENCES licences(id),
    action      TEXT    NOT NULL,
    reason      TEXT    NOT NULL DEFAULT '',
    actor_id    BIGINT  REFERENCES users(id),
    actor_name  TEXT    NOT NULL,
    at          BIGINT  NOT NULL
);
CREATE INDEX licence_events_licence ON licence_events (licence_id, id);

CREATE TABLE licence_checks (
    id          {{id}},
    identifier  TEXT    NOT NULL DEFAULT '',
    how         TEXT    NOT NULL,
    result      TEXT    NOT NULL,
    at          BIGINT  NOT NULL
);
CREATE INDEX licence_checks_at ON licence_checks (at);

-- +goose Down
DROP TABLE licence_checks;
DROP TABLE licence_events;
DROP TABLE licences;
