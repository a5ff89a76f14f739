-- Tickets (取号) and their daily counters. A ticket's number is taken from
-- hall_counters in the transaction that inserts the ticket: the upsert
-- locks the day's counter row, so several server processes on one
-- PostgreSQL database hand out each number once; the unique key on
-- (centre_id, day, number) is the backstop. A ticket carries no personal
-- data: the kiosk asks for none.

-- +goose Up
CREATE TABLE hall_counters (
    category_id BIGINT  NOT NULL REFERENCES hall_categories(id),
    day         TEXT    NOT NULL,
    last        INTEGER NOT NULL,
    PRIMARY KEY (category_id, day)
);

CREATE TABLE hall_tickets (
    id          {{id}},
    centre_id   BIGINT  NOT NULL REFERENCES orgs(id),
    category_id BIGINT  NOT NULL REFERENCES hall_categories(id),
    day         TEXT    NOT NULL,
    seq         INTEGER NOT NULL,
    number      TEXT    NOT NULL,
    priority    BOOLEAN NOT NULL DEFAULT FALSE,
    channel     TEXT    NOT NULL,
    token       TEXT    NOT NULL UNIQUE,
    status      TEXT    NOT NULL,
    window_id   BIGINT  REFERENCES orgs(id),
    staff_id    BIGINT  REFERENCES users(id),
    recalls     INTEGER NOT NULL DEFAULT 0,
    taken_at    BIGINT  NOT NULL,
    called_at   BIGINT,
    started_at  BIGINT,
    ended_at    BIGINT,
    UNIQUE (centre_id, day, number)
);
CREATE INDEX hall_tickets_queue ON hall_tickets (centre_id, day, status, category_id);
CREATE INDEX hall_tickets_window ON hall_tickets (window_id, status);

-- +goose Down
DROP TABLE hall_tickets;
DROP TABLE hall_counters;
