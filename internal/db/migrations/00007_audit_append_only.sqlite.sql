-- The audit log is append-only for every role, the administrator included
-- (attachment 2 (9)2: every step recorded as it happens). An entry may be
-- written once and then chained once (pos, prev_hash, hash set by the
-- chainer); nothing else may change or remove it. The hash chain catches
-- whoever goes around these triggers with the database file itself.

-- +goose Up
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN OLD.pos IS NOT NULL
  OR NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at
  OR NEW.actor_id IS NOT OLD.actor_id OR NEW.actor_name IS NOT OLD.actor_name
  OR NEW.action IS NOT OLD.action OR NEW.object IS NOT OLD.object
  OR NEW.detail IS NOT OLD.detail
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_log_no_update;
DROP TRIGGER audit_log_no_delete;
