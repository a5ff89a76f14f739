-- The supervision rollup (电子监察 dashboard, issue 4 item 3): counts and
-- measures of cases per bucket, kept in the same transaction as every case
-- change so the dashboard never scans the cases table. A bucket is a grain
-- (d day, m month, y year) and period of the submission date, the centre,
-- the department, the window (0: none), the kind, the channel and the status.
-- Each case counts in exactly one bucket of each grain.
--
-- cases.completed_on is the completion date (YYYY-MM-DD, China time) and
-- cases.handled_days the working days from acceptance to completion, both
-- written by casework at completion, so on-time counts compare two dates in
-- SQL the same way on both databases.

-- +goose Up
ALTER TABLE cases ADD COLUMN completed_on TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN handled_days INTEGER NOT NULL DEFAULT 0;

CREATE TABLE case_stats (
    grain         TEXT    NOT NULL,
    period        TEXT    NOT NULL,
    org_id        BIGINT  NOT NULL,
    dept_id       BIGINT  NOT NULL,
    window_id     BIGINT  NOT NULL,
    kind          TEXT    NOT NULL,
    channel       TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    n             BIGINT  NOT NULL DEFAULT 0,
    done          BIGINT  NOT NULL DEFAULT 0,
    on_time       BIGINT  NOT NULL DEFAULT 0,
    handled_days  BIGINT  NOT NULL DEFAULT 0,
    promised_days BIGINT  NOT NULL DEFAULT 0,
    evals         BIGINT  NOT NULL DEFAULT 0,
    satisfied     BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (grain, period, org_id, dept_id, window_id, kind, channel, status)
) {{clustered}};

-- Open cases are read live for overdue and warned counts.
CREATE INDEX cases_open_deadline ON cases (deadline) WHERE status IN ('accepted', 'in_progress', 'suspended', 'approved', 'awaiting_payment');

-- +goose Down
DROP INDEX cases_open_deadline;
DROP TABLE case_stats;
ALTER TABLE cases DROP COLUMN handled_days;
ALTER TABLE cases DROP COLUMN completed_on;
