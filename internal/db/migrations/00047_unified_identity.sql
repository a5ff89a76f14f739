-- Unified identity (统一身份认证) and a second factor for staff (issue 14
-- item 1; 实施方案 §1(2) and §2(1) "办事一号申请": one account everywhere,
-- through the province's OpenID Connect provider; §2(7) 等级保护 level 3,
-- GB/T 22239 身份鉴别: two factors for those who hold the platform's data).
--
-- oidc_links      an external identity (issuer + subject) bound to an
--                 account. A resident's is made at the first sign-in, by
--                 the provider's VERIFIED identity number (never by name);
--                 a staff member's only by an administrator (created_by).
--                 The subject is sealed (internal/pii) with its lookup
--                 digest beside it: a provider may use an identity number
--                 as the subject.
-- oidc_states     one sign-in under way: the state, nonce and PKCE verifier
--                 bound to the browser by the hash of a short-lived cookie;
--                 used once, swept when old.
-- oidc_sessions   a session opened through the provider: its link, the
--                 provider's sid and the ID token (sealed), for sign-out at
--                 the provider (id_token_hint) and back-channel logout.
-- login_challenges a sign-in whose first factor was right and that waits
--                 for its second (purpose totp) or for the enrolment the
--                 organisation requires (purpose enrol); the browser holds
--                 its token. An OIDC sign-in carries its link, sid and
--                 sealed ID token through it.
-- user_totp       a staff member's TOTP secret (sealed), enabled once a
--                 code confirmed it; last_step refuses a code used again.
-- user_recovery_codes  one-time recovery codes, only their SHA-256.
-- org_security_settings which roles must use the second factor, set by an
--                 organisation's administrators and inherited down the
--                 tree like its other settings (org/security.go).

-- +goose Up
CREATE TABLE oidc_links (
    id              {{id}},
    issuer          TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    subject_digest  TEXT    NOT NULL,
    user_id         BIGINT  NOT NULL REFERENCES users(id),
    kind            TEXT    NOT NULL,
    created_by      BIGINT  REFERENCES users(id),
    created_at      BIGINT  NOT NULL,
    last_used_at    BIGINT  NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX oidc_links_subject ON oidc_links (issuer, subject_digest);
CREATE INDEX oidc_links_user ON oidc_links (user_id);

CREATE TABLE oidc_states (
    id            {{id}},
    browser_hash  TEXT    NOT NULL,
    state         TEXT    NOT NULL,
    nonce         TEXT    NOT NULL,
    verifier      TEXT    NOT NULL,
    next          TEXT    NOT NULL DEFAULT '',
    created_at    BIGINT  NOT NULL,
    expires_at    BIGINT  NOT NULL
);
CREATE UNIQUE INDEX oidc_states_browser ON oidc_states (browser_hash);
CREATE INDEX oidc_states_expires ON oidc_states (expires_at);

CREATE TABLE oidc_sessions (
    id          {{id}},
    token_hash  TEXT    NOT NULL,
    link_id     BIGINT  NOT NULL REFERENCES oidc_links(id),
    sid         TEXT    NOT NULL DEFAULT '',
    id_token    TEXT    NOT NULL DEFAULT '',
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL
);
CREATE UNIQUE INDEX oidc_sessions_token ON oidc_sessions (token_hash);
CREATE INDEX oidc_sessions_link ON oidc_sessions (link_id);
CREATE INDEX oidc_sessions_sid ON oidc_sessions (sid);

CREATE TABLE login_challenges (
    id            {{id}},
    token_hash    TEXT    NOT NULL,
    user_id       BIGINT  NOT NULL REFERENCES users(id),
    purpose       TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    ip            TEXT    NOT NULL DEFAULT '',
    user_agent    TEXT    NOT NULL DEFAULT '',
    next          TEXT    NOT NULL DEFAULT '',
    link_id       BIGINT  REFERENCES oidc_links(id),
    sid           TEXT    NOT NULL DEFAULT '',
    id_token      TEXT    NOT NULL DEFAULT '',
    created_at    BIGINT  NOT NULL,
    expires_at    BIGINT  NOT NULL
);
CREATE UNIQUE INDEX login_challenges_token ON login_challenges (token_hash);
CREATE INDEX login_challenges_expires ON login_challenges (expires_at);

CREATE TABLE user_totp (
    id          {{id}},
    user_id     BIGINT  NOT NULL REFERENCES users(id),
    secret      TEXT    NOT NULL,
    enabled_at  BIGINT  NOT NULL DEFAULT 0,
    last_step   BIGINT  NOT NULL DEFAULT 0,
    created_at  BIGINT  NOT NULL
);
CREATE UNIQUE INDEX user_totp_user ON user_totp (user_id);

CREATE TABLE user_recovery_codes (
    id          {{id}},
    user_id     BIGINT  NOT NULL REFERENCES users(id),
    code_hash   TEXT    NOT NULL,
    used_at     BIGINT  NOT NULL DEFAULT 0,
    created_at  BIGINT  NOT NULL
);
CREATE INDEX user_recovery_codes_user ON user_recovery_codes (user_id);

CREATE TABLE org_security_settings (
    org_id      BIGINT  NOT NULL PRIMARY KEY REFERENCES orgs(id),
    totp_roles  TEXT    NOT NULL DEFAULT '',
    updated_by  BIGINT  REFERENCES users(id),
    updated_at  BIGINT  NOT NULL
);

-- +goose Down
DROP TABLE org_security_settings;
DROP TABLE user_recovery_codes;
DROP TABLE user_totp;
DROP TABLE login_challenges;
DROP TABLE oidc_sessions;
DROP TABLE oidc_states;
DROP TABLE oidc_links;
