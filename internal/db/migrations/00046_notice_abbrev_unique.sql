-- A 机关代字 names one issuing organisation: two centres with the same 代字
-- would print the same document number (宁政服受字〔2026〕第1号) from their
-- own sequences, and the second notice would break case_notices.number's
-- uniqueness, stopping that centre from accepting cases. An existing
-- duplicate keeps its first holder; the others fall back to numbering with
-- their organisation code until an administrator gives them their own.

-- +goose Up
UPDATE org_notice_settings SET abbrev = ''
 WHERE abbrev <> ''
   AND org_id > (SELECT MIN(s2.org_id) FROM org_notice_settings s2 WHERE s2.abbrev = org_notice_settings.abbrev);
CREATE UNIQUE INDEX org_notice_settings_abbrev ON org_notice_settings (abbrev) WHERE abbrev <> '';

-- +goose Down
DROP INDEX org_notice_settings_abbrev;
