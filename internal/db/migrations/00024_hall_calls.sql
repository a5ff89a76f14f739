-- Every call and recall at a window (叫号), newest last: the display
-- screens' "latest calls" and the voice announcements are read from here,
-- and a screen that missed a notification catches up from its last id.

-- +goose Up
CREATE TABLE hall_calls (
    id         {{id}},
    centre_id  BIGINT NOT NULL REFERENCES orgs(id),
    ticket_id  BIGINT NOT NULL REFERENCES hall_tickets(id),
    window_id  BIGINT NOT NULL REFERENCES orgs(id),
    at         BIGINT NOT NULL
);
CREATE INDEX hall_calls_centre ON hall_calls (centre_id, id);

-- +goose Down
DROP TABLE hall_calls;
