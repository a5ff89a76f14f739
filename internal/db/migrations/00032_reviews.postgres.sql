-- 好差评 in full and bad-review rectification (issue 11 items 1, 2, 7b).
-- Evaluations are never edited or deleted by anyone (GB/T 39735; like the
-- audit log, 00007): triggers refuse UPDATE and DELETE on the three rating
-- tables and on the work orders' step log.

-- +goose Up
-- Evaluations (好差评, GB/T 39735) on every channel: the case's get their
-- indicator codes already; they gain the follow-up mark (追评: the one
-- further rating after a rectification), the staff member who entered a
-- phone call-back (回访录入) and the work order a follow-up answers.
ALTER TABLE evaluations ADD COLUMN follow_up BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE evaluations ADD COLUMN entered_by BIGINT REFERENCES users(id);
ALTER TABLE evaluations ADD COLUMN rectification_id BIGINT;
CREATE INDEX evaluations_staff ON evaluations (staff_id, created_at);
-- The window pad's rating of a service carries the on-site indicators.
ALTER TABLE hall_ticket_evaluations ADD COLUMN indicators TEXT NOT NULL DEFAULT '';
ALTER TABLE hall_ticket_evaluations ADD COLUMN anonymous BOOLEAN NOT NULL DEFAULT TRUE;
-- A case's kept parts carry the follow-up mark of its evaluations: rebuilt.
DELETE FROM case_parts;

-- A rating of a staff member (from the window's QR code or small screen,
-- naming the staff member on duty), and the follow-up of a rectification
-- of a ticket's or a staff member's rating. Append-only.
CREATE TABLE staff_evaluations (
    id               {{id}},
    staff_id         BIGINT  NOT NULL REFERENCES users(id),
    window_id        BIGINT  REFERENCES orgs(id),
    org_path         TEXT    NOT NULL,
    level            INTEGER NOT NULL,
    comment          TEXT    NOT NULL DEFAULT '',
    indicators       TEXT    NOT NULL DEFAULT '',
    channel          TEXT    NOT NULL,
    evaluator        BIGINT  REFERENCES users(id),
    anonymous        BOOLEAN NOT NULL DEFAULT TRUE,
    follow_up        BOOLEAN NOT NULL DEFAULT FALSE,
    rectification_id BIGINT,
    created_at       BIGINT  NOT NULL
);
CREATE INDEX staff_evaluations_staff ON staff_evaluations (staff_id, created_at);

-- A bad-review rectification work order (差评整改): one per 差评, opened in
-- the rating's transaction. target is case, ticket or staff; eval_id the
-- rating in its table. org_path is where it was filed (the centre), so
-- lists and the public summary are scoped by it; owner_id/owner_path the
-- window or department that answers for it. Dates are working days of
-- org_path's calendar (YYYY-MM-DD).
CREATE TABLE rectifications (
    id                {{id}},
    number            TEXT    NOT NULL UNIQUE,
    target            TEXT    NOT NULL,
    eval_id           BIGINT  NOT NULL,
    case_id           BIGINT  REFERENCES cases(id),
    ticket_id         BIGINT  REFERENCES hall_tickets(id),
    staff_id          BIGINT  REFERENCES users(id),
    org_id            BIGINT  NOT NULL REFERENCES orgs(id),
    org_path          TEXT    NOT NULL,
    owner_id          BIGINT  NOT NULL REFERENCES orgs(id),
    owner_path        TEXT    NOT NULL,
    level             INTEGER NOT NULL,
    channel           TEXT    NOT NULL,
    problem           TEXT    NOT NULL,
    evaluator         BIGINT  REFERENCES users(id),
    anonymous         BOOLEAN NOT NULL DEFAULT FALSE,
    status            TEXT    NOT NULL,
    opened_on         TEXT    NOT NULL,
    callback_due      TEXT    NOT NULL,
    rectify_due       TEXT    NOT NULL,
    extended          BOOLEAN NOT NULL DEFAULT FALSE,
    result            TEXT    NOT NULL DEFAULT '',
    no_basis          BOOLEAN NOT NULL DEFAULT FALSE,
    explanation       TEXT    NOT NULL DEFAULT '',
    public_summary    TEXT    NOT NULL DEFAULT '',
    follow_level      INTEGER NOT NULL DEFAULT 0,
    cleared_reason    TEXT    NOT NULL DEFAULT '',
    closed_on         TEXT    NOT NULL DEFAULT '',
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        BIGINT  NOT NULL,
    updated_at        BIGINT  NOT NULL
);
CREATE INDEX rectifications_status ON rectifications (status, org_path);
CREATE INDEX rectifications_case ON rectifications (case_id);
CREATE UNIQUE INDEX rectifications_eval ON rectifications (target, eval_id);

