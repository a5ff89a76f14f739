-- The first-inquiry register (首问负责, 附件2（六）1) and the applicants'
-- accounts of their experience with an item (公众参与, 实施方案二（三）:
-- 鼓励引导群众分享办事经验).
--
-- An inquiry belongs to the organisation that answered first (org_id: the
-- staff member's window, or department or centre; for an online question
-- the item's department or the county's centre): its scope is that
-- organisation's path, read through the join, so a move of the tree needs
-- no copy rewritten. asker_phone is sealed (pii). question_key is the
-- question normalised, to count repeats per item. seconds: how long the
-- answer (or the referral) took.

-- +goose Up
CREATE TABLE inquiries (
    id               {{id}},
    channel          TEXT NOT NULL,
    org_id           BIGINT NOT NULL REFERENCES orgs(id),
    staff_id         BIGINT REFERENCES users(id),
    staff_name       TEXT NOT NULL DEFAULT '',
    asker_name       TEXT NOT NULL DEFAULT '',
    asker_phone      TEXT NOT NULL DEFAULT '',
    question         TEXT NOT NULL,
    question_key     TEXT NOT NULL,
    item_code        TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL,
    answer           TEXT NOT NULL DEFAULT '',
    answered_by_id   BIGINT REFERENCES users(id),
    answered_by      TEXT NOT NULL DEFAULT '',
    answered_at      BIGINT NOT NULL DEFAULT 0,
    seconds          BIGINT NOT NULL DEFAULT 0,
    query_code       TEXT NOT NULL DEFAULT '',
    faq_item_code    TEXT NOT NULL DEFAULT '',
    faq_version      INTEGER NOT NULL DEFAULT 0,
    faq_by           TEXT NOT NULL DEFAULT '',
    faq_at           BIGINT NOT NULL DEFAULT 0,
    started_at       BIGINT NOT NULL,
    created_at       BIGINT NOT NULL
);
CREATE INDEX inquiries_org ON inquiries (org_id, created_at);
CREATE INDEX inquiries_item_key ON inquiries (item_code, question_key);

-- A referral (转办) of an inquiry to another window or department: a task
-- the receiving side acknowledges (签收), once, with who and when.
CREATE TABLE inquiry_referrals (
    id              {{id}},
    inquiry_id      BIGINT NOT NULL REFERENCES inquiries(id),
    from_org_id     BIGINT NOT NULL REFERENCES orgs(id),
    to_org_id       BIGINT NOT NULL REFERENCES orgs(id),
    guidance        TEXT NOT NULL,
    referred_by_id  BIGINT REFERENCES users(id),
    referred_by     TEXT NOT NULL,
    referred_at     BIGINT NOT NULL,
    ack_by_id       BIGINT REFERENCES users(id),
    ack_by          TEXT NOT NULL DEFAULT '',
    ack_at          BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX inquiry_referrals_inquiry ON inquiry_referrals (inquiry_id);
CREATE INDEX inquiry_referrals_to ON inquiry_referrals (to_org_id, ack_at);

-- An applicant's account of an item (办事体验): pending until a moderator
-- approves or rejects it; an approved one is never edited, only withdrawn
-- (a state of its own, with the reason).
CREATE TABLE item_experiences (
    id              {{id}},
    item_code       TEXT NOT NULL,
    dept_id         BIGINT NOT NULL REFERENCES orgs(id),
    user_id         BIGINT NOT NULL REFERENCES users(id),
    author_name     TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL,
    decided_by_id   BIGINT REFERENCES users(id),
    decided_by      TEXT NOT NULL DEFAULT '',
    decided_at      BIGINT NOT NULL DEFAULT 0,
    reason          TEXT NOT NULL DEFAULT '',
    withdrawn_by    TEXT NOT NULL DEFAULT '',
    withdrawn_at    BIGINT NOT NULL DEFAULT 0,
    withdraw_reason TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL
);
CREATE INDEX item_experiences_item ON item_experiences (item_code, status, created_at);
CREATE INDEX item_experiences_dept ON item_experiences (dept_id, status);

-- +goose Down
DROP TABLE item_experiences;
DROP TABLE inquiry_referrals;
DROP TABLE inquiries;
