-- The hall's attendance and leave (issue 10 items 5 and 6): window posts A
-- and B (附件2（四）2-3), clock punches from the page and from registered
-- fingerprint or face devices, each centre's schedule, leave with the
-- centre manager's approval and the rule that B takes over before A leaves
-- for half a day or more (附件2（六）4), and punch corrections (补卡).
-- Times are Unix milliseconds; dates YYYY-MM-DD in the county's zone.

-- +goose Up
CREATE TABLE window_posts (
    window_id  BIGINT NOT NULL REFERENCES orgs (id),
    post       TEXT NOT NULL,               -- 'A' (常驻) or 'B' (顶岗)
    user_id    BIGINT NOT NULL REFERENCES users (id),
    since      BIGINT NOT NULL,
    PRIMARY KEY (window_id, post)
);
CREATE INDEX window_posts_user ON window_posts (user_id);

CREATE TABLE attendance_schedules (
    org_id        BIGINT PRIMARY KEY REFERENCES orgs (id), -- a service centre
    opens         TEXT NOT NULL,            -- HH:MM
    closes        TEXT NOT NULL,            -- HH:MM
    early_minutes INTEGER NOT NULL,         -- on duty this long before opening
    updated_by    BIGINT REFERENCES users (id),
    updated_at    BIGINT NOT NULL
);

CREATE TABLE attendance_devices (
    id          {{id}},
    org_id      BIGINT NOT NULL REFERENCES orgs (id), -- the centre it stands in
    name        TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,       -- SM3 of the device's token
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_by  BIGINT REFERENCES users (id),
    created_at  BIGINT NOT NULL
);

CREATE TABLE attendance_punches (
    id          {{id}},
    user_id     BIGINT NOT NULL REFERENCES users (id),
    day         TEXT NOT NULL,
    at          BIGINT NOT NULL,
    source      TEXT NOT NULL,              -- page, device, correction
    device_id   BIGINT NOT NULL DEFAULT 0,  -- 0: not from a device
    created_at  BIGINT NOT NULL,
    UNIQUE (device_id, user_id, at)
);
CREATE INDEX attendance_punches_day ON attendance_punches (day, user_id);

CREATE TABLE attendance_leaves (
    id          {{id}},
    user_id     BIGINT NOT NULL REFERENCES users (id),
    org_id      BIGINT NOT NULL REFERENCES orgs (id), -- the centre
    window_id   BIGINT REFERENCES orgs (id),
    kind        TEXT NOT NULL,              -- personal, sick, annual, official
    from_at     BIGINT NOT NULL,
    to_at       BIGINT NOT NULL,
    reason      TEXT NOT NULL,
    state       TEXT NOT NULL,              -- pending, approved, rejected, started, ended, cancelled
    decided_by  BIGINT REFERENCES users (id),
    decided_at  BIGINT NOT NULL DEFAULT 0,
    opinion     TEXT NOT NULL DEFAULT '',
    started_at  BIGINT NOT NULL DEFAULT 0,
    covered_by  BIGINT REFERENCES users (id),
    ended_at    BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX attendance_leaves_user ON attendance_leaves (user_id, from_at);
CREATE INDEX attendance_leaves_org ON attendance_leaves (org_id, state);

CREATE TABLE attendance_covers (
    id          {{id}},
    window_id   BIGINT NOT NULL REFERENCES orgs (id),
    user_id     BIGINT NOT NULL REFERENCES users (id),
    day         TEXT NOT NULL,
    started_at  BIGINT NOT NULL,
    ended_at    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX attendance_covers_window ON attendance_covers (window_id, day);

CREATE TABLE attendance_corrections (
    id          {{id}},
    user_id     BIGINT NOT NULL REFERENCES users (id),
    org_id      BIGINT NOT NULL REFERENCES orgs (id),
    at          BIGINT NOT NULL,
    reason      TEXT NOT NULL,
    state       TEXT NOT NULL,              -- pending, approved, rejected
    decided_by  BIGINT REFERENCES users (id),
    decided_at  BIGINT NOT NULL DEFAULT 0,
    opinion     TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);
CREATE INDEX attendance_corrections_org ON attendance_corrections (org_id, state);

-- A window with neither its A nor its B post present during opening hours
-- (附件2（四）2: "确保窗口…不空岗"): raised by the minute's watch, told to
-- the centre's managers, cleared when someone is back.
CREATE TABLE window_alerts (
    id          {{id}},
    window_id   BIGINT NOT NULL REFERENCES orgs (id),
    day         TEXT NOT NULL,
    raised_at   BIGINT NOT NULL,
    cleared_at  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX window_alerts_open ON window_alerts (window_id, cleared_at);

-- +goose Down
DROP TABLE window_alerts;
DROP TABLE attendance_corrections;
DROP TABLE attendance_covers;
DROP TABLE attendance_leaves;
DROP TABLE attendance_punches;
DROP TABLE attendance_devices;
DROP TABLE attendance_schedules;
DROP TABLE window_posts;
