-- What an issuing organisation prints on its documents and how it collects
-- fees online (issue 12 items 5 and 8):
--   abbrev       机关代字 of its document numbers (宁政服 → 宁政服受字〔2026〕第1号);
--   review_body  the 复议机关 named on 不予受理/不予批准 notices ('' = the
--                people's government of its county);
--   court        the court named there ('' = the people's court of its county);
--   pay_gateway  the online payment gateway of the collecting unit ('' none,
--                'demo' the local simulator, 'bank' the bank's platform whose
--                key is ZWFW_PAYMENT_SECRET — never stored here).
-- One row per organisation; an organisation without one uses the defaults.

-- +goose Up
CREATE TABLE org_notice_settings (
    org_id       BIGINT  NOT NULL PRIMARY KEY REFERENCES orgs(id),
    abbrev       TEXT    NOT NULL DEFAULT '',
    review_body  TEXT    NOT NULL DEFAULT '',
    court        TEXT    NOT NULL DEFAULT '',
    pay_gateway  TEXT    NOT NULL DEFAULT '',
    updated_by   BIGINT  REFERENCES users(id),
    updated_at   BIGINT  NOT NULL
);

-- +goose Down
DROP TABLE org_notice_settings;
