-- The dashboard's breakdowns per organisation (issue 9 item 5): for every
-- organisation (scope_id) and every bucket (grain d/m/y and period of the
-- submission date), the cases in its subtree — filed at one of its centres
-- or owned by one of its departments, as the dashboard scopes them — summed
-- by one dimension at a time: dim 's' status, 'k' kind, 'c' channel,
-- 'd' department, 'o' centre, 'w' window (value: the status, kind or
-- channel, or the organisation's id in decimal; window '0': none yet).
-- A county's year is ~170 rows here against ~2,800 in case_stats, where
-- every combination of centre, department, window, kind, channel and status
-- is a row of its own; a supervisor's view of any period reads only its own
-- organisation's rows. The status rows carry every measure (the totals are
-- their sum); the other dimensions only cases, completed and on time, so an
-- evaluation changes only status rows.
--
-- Kept by rollup.Move in the transaction of every case change (one
-- multi-row upsert for the case's ancestors on its centre's and its
-- department's paths), regrouped by rollup.Regroup when an organisation
-- moves; rollup.Rebuild computes it with the statement below. Filled here
-- from case_stats, which holds the same sums at finer keys, with each
-- case_stats row counted once for every organisation above (or at) its
-- centre or its department.
--
-- case_counts (00015), which only the dashboard's trend and counts read, is
-- replaced: those come from the status rows here.

-- +goose Up
CREATE TABLE case_breakdowns (
    scope_id      BIGINT NOT NULL,
    grain         TEXT   NOT NULL,
    period        TEXT   NOT NULL,
    dim           TEXT   NOT NULL,
    value         TEXT   NOT NULL,
    n             BIGINT NOT NULL DEFAULT 0,
    done          BIGINT NOT NULL DEFAULT 0,
    on_time       BIGINT NOT NULL DEFAULT 0,
    handled_days  BIGINT NOT NULL DEFAULT 0,
    promised_days BIGINT NOT NULL DEFAULT 0,
    evals         BIGINT NOT NULL DEFAULT 0,
    satisfied     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (scope_id, grain, period, dim, value)
) {{clustered}};

WITH RECURSIVE up (id, anc) AS (
    SELECT id, id FROM orgs
    UNION ALL
    SELECT up.id, o.parent_id FROM up JOIN orgs o ON o.id = up.anc WHERE o.parent_id IS NOT NULL
),
pairs (org_id, dept_id) AS (SELECT DISTINCT org_id, dept_id FROM case_stats),
scopes (org_id, dept_id, scope_id) AS (
    SELECT p.org_id, p.dept_id, up.anc FROM pairs p JOIN up ON up.id = p.org_id
    UNION
    SELECT p.org_id, p.dept_id, up.anc FROM pairs p JOIN up ON up.id = p.dept_id
),
s AS (
    SELECT sc.scope_id, cs.grain, cs.period, cs.window_id, cs.org_id, cs.dept_id, cs.kind, cs.channel, cs.status,
        cs.n, cs.done, cs.on_time, cs.handled_days, cs.promised_days, cs.evals, cs.satisfied
    FROM case_stats cs JOIN scopes sc ON sc.org_id = cs.org_id AND sc.dept_id = cs.dept_id
)
INSERT INTO case_breakdowns (scope_id, grain, period, dim, value, n, done, on_time, handled_days, promised_days, evals, satisfied)
SELECT scope_id, grain, period, 's', status, SUM(n), SUM(done), SUM(on_time), SUM(handled_days), SUM(promised_days), SUM(evals), SUM(satisfied)
    FROM s GROUP BY scope_id, grain, period, status
UNION ALL SELECT scope_id, grain, period, 'k', kind, SUM(n), SUM(done), SUM(on_time), 0, 0, 0, 0
    FROM s GROUP BY scope_id, grain, period, kind
UNION ALL SELECT scope_id, grain, period, 'c', channel, SUM(n), SUM(done), SUM(on_time), 0, 0, 0, 0
    FROM s GROUP BY scope_id, grain, period, channel
UNION ALL SELECT scope_id, grain, period, 'd', CAST(dept_id AS TEXT), SUM(n), SUM(done), SUM(on_time), 0, 0, 0, 0
    FROM s GROUP BY scope_id, grain, period, dept_id
UNION ALL SELECT scope_id, grain, period, 'o', CAST(org_id AS TEXT), SUM(n), SUM(done), SUM(on_time), 0, 0, 0, 0
    FROM s GROUP BY scope_id, grain, period, org_id
UNION ALL SELECT scope_id, grain, period, 'w', CAST(window_id AS TEXT), SUM(n), SUM(done), SUM(on_time), 0, 0, 0, 0
    FROM s GROUP BY scope_id, grain, period, window_id;

DROP TABLE case_counts;

-- +goose Down
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
DROP TABLE case_breakdowns;
