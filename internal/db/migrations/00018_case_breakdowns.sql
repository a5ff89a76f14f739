-- The dashboard's breakdowns per region (issue 9 item 5): for every region
-- (scope_id: city, county, town, village) and every bucket (grain d/m/y and
-- period of the submission date), the cases in its subtree — filed at one of
-- its centres or owned by one of its departments, as the dashboard scopes
-- them — summed by one dimension at a time: dim 'x' the combination of
-- status, kind and channel (value 'status|kind|channel': a dozen statuses,
-- four kinds and two channels make a few dozen), 'd' the department (value:
-- its id), 'p' the centre and window (value 'centreID|windowID', window 0:
-- none yet; a window belongs to one centre). A case filed or completed so
-- changes three rows per region and grain, a change of status two.
-- A county's year is ~160 rows here against ~2,800 in case_stats, where
-- every combination of centre, department, window, kind, channel and status
-- is a row of its own; a supervisor's view of any period reads only its own
-- region's rows. A case counts for every organisation on its centre's and
-- its department's paths but that centre and that department (a centre's or
-- a department's own dashboard reads case_stats, as before). The 'x'
-- rows carry every measure (the totals are their sum); the other dimensions
-- only cases, completed and on time, so an evaluation changes only an 'x'
-- row.
--
-- Kept by rollup.Move in the transaction of every case change (one
-- multi-row upsert), regrouped by rollup.Regroup when an organisation
-- moves; rollup.Rebuild computes it with the statement below. Filled here
-- from case_stats, which holds the same sums at finer keys, with each
-- case_stats row counted once for every organisation above its centre or
-- its department.

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
    SELECT id, parent_id FROM orgs WHERE parent_id IS NOT NULL
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
SELECT scope_id, grain, period, 'x', status || '|' || kind || '|' || channel,
        SUM(n), SUM(done), SUM(on_time), SUM(handled_days), SUM(promised_days), SUM(evals), SUM(satisfied)
    FROM s GROUP BY scope_id, grain, period, status, kind, channel
UNION ALL SELECT scope_id, grain, period, 'd', CAST(dept_id AS TEXT), SUM(n), SUM(done), SUM(on_time), 0, 0, 0, 0
    FROM s GROUP BY scope_id, grain, period, dept_id
UNION ALL SELECT scope_id, grain, period, 'p', CAST(org_id AS TEXT) || '|' || CAST(window_id AS TEXT), SUM(n), SUM(done), SUM(on_time), 0, 0, 0, 0
    FROM s GROUP BY scope_id, grain, period, org_id, window_id;

-- +goose Down
DROP TABLE case_breakdowns;
