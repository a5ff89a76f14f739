-- An organisation's SMS gateway (issue 12 item 7: "a real gateway is a
-- setting"; settings belong to an organisation). One row per organisation;
-- an organisation without one uses its nearest ancestor's, and with none
-- the codes and notifications go to the server log.
--   kind            '' the log, 'http' a generic HTTPS gateway;
--   url, app_id     where to POST and the account there;
--   sign_name       短信签名;
--   code_template   template id of the verification code;
--   notice_template template id of case notifications;
--   secret_env      NAME of the environment variable (ZWFW_SMS_…) holding
--                   the signing key — the key itself is never stored here.

-- +goose Up
CREATE TABLE org_sms_settings (
    org_id          BIGINT  NOT NULL PRIMARY KEY REFERENCES orgs(id),
    kind            TEXT    NOT NULL DEFAULT '',
    url             TEXT    NOT NULL DEFAULT '',
    app_id          TEXT    NOT NULL DEFAULT '',
    sign_name       TEXT    NOT NULL DEFAULT '',
    code_template   TEXT    NOT NULL DEFAULT '',
    notice_template TEXT    NOT NULL DEFAULT '',
    secret_env      TEXT    NOT NULL DEFAULT '',
    updated_by      BIGINT  REFERENCES users(id),
    updated_at      BIGINT  NOT NULL
);

-- +goose Down
DROP TABLE org_sms_settings;
