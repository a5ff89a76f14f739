-- The sealed PDF of a case notice (issue 13 item 4; §2(3) 电子签章): made on
-- the first download — rendered, signed by the issuing centre's SM2 key —
-- and kept in the file store; every later download serves the same bytes,
-- so that every copy anyone holds verifies. One row per notice: the notice
-- id is the key, so two first downloads at once keep one PDF (the other's
-- insert does nothing and it serves the winner's).
--   org_id   the organisation whose key signed it (the notice's issuer);
--   sha256   the stored bytes (files), what VerifyPDF is given back.

-- +goose Up
CREATE TABLE case_notice_pdfs (
    notice_id   BIGINT  NOT NULL PRIMARY KEY REFERENCES case_notices(id),
    file_id     BIGINT  NOT NULL REFERENCES files(id),
    sha256      TEXT    NOT NULL,
    org_id      BIGINT  NOT NULL REFERENCES orgs(id),
    created_at  BIGINT  NOT NULL
);

-- +goose Down
DROP TABLE case_notice_pdfs;
