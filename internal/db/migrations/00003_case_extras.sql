-- Which of a case's rarely used parts exist (1 suspensions, 2 extensions,
-- 4 payment, 8 evaluations), so that reading a case skips the empty ones.

-- +goose Up
ALTER TABLE cases ADD COLUMN extras INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE cases DROP COLUMN extras;
