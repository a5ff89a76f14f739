-- Personal data encrypted at rest (§2(7), attachment 2 (5)5): identity
-- numbers, phones and addresses are sealed with SM4-GCM by internal/pii
-- (the key is outside the database). What is looked up by equality gets a
-- keyed SM3 digest beside it, indexed: an account's ID number (registration
-- refuses a second account, the account list finds it) and a case's
-- applicant (the case list finds a person's cases). Rows written in clear
-- before this migration are sealed by the first start after it (pii.Open),
-- since that needs the key.

-- +goose Up
ALTER TABLE users ADD COLUMN id_digest TEXT;
ALTER TABLE cases ADD COLUMN applicant_digest TEXT;
-- The ciphertext differs at every write: uniqueness moves to the digest.
DROP INDEX users_id_number;
CREATE UNIQUE INDEX users_id_digest ON users (id_digest) WHERE id_digest IS NOT NULL AND kind = 'person';
CREATE INDEX cases_applicant_digest ON cases (applicant_digest);

-- +goose Down
DROP INDEX cases_applicant_digest;
DROP INDEX users_id_digest;
CREATE UNIQUE INDEX users_id_number ON users (id_number) WHERE id_number IS NOT NULL AND kind = 'person';
ALTER TABLE cases DROP COLUMN applicant_digest;
ALTER TABLE users DROP COLUMN id_digest;
