-- Forwarded cases across platforms (上报件, issue 14 item 3; 实施方案 §2(1)
-- 市县两级 "统一申报、统一受理、统一反馈", attachment 2 (5)3 上报件): a case
-- one platform sends to another (a county's 上报件 to the city platform, or a
-- case filed at the city for a county's item down to that county), and the
-- case the receiving platform opens for it. One row per case that crossed:
--   direction  'out': this platform's case, sent to peer_code, decided there;
--              'in':  opened here for peer_code's case remote_serial.
--   remote_serial  out: the receiving platform's serial, once its decision
--                  came back ('' until); in: the sender's serial (its case).
--   state      out: 'sent' → 'decided'; in: 'received' → 'decided'.
--   decision   the decision as it crossed (JSON: casework.RemoteDecision), ''
--              until decided.
-- A sender's case is received once: (peer_code, remote_serial) is unique
-- among the 'in' rows, whatever the exchange redelivers.

-- +goose Up
CREATE TABLE case_forwards (
    case_id        BIGINT  PRIMARY KEY REFERENCES cases(id),
    direction      TEXT    NOT NULL,
    peer_code      TEXT    NOT NULL,
    peer_name      TEXT    NOT NULL,
    remote_serial  TEXT    NOT NULL DEFAULT '',
    state          TEXT    NOT NULL,
    decision       TEXT    NOT NULL DEFAULT '',
    created_at     BIGINT  NOT NULL,
    decided_at     BIGINT  NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX case_forwards_received ON case_forwards (peer_code, remote_serial) WHERE direction = 'in';

-- +goose Down
DROP TABLE case_forwards;