-- Each step of a work order, and the supervisors' spot-check call-backs
-- (抽查回访): append-only.
CREATE TABLE rectification_events (
    id               {{id}},
    rectification_id BIGINT NOT NULL REFERENCES rectifications(id),
    action           TEXT   NOT NULL,
    actor_id         BIGINT REFERENCES users(id),
    actor_name       TEXT   NOT NULL,
    note             TEXT   NOT NULL DEFAULT '',
    outcome          TEXT   NOT NULL DEFAULT '',
    at               BIGINT NOT NULL
);
CREATE INDEX rectification_events_order ON rectification_events (rectification_id, id);

-- Limits of the work orders, per organisation (a county's apply to its
-- towns unless a town sets its own): working days for the call-back, the
-- rectification and its one extension.
CREATE TABLE rectification_settings (
    org_id         BIGINT  PRIMARY KEY REFERENCES orgs(id),
    callback_days  INTEGER NOT NULL,
    rectify_days   INTEGER NOT NULL,
    extension_days INTEGER NOT NULL,
    updated_by     BIGINT  REFERENCES users(id),
    updated_at     BIGINT  NOT NULL
);

-- +goose StatementBegin
CREATE FUNCTION rating_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER evaluations_append_only BEFORE UPDATE OR DELETE ON evaluations
    FOR EACH ROW EXECUTE FUNCTION rating_append_only();
CREATE TRIGGER evaluations_no_truncate BEFORE TRUNCATE ON evaluations
    FOR EACH STATEMENT EXECUTE FUNCTION rating_append_only();
CREATE TRIGGER hall_ticket_evaluations_append_only BEFORE UPDATE OR DELETE ON hall_ticket_evaluations
    FOR EACH ROW EXECUTE FUNCTION rating_append_only();
CREATE TRIGGER hall_ticket_evaluations_no_truncate BEFORE TRUNCATE ON hall_ticket_evaluations
    FOR EACH STATEMENT EXECUTE FUNCTION rating_append_only();
CREATE TRIGGER staff_evaluations_append_only BEFORE UPDATE OR DELETE ON staff_evaluations
    FOR EACH ROW EXECUTE FUNCTION rating_append_only();
CREATE TRIGGER staff_evaluations_no_truncate BEFORE TRUNCATE ON staff_evaluations
    FOR EACH STATEMENT EXECUTE FUNCTION rating_append_only();
CREATE TRIGGER rectification_events_append_only BEFORE UPDATE OR DELETE ON rectification_events
    FOR EACH ROW EXECUTE FUNCTION rating_append_only();
CREATE TRIGGER rectification_events_no_truncate BEFORE TRUNCATE ON rectification_events
    FOR EACH STATEMENT EXECUTE FUNCTION rating_append_only();

-- +goose Down
DROP TRIGGER evaluations_no_truncate ON evaluations;
DROP TRIGGER evaluations_append_only ON evaluations;
DROP TRIGGER hall_ticket_evaluations_no_truncate ON hall_ticket_evaluations;
DROP TRIGGER hall_ticket_evaluations_append_only ON hall_ticket_evaluations;
DROP TRIGGER staff_evaluations_no_truncate ON staff_evaluations;
DROP TRIGGER staff_evaluations_append_only ON staff_evaluations;
DROP TRIGGER rectification_events_no_truncate ON rectification_events;
DROP TRIGGER rectification_events_append_only ON rectification_events;
DROP FUNCTION rating_append_only();
DROP TABLE rectification_settings;
DROP TABLE rectification_events;
DROP TABLE rectifications;
DROP TABLE staff_evaluations;
DROP INDEX evaluations_staff;
ALTER TABLE hall_ticket_evaluations DROP COLUMN anonymous;
ALTER TABLE hall_ticket_evaluations DROP COLUMN indicators;
ALTER TABLE evaluations DROP COLUMN rectification_id;
ALTER TABLE evaluations DROP COLUMN entered_by;
ALTER TABLE evaluations DROP COLUMN follow_up;
