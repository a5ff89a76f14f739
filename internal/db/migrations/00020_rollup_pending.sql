-- Case changes waiting to be added to the supervision rollup (package
-- rollup, pending.go). On PostgreSQL a case's transaction appends its change
-- here instead of updating the bucket rows that every transaction of the
-- same centre, department and day shares, and a folder adds the committed
-- changes to case_stats and case_counts moments later (issue 9 item 3).
-- SQLite writes the buckets at once and leaves this table empty.

-- +goose Up
CREATE TABLE rollup_pending (
    id     {{id}},
    change TEXT NOT NULL
);

-- +goose Down
DROP TABLE rollup_pending;
