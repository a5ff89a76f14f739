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
ALTER TABLE audit_log
    ADD COLUMN org_id BIGINT,
    ADD COLUMN logged_at BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN nonce TEXT NOT NULL DEFAULT '',
    ADD COLUMN mac TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_head
    ADD COLUMN key_id TEXT NOT NULL DEFAULT '',
    ADD COLUMN chain_id TEXT NOT NULL DEFAULT '',
    ADD COLUMN base_pos BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN base_hash TEXT NOT NULL DEFAULT '',
    ADD COLUMN seal TEXT NOT NULL DEFAULT '';

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
        RAISE EXCEPTION 'audit_log is append-only';
    END IF;
    IF OLD.pos IS NOT NULL
       OR NEW.id IS DISTINCT FROM OLD.id OR NEW.at IS DISTINCT FROM OLD.at
       OR NEW.actor_id IS DISTINCT FROM OLD.actor_id OR NEW.actor_name IS DISTINCT FROM OLD.actor_name
       OR NEW.action IS DISTINCT FROM OLD.action OR NEW.object IS DISTINCT FROM OLD.object
       OR NEW.detail IS DISTINCT FROM OLD.detail OR NEW.org_id IS DISTINCT FROM OLD.org_id
       OR NEW.logged_at IS DISTINCT FROM OLD.logged_at OR NEW.nonce IS DISTINCT FROM OLD.nonce
       OR NEW.mac IS DISTINCT FROM OLD.mac THEN
        RAISE EXCEPTION 'audit_log is append-only';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd

-- Once sealed, the head's key, identity and beginning never change.
-- +goose StatementBegin
CREATE FUNCTION audit_head_sealed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
        RAISE EXCEPTION 'audit_head is sealed';
    END IF;
    IF OLD.key_id <> ''
       AND (NEW.key_id IS DISTINCT FROM OLD.key_id OR NEW.chain_id IS DISTINCT FROM OLD.chain_id
            OR NEW.base_pos IS DISTINCT FROM OLD.base_pos OR NEW.base_hash IS DISTINCT FROM OLD.base_hash
            OR NEW.seal IS DISTINCT FROM OLD.seal) THEN
        RAISE EXCEPTION 'audit_head is sealed';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_head_sealed BEFORE UPDATE OR DELETE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION audit_head_sealed();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION audit_head_sealed();

-- +goose Down
DROP TRIGGER audit_head_no_truncate ON audit_head;
DROP TRIGGER audit_head_sealed ON audit_head;
DROP FUNCTION audit_head_sealed();
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
        RAISE EXCEPTION 'audit_log is append-only';
    END IF;
    IF OLD.pos IS NOT NULL
       OR NEW.id IS DISTINCT FROM OLD.id OR NEW.at IS DISTINCT FROM OLD.at
       OR NEW.actor_id IS DISTINCT FROM OLD.actor_id OR NEW.actor_name IS DISTINCT FROM OLD.actor_name
       OR NEW.action IS DISTINCT FROM OLD.action OR NEW.object IS DISTINCT FROM OLD.object
       OR NEW.detail IS DISTINCT FROM OLD.detail THEN
        RAISE EXCEPTION 'audit_log is append-only';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
ALTER TABLE audit_head DROP COLUMN seal, DROP COLUMN base_hash, DROP COLUMN base_pos, DROP COLUMN chain_id, DROP COLUMN key_id;
ALTER TABLE audit_log DROP COLUMN mac, DROP COLUMN nonce, DROP COLUMN logged_at, DROP COLUMN org_id;
