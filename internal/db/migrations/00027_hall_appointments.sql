-- Appointments (预约办理, issue 10 item 2): an applicant books a centre, a
-- business category and a half-hour slot of a working day; at the hall
-- the booking is checked in (签到) with its six-digit code at the kiosk or
-- from the phone, which issues a ticket of the category that is called
-- ahead of walk-ins (the ticket's channel is 'appointment').
--
-- A slot's seats are counted in hall_slot_counts, raised in the
-- transaction that inserts the booking: the upsert locks the slot's row,
-- so two server processes on one PostgreSQL database never book one seat
-- more than the category's slot_capacity (a refusal rolls the count
-- back); a cancellation lowers it in its own transaction.

-- +goose Up
ALTER TABLE hall_categories ADD COLUMN slot_capacity INTEGER NOT NULL DEFAULT 2;

CREATE TABLE hall_slot_counts (
    category_id BIGINT  NOT NULL REFERENCES hall_categories(id),
    day         TEXT    NOT NULL,
    slot        TEXT    NOT NULL, -- HH:MM, the slot's start
    booked      INTEGER NOT NULL,
    PRIMARY KEY (category_id, day, slot)
);

CREATE TABLE hall_appointments (
    id           {{id}},
    centre_id    BIGINT  NOT NULL REFERENCES orgs(id),
    category_id  BIGINT  NOT NULL REFERENCES hall_categories(id),
    user_id      BIGINT  NOT NULL REFERENCES users(id),
    day          TEXT    NOT NULL, -- YYYY-MM-DD, China time
    slot         TEXT    NOT NULL, -- HH:MM start
    slot_end     TEXT    NOT NULL, -- HH:MM end
    code         TEXT    NOT NULL, -- six digits, unique per centre and day
    token        TEXT    NOT NULL UNIQUE,
    item_code    TEXT    NOT NULL DEFAULT '',
    status       TEXT    NOT NULL, -- booked, arrived, cancelled, noshow
    ticket_id    BIGINT  REFERENCES hall_tickets(id),
    created_at   BIGINT  NOT NULL,
    cancelled_at BIGINT,
    arrived_at   BIGINT,
    UNIQUE (centre_id, day, code)
);
-- One live booking per applicant, category and day.
CREATE UNIQUE INDEX hall_appointments_one ON hall_appointments (user_id, category_id, day) WHERE status IN ('booked', 'arrived');
CREATE INDEX hall_appointments_user ON hall_appointments (user_id, day);
CREATE INDEX hall_appointments_centre ON hall_appointments (centre_id, day, status);

-- +goose Down
DROP TABLE hall_appointments;
DROP TABLE hall_slot_counts;
ALTER TABLE hall_categories DROP COLUMN slot_capacity;
