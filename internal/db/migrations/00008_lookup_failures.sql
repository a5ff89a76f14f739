-- Failed public progress lookups per case: the query code has six digits,
-- so a case whose lookups keep failing is closed to the public lookup for
-- an hour. Kept in the database so that every server process counts the
-- same attempts.

-- +goose Up
CREATE TABLE lookup_failures (
    serial       TEXT    PRIMARY KEY,
    window_start BIGINT  NOT NULL,
    n            INTEGER NOT NULL
);

-- +goose Down
DROP TABLE lookup_failures;
