-- Time-window quotas of a business category (分时段取号限额, issue 10 item 1):
-- besides the daily maximum, a centre may cap the tickets of a category in
-- parts of the day ("08:30-12:00=60,14:00-17:30=60") so that the morning
-- does not take the afternoon's numbers. Empty: no quotas.

-- +goose Up
ALTER TABLE hall_categories ADD COLUMN quotas TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE hall_categories DROP COLUMN quotas;
