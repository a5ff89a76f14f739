-- The hall's public rolling display (实时滚动公示, 附件2（八）1) lists a
-- centre's cases accepted and completed lately and counts today's: both read
-- by centre and time, without scanning the centre's whole history.

-- +goose Up
CREATE INDEX cases_org_accepted ON cases (org_id, accepted_at);
CREATE INDEX cases_org_completed ON cases (org_id, completed_at);

-- +goose Down
DROP INDEX cases_org_completed;
DROP INDEX cases_org_accepted;
