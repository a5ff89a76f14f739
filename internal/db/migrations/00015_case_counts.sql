-- The narrow rollup (issue 9 item 5): cases, completed and on-time cases per
-- grain (d day, m month, y year) and period of the submission date, centre
-- and department only. The dashboard's trend and its today / this month /
-- this year counts read it: a month of a county is ~250 rows here against
-- ~1,300 in case_stats (which also splits by window, kind, channel and
-- status), so a trend over any period costs a fifth of what it did. Kept by
-- rollup.Move in the same transaction as case_stats; a status change that
-- completes nothing leaves it alone. Filled here from case_stats, which
-- holds the same sums at finer keys.

-- +goose Up
CREATE TABLE case_counts (
    grain    TEXT   NOT NULL,
    period   TEXT   NOT NULL,
    org_id   BIGINT NOT NULL,
    dept_id  BIGINT NOT NULL,
    n        BIGINT NOT NULL DEFAULT 0,
    done     BIGINT NOT NULL DEFAULT 0,
    on_time  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (grain, period, org_id, dept_id)
) {{clustered}};
INSERT INTO case_counts (grain, period, org_id, dept_id, n, done, on_time)
SELECT grain, period, org_id, dept_id, SUM(n), SUM(done), SUM(on_time)
FROM case_stats GROUP BY grain, period, org_id, dept_id;

-- +goose Down
DROP TABLE case_counts;
