-- The county ↔ city exchange (issue 14 items 2, 5, 7; 实施方案 §1(2) "与'市云
-- 平台'进行对接，构建…市县两级数据共享网上政务服务平台", attachment 1 tasks
-- 1–2 统一申报、统一受理、统一反馈): every case event a platform publishes for
-- a peer waits in its outbox, in the case's own transaction, until the peer
-- has accepted it; what a platform receives is kept in its inbox, once per
-- event ID, in Seq order per (sender, case).
--
--   exchange_peers   the platforms this one exchanges with: a county has its
--                    city; the city one row per county. key_pem is the peer's
--                    SM2 public key (SubjectPublicKeyInfo PEM), exchanged at
--                    registration; its batches are verified against it.
--                    last_error*: the last failed delivery, for the operators.
--   exchange_outbox  events for a peer. seq numbers a case's events for that
--                    peer 1, 2, 3 … without gaps (UNIQUE (peer, case, seq));
--                    event_id = <from>:<case>:<seq>, the receiver's
--                    idempotency key. state: pending → delivered, or dead
--                    after a permanent refusal or too many attempts (resend
--                    puts it back). next_at: when a pending row may be tried
--                    again (backoff); lease_until: a sender holds the row
--                    until then, so two processes on one database never send
--                    it at once.
--   exchange_inbox   events received, with the sender's signature of each;
--                    (peer, case, seq) unique so that a retried batch is
--                    recorded once, and the next expected seq is one lookup.

-- +goose Up
CREATE TABLE exchange_peers (
    id            {{id}},
    code          TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    url           TEXT    NOT NULL,
    key_pem       TEXT    NOT NULL,
    key_id        TEXT    NOT NULL,
    enabled       BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    BIGINT  NOT NULL,
    last_error    TEXT    NOT NULL DEFAULT '',
    last_error_at BIGINT  NOT NULL DEFAULT 0,
    last_sent_at  BIGINT  NOT NULL DEFAULT 0
);

CREATE TABLE exchange_outbox (
    id            {{id}},
    peer          TEXT    NOT NULL,
    event_id      TEXT    NOT NULL UNIQUE,
    case_serial   TEXT    NOT NULL,
    seq           INTEGER NOT NULL,
    kind          TEXT    NOT NULL,
    at            BIGINT  NOT NULL,
    body          TEXT    NOT NULL,
    state         TEXT    NOT NULL DEFAULT 'pending',
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_at       BIGINT  NOT NULL DEFAULT 0,
    lease_until   BIGINT  NOT NULL DEFAULT 0,
    last_error    TEXT    NOT NULL DEFAULT '',
    delivered_at  BIGINT  NOT NULL DEFAULT 0,
    UNIQUE (peer, case_serial, seq)
);
-- The delivery scan: a peer's pending rows in publishing order.
CREATE INDEX exchange_outbox_pending ON exchange_outbox (peer, id) WHERE state = 'pending';
CREATE INDEX exchange_outbox_dead ON exchange_outbox (peer, id) WHERE state = 'dead';

CREATE TABLE exchange_inbox (
    id            {{id}},
    event_id      TEXT    NOT NULL UNIQUE,
    peer          TEXT    NOT NULL,
    case_serial   TEXT    NOT NULL,
    seq           INTEGER NOT NULL,
    kind          TEXT    NOT NULL,
    at            BIGINT  NOT NULL,
    body          TEXT    NOT NULL,
    key_id        TEXT    NOT NULL,
    signature     TEXT    NOT NULL,
    received_at   BIGINT  NOT NULL,
    UNIQUE (peer, case_serial, seq)
);
CREATE INDEX exchange_inbox_received ON exchange_inbox (received_at);

-- +goose Down
DROP TABLE exchange_inbox;
DROP TABLE exchange_outbox;
DROP TABLE exchange_peers;
