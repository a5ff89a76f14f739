-- 电子签章的密钥 (issue 13 item 2; 实施方案 §2(3) "积极推动电子证照、电子公文、
-- 电子签章…在政务服务中的应用，开展网上验证核对"): one SM2 key per issuing
-- organisation, created on first use, rotatable; retired keys are kept so
-- that what they signed still verifies.
--
-- The private keys are not here: each is a file of the data directory's
-- keystore, SM4-GCM-encrypted under the master key (ZWFW_ESIGN_KEY or
-- esign.key). Here is what every process must agree on: the public keys,
-- their self-signed certificates and which key of an organisation is
-- active.
--   esign_keys       every key ever made; retired_at 0 while it is active;
--   esign_active     the organisation's active key — its primary key makes
--                    the first key of an organisation race-safe across
--                    processes (the loser's INSERT does nothing, it re-reads);
--   esign_documents  the PDFs signed (SignPDF): what each is, so that a
--                    verification can say so (found by the SHA-256 of the
--                    signed file).

-- +goose Up
CREATE TABLE esign_keys (
    key_id       TEXT    NOT NULL PRIMARY KEY,
    org_id       BIGINT  NOT NULL REFERENCES orgs(id),
    public_key   TEXT    NOT NULL,
    certificate  TEXT    NOT NULL,
    fingerprint  TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    retired_at   BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX esign_keys_org ON esign_keys (org_id, created_at);

CREATE TABLE esign_active (
    org_id   BIGINT  NOT NULL PRIMARY KEY REFERENCES orgs(id),
    key_id   TEXT    NOT NULL REFERENCES esign_keys(key_id),
    since    BIGINT  NOT NULL
);

CREATE TABLE esign_documents (
    id          {{id}},
    sha256      TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    ref         TEXT    NOT NULL DEFAULT '',
    title       TEXT    NOT NULL DEFAULT '',
    key_id      TEXT    NOT NULL REFERENCES esign_keys(key_id),
    org_id      BIGINT  NOT NULL REFERENCES orgs(id),
    signed_at   BIGINT  NOT NULL
);
CREATE INDEX esign_documents_sha ON esign_documents (sha256);

-- +goose Down
DROP TABLE esign_documents;
DROP TABLE esign_active;
DROP TABLE esign_keys;
