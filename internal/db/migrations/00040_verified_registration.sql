-- Registration a county can trust (issue 12 item 7; §2(3) 一号申请 rests on
-- real-name identity, §2(7) protects personal data):
--
-- sms_codes are the one-time codes sent by SMS to verify a phone at
-- registration and to sign in with phone + code. Only a keyed digest of the
-- phone and of the code is stored (internal/pii's HMAC-SM3), never either in
-- clear; a code expires, allows a few tries and is used once.
--
-- users.phone_digest finds an applicant by the phone they verified
-- (phone_verified_at > 0): sign-in by SMS code. It is not unique: family
-- members may share one phone, and such a phone signs in by password only.
--
-- users.privacy_version/privacy_accepted_at record the version of the
-- privacy notice (个人信息保护告知) the applicant agreed to, and when.
--
-- One ID number is one person: the unique index on users.id_digest (00014)
-- already refuses a second account; nothing to de-duplicate here. The demo
-- data's walk-in applicant 陈家明 had 王秀兰's number on his cases; the seed
-- now gives him his own.

-- +goose Up
CREATE TABLE sms_codes (
    id            {{id}},
    purpose       TEXT    NOT NULL,
    phone_digest  TEXT    NOT NULL,
    code_hash     TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    expires_at    BIGINT  NOT NULL,
    tries         INTEGER NOT NULL DEFAULT 0,
    used_at       BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX sms_codes_phone ON sms_codes (phone_digest, purpose, id);
ALTER TABLE users ADD COLUMN phone_digest TEXT;
ALTER TABLE users ADD COLUMN phone_verified_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN privacy_version TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN privacy_accepted_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX users_phone_digest ON users (phone_digest);

-- +goose Down
DROP INDEX users_phone_digest;
ALTER TABLE users DROP COLUMN privacy_accepted_at;
ALTER TABLE users DROP COLUMN privacy_version;
ALTER TABLE users DROP COLUMN phone_verified_at;
ALTER TABLE users DROP COLUMN phone_digest;
DROP TABLE sms_codes;
