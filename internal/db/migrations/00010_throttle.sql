-- Attempt counters in fixed windows (package throttle): failed sign-ins per
-- client address and in all, failed public progress lookups per address.
-- They live in the database so that every server process counts the same
-- attempts. They replace lookup_failures, which counted failed lookups per
-- case and so let anyone close any case to the public lookup (serials run
-- in sequence).
--
-- users.home_org_id is the organisation (the county) where an applicant
-- registered: its administrators see the applicant in the account list;
-- other staff see applicants only through cases in their scope. Existing
-- applicants are put under the root of the tree (the city), whose
-- administrators saw them all before.

-- +goose Up
CREATE TABLE throttle (
    key          TEXT    PRIMARY KEY,
    window_start BIGINT  NOT NULL,
    n            INTEGER NOT NULL
);
CREATE INDEX throttle_window ON throttle (window_start);
DROP TABLE lookup_failures;
ALTER TABLE users ADD COLUMN home_org_id BIGINT REFERENCES orgs(id);
UPDATE users SET home_org_id = (SELECT id FROM orgs WHERE parent_id IS NULL ORDER BY id LIMIT 1)
    WHERE kind IN ('person', 'enterprise');

-- +goose Down
ALTER TABLE users DROP COLUMN home_org_id;
CREATE TABLE lookup_failures (
    serial       TEXT    PRIMARY KEY,
    window_start BIGINT  NOT NULL,
    n            INTEGER NOT NULL
);
DROP TABLE throttle;
