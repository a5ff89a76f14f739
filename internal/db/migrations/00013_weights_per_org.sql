-- Assessment weights (季考核) belong to an organisation: a county's apply to
-- its subtree, the city's to every county that has set none, and only that
-- organisation's own administrators change them. The weights set so far
-- were everyone's: they become the root organisation's (the city's), which
-- apply to all, as they did.

-- +goose Up
CREATE TABLE assessment_weights_org (
    org_id      BIGINT  NOT NULL REFERENCES orgs(id),
    name        TEXT    NOT NULL,
    value       INTEGER NOT NULL,
    updated_by  BIGINT  REFERENCES users(id),
    updated_at  BIGINT  NOT NULL,
    PRIMARY KEY (org_id, name)
);
INSERT INTO assessment_weights_org (org_id, name, value, updated_by, updated_at)
SELECT r.id, w.name, w.value, w.updated_by, w.updated_at
FROM assessment_weights w JOIN orgs r ON r.id = (SELECT MIN(id) FROM orgs WHERE parent_id IS NULL);
DROP TABLE assessment_weights;
ALTER TABLE assessment_weights_org RENAME TO assessment_weights;

-- +goose Down
CREATE TABLE assessment_weights_global (
    name        TEXT    PRIMARY KEY,
    value       INTEGER NOT NULL,
    updated_by  BIGINT  REFERENCES users(id),
    updated_at  BIGINT  NOT NULL
);
INSERT INTO assessment_weights_global (name, value, updated_by, updated_at)
SELECT w.name, w.value, w.updated_by, w.updated_at
FROM assessment_weights w JOIN orgs r ON r.id = w.org_id WHERE r.parent_id IS NULL;
DROP TABLE assessment_weights;
ALTER TABLE assessment_weights_global RENAME TO assessment_weights;
