-- Staff public boards (公示牌, 附件2（八）): each window staff member's
-- staff number, qualifications and photo, set by the centre's manager and
-- shown beside the window and on the centre's public page.

-- +goose Up
CREATE TABLE staff_profiles (
    user_id        BIGINT PRIMARY KEY REFERENCES users (id),
    staff_no       TEXT NOT NULL DEFAULT '',
    qualifications TEXT NOT NULL DEFAULT '',
    photo_sha      TEXT NOT NULL DEFAULT '',   -- the resized photo in the file store
    updated_by     BIGINT REFERENCES users (id),
    updated_at     BIGINT NOT NULL
);

-- +goose Down
DROP TABLE staff_profiles;
