-- Attempt counters in fixed windows (package throttle): failed sign-ins per
-- client address and in all. They live in the database so that every
-- server process counts the same attempts.

-- +goose Up
CREATE TABLE throttle (
    key          TEXT    PRIMARY KEY,
    window_start BIGINT  NOT NULL,
    n            INTEGER NOT NULL
);
CREATE INDEX throttle_window ON throttle (window_start);

-- +goose Down
DROP TABLE throttle;
