-- The city platform's view of its counties (issue 14 item 5; 实施方案
-- §1(2): "与'市云平台'进行对接，构建…市县两级数据共享网上政务服务平台").
-- A city deployment (ZWFW_ROLE=city) receives every case event of its
-- counties through the exchange; internal/city keeps these projections in
-- the transaction that records each event in the exchange inbox, so the
-- dashboard reads figures, never events.
--
-- city_counties: each county heard from, with its name and when its last
-- event arrived (the dashboard says how fresh each county's figures are).
--
-- city_cases: one row per case of a county (county, serial): the facts of
-- its last event. open = 1 while the case runs against its deadline (the
-- current yellow and red cards are counted over these rows); last_seq is
-- the exchange's sequence number of the last event applied.
--
-- city_rollup: the figures by (county, department, period), where period
-- is a day (YYYY-MM-DD) or a month (YYYY-MM) — each event adds to both, so
-- a period reads its whole months and the days at its ends. filed counts
-- on the filing day, accepted on acceptance, completed / on_time / late on
-- completion (办结), rejected on 不予受理, ratings / good (非常满意、满意) /
-- satisfied (also 基本满意) on the rating's day.

-- +goose Up
CREATE TABLE city_counties (
    code          TEXT    PRIMARY KEY,
    name          TEXT    NOT NULL,
    first_at      BIGINT  NOT NULL,
    last_at       BIGINT  NOT NULL,
    events        BIGINT  NOT NULL DEFAULT 0
);

CREATE TABLE city_cases (
    county        TEXT    NOT NULL,
    serial        TEXT    NOT NULL,
    item_code     TEXT    NOT NULL DEFAULT '',
    impl_code     TEXT    NOT NULL DEFAULT '',
    item_name     TEXT    NOT NULL DEFAULT '',
    dept_code     TEXT    NOT NULL DEFAULT '',
    dept_name     TEXT    NOT NULL DEFAULT '',
    org_code      TEXT    NOT NULL DEFAULT '',
    org_name      TEXT    NOT NULL DEFAULT '',
    kind          TEXT    NOT NULL DEFAULT '',
    channel       TEXT    NOT NULL DEFAULT '',
    status        TEXT    NOT NULL DEFAULT '',
    step          TEXT    NOT NULL DEFAULT '',
    open          INTEGER NOT NULL DEFAULT 0,
    deadline      TEXT    NOT NULL DEFAULT '',
    completed_on  TEXT    NOT NULL DEFAULT '',
    promised_days INTEGER NOT NULL DEFAULT 0,
    handled_days  INTEGER NOT NULL DEFAULT 0,
    overdue       INTEGER NOT NULL DEFAULT 0,
    rating        INTEGER NOT NULL DEFAULT 0,
    project_code  TEXT    NOT NULL DEFAULT '',
    filed_at      BIGINT  NOT NULL DEFAULT 0,
    filed_on      TEXT    NOT NULL DEFAULT '',
    updated_at    BIGINT  NOT NULL,
    last_seq      INTEGER NOT NULL,
    last_kind     TEXT    NOT NULL,
    PRIMARY KEY (county, serial)
);
CREATE INDEX city_cases_open ON city_cases (open, county, dept_code, deadline);
CREATE INDEX city_cases_filed ON city_cases (county, filed_on);
CREATE INDEX city_cases_dept ON city_cases (county, dept_code, filed_on);

CREATE TABLE city_rollup (
    county        TEXT    NOT NULL,
    dept_code     TEXT    NOT NULL,
    period        TEXT    NOT NULL,
    dept_name     TEXT    NOT NULL DEFAULT '',
    filed         BIGINT  NOT NULL DEFAULT 0,
    accepted      BIGINT  NOT NULL DEFAULT 0,
    rejected      BIGINT  NOT NULL DEFAULT 0,
    completed     BIGINT  NOT NULL DEFAULT 0,
    on_time       BIGINT  NOT NULL DEFAULT 0,
    late          BIGINT  NOT NULL DEFAULT 0,
    handled_days  BIGINT  NOT NULL DEFAULT 0,
    ratings       BIGINT  NOT NULL DEFAULT 0,
    good          BIGINT  NOT NULL DEFAULT 0,
    satisfied     BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (period, county, dept_code)
) {{clustered}};

-- +goose Down
DROP TABLE city_rollup;
DROP TABLE city_cases;
DROP TABLE city_counties;
