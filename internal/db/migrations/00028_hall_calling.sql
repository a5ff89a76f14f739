-- Window calling, the parts after the first cut (issue 10 item 3):
-- re-queueing a missed ticket once (重新排队), transfers to another window
-- or category (转窗口/转类别), the cases filed during a service, and the
-- applicant's rating of the service on the window's evaluation pad.
--
-- queue_at is the time a waiting ticket is ordered by: taken_at when it is
-- taken, a moment after the Nth waiting ticket when a missed ticket is
-- re-queued, before the head of the queue when it is transferred.
-- requeued: the ticket has had its one re-queue. target_window_id: a
-- ticket transferred to a window is called by that window only.

-- +goose Up
ALTER TABLE hall_tickets ADD COLUMN queue_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE hall_tickets ADD COLUMN requeued BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE hall_tickets ADD COLUMN target_window_id BIGINT REFERENCES orgs(id);
UPDATE hall_tickets SET queue_at = taken_at;
ALTER TABLE hall_categories ADD COLUMN requeue_places INTEGER NOT NULL DEFAULT 3;

-- Transfers of a ticket (转窗口/转类别), newest last.
CREATE TABLE hall_transfers (
    id               {{id}},
    ticket_id        BIGINT NOT NULL REFERENCES hall_tickets(id),
    from_window_id   BIGINT NOT NULL REFERENCES orgs(id),
    to_window_id     BIGINT REFERENCES orgs(id),
    from_category_id BIGINT NOT NULL REFERENCES hall_categories(id),
    to_category_id   BIGINT NOT NULL REFERENCES hall_categories(id),
    staff_id         BIGINT REFERENCES users(id),
    at               BIGINT NOT NULL
);
CREATE INDEX hall_transfers_ticket ON hall_transfers (ticket_id);

-- Cases filed at a window while it served a ticket (窗口收件).
CREATE TABLE hall_ticket_cases (
    ticket_id  BIGINT NOT NULL REFERENCES hall_tickets(id),
    case_id    BIGINT NOT NULL REFERENCES cases(id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (ticket_id, case_id)
);
CREATE INDEX hall_ticket_cases_case ON hall_ticket_cases (case_id);

-- The applicant's rating of a service (好差评 on the window's pad): one per
-- ticket, never changed (append-only; no UPDATE is ever issued).
CREATE TABLE hall_ticket_evaluations (
    id         {{id}},
    ticket_id  BIGINT  NOT NULL UNIQUE REFERENCES hall_tickets(id),
    level      INTEGER NOT NULL,
    comment    TEXT    NOT NULL DEFAULT '',
    window_id  BIGINT  REFERENCES orgs(id),
    staff_id   BIGINT  REFERENCES users(id),
    created_at BIGINT  NOT NULL
);

-- +goose Down
DROP TABLE hall_ticket_evaluations;
DROP TABLE hall_ticket_cases;
DROP TABLE hall_transfers;
ALTER TABLE hall_categories DROP COLUMN requeue_places;
ALTER TABLE hall_tickets DROP COLUMN target_window_id;
ALTER TABLE hall_tickets DROP COLUMN requeued;
ALTER TABLE hall_tickets DROP COLUMN queue_at;
