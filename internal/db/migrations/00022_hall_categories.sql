-- The service hall's business categories (业务类别) and what each window
-- serves (issue 10 items 1 and 3). The building standard for town centres
-- asks for a ticket machine, display screens and broadcast in every hall
-- (attachment 2 (2)3); a centre's categories are what its ticket machine
-- offers. A window serves the categories listed for it, in their position
-- order; a window with none listed serves all of its centre's categories.

-- +goose Up
CREATE TABLE hall_categories (
    id          {{id}},
    centre_id   BIGINT  NOT NULL REFERENCES orgs(id),
    name        TEXT    NOT NULL,
    prefix      TEXT    NOT NULL,
    opens       TEXT    NOT NULL,
    closes      TEXT    NOT NULL,
    daily_max   INTEGER NOT NULL,
    priority    BOOLEAN NOT NULL DEFAULT FALSE,
    max_recalls INTEGER NOT NULL DEFAULT 3,
    minutes     INTEGER NOT NULL DEFAULT 10,
    sort        INTEGER NOT NULL DEFAULT 0,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    UNIQUE (centre_id, prefix)
);

CREATE TABLE hall_window_categories (
    window_id   BIGINT  NOT NULL REFERENCES orgs(id),
    category_id BIGINT  NOT NULL REFERENCES hall_categories(id),
    position    INTEGER NOT NULL,
    PRIMARY KEY (window_id, category_id)
);

-- +goose Down
DROP TABLE hall_window_categories;
DROP TABLE hall_categories;
