-- Password history (issue 9 item 8; 实施方案 §2(7) 等级保护 level 3): the
-- argon2id hashes of an account's last passwords, so that a change to one
-- of them is refused (ZWFW_PASSWORD_HISTORY). Each account starts with its
-- current password. Rows beyond the number kept are deleted as new ones
-- come (account.rememberPassword).

-- +goose Up
CREATE TABLE password_history (
    id         {{id}},
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    hash       TEXT   NOT NULL,
    changed_at BIGINT NOT NULL
);
CREATE INDEX password_history_user ON password_history (user_id, id);
INSERT INTO password_history (user_id, hash, changed_at)
SELECT id, password_hash, COALESCE(password_changed_at, created_at) FROM users WHERE password_hash <> '';

-- +goose Down
DROP TABLE password_history;
