-- The county's pulls of the city's catalog (issue 14 item 4): when, which
-- city and catalog version, the failure if any, and what was applied,
-- refused (a promised limit longer than the city's) and left to adopt
-- (catalog.CitySync as JSON), for 事项管理's 市级目录同步 page.

-- +goose Up
CREATE TABLE catalog_pulls (
    id      {{id}},
    at      BIGINT NOT NULL,
    city    TEXT   NOT NULL DEFAULT '',
    version TEXT   NOT NULL DEFAULT '',
    error   TEXT   NOT NULL DEFAULT '',
    result  TEXT   NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE catalog_pulls;
