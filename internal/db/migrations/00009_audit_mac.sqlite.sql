-- The audit log made unforgeable by whoever holds only the database (issue
-- 8, item 6): every entry carries a MAC (HMAC-SM3 under a key kept outside
-- the database) over a random nonce and every field, written in the
-- transaction that records it; logged_at is the writer's own clock at that
-- moment, which the chain checks never goes backwards; org_id is the
-- organisation the entry is about, by which audit reads are scoped (item 2).
-- audit_head remembers which key seals the chain (key_id), the chain's
-- identity (chain_id, named in every signed checkpoint), where the keyed
-- chain begins after the entries chained before this migration (base_pos,
-- base_hash), and seal, a MAC over all of these.

-- +goose Up
ALTER TABLE audit_log ADD COLUMN org_id BIGINT;
ALTER TABLE audit_log ADD COLUMN logged_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_log ADD COLUMN nonce TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN mac TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_head ADD COLUMN key_id TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_head ADD COLUMN chain_id TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_head ADD COLUMN base_pos BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_head ADD COLUMN base_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_head ADD COLUMN seal TEXT NOT NULL DEFAULT '';

DROP TRIGGER audit_log_no_update;
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN OLD.pos IS NOT NULL
  OR NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at
  OR NEW.actor_id IS NOT OLD.actor_id OR NEW.actor_name IS NOT OLD.actor_name
  OR NEW.action IS NOT OLD.action OR NEW.object IS NOT OLD.object
  OR NEW.detail IS NOT OLD.detail OR NEW.org_id IS NOT OLD.org_id
  OR NEW.logged_at IS NOT OLD.logged_at OR NEW.nonce IS NOT OLD.nonce OR NEW.mac IS NOT OLD.mac
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
-- Once sealed, the head's key, identity and beginning never change.
-- +goose StatementBegin
CREATE TRIGGER audit_head_sealed BEFORE UPDATE ON audit_head
WHEN OLD.key_id <> ''
  AND (NEW.key_id IS NOT OLD.key_id OR NEW.chain_id IS NOT OLD.chain_id OR NEW.base_pos IS NOT OLD.base_pos
       OR NEW.base_hash IS NOT OLD.base_hash OR NEW.seal IS NOT OLD.seal)
BEGIN
    SELECT RAISE(ABORT, 'audit_head is sealed');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN
    SELECT RAISE(ABORT, 'audit_head is sealed');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_head_no_delete;
DROP TRIGGER audit_head_sealed;
DROP TRIGGER audit_log_no_update;
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
ALTER TABLE audit_head DROP COLUMN seal;
ALTER TABLE audit_head DROP COLUMN base_hash;
ALTER TABLE audit_head DROP COLUMN base_pos;
ALTER TABLE audit_head DROP COLUMN chain_id;
ALTER TABLE audit_head DROP COLUMN key_id;
ALTER TABLE audit_log DROP COLUMN mac;
ALTER TABLE audit_log DROP COLUMN nonce;
ALTER TABLE audit_log DROP COLUMN logged_at;
ALTER TABLE audit_log DROP COLUMN org_id;
