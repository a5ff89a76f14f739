-- The materials library (材料库) and the one-time authorisations of reuse
-- (issue 13 items 5 and 6; 实施方案 §2(3): "凡是能通过网络共享复用的材料，
-- 不得要求群众重复提交", "避免重复提交材料和循环证明").
--
-- material_library: every material accepted in a case, kept for its owner
-- (the applicant, by the lookup digest of the ID number or credit code, as
-- cases.applicant_digest) with its trust level:
--   A  issued with seal by the platform (an electronic licence: licence_ref)
--   B  原件 checked at a window (handed in at the window or by post)
--   C  uploaded by the applicant (the file: the same file-store entry, no copy)
--   D  made by the applicant under a pledge (承诺)
-- removed_at: the owner took it out of the library (it no longer provides).
--
-- material_authorisations: each use of a licence or a library entry in an
-- application, authorised once by the applicant when filing: which case and
-- material, which source, who, when; with the case's item, month and
-- organisation paths, so that the submissions-saved statistic (减少提交)
-- reads one table within the viewer's scope.
--
-- case_materials.provided: how a material was provided without being
-- submitted (JSON: source, ref, title, number, trust, verified_at …); ''
-- when it was submitted. case_parts are dropped: their materials lack the
-- new column, so they are read again from the tables.

-- +goose Up
CREATE TABLE material_library (
    id            {{id}},
    owner_digest  TEXT    NOT NULL,
    owner_kind    TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    trust         TEXT    NOT NULL,
    file_id       BIGINT  REFERENCES files(id),
    sha256        TEXT    NOT NULL DEFAULT '',
    file_name     TEXT    NOT NULL DEFAULT '',
    size          BIGINT  NOT NULL DEFAULT 0,
    content_type  TEXT    NOT NULL DEFAULT '',
    handed_in     TEXT    NOT NULL DEFAULT '',
    licence_ref   TEXT    NOT NULL DEFAULT '',
    item_code     TEXT    NOT NULL,
    item_name     TEXT    NOT NULL,
    case_id       BIGINT  NOT NULL REFERENCES cases(id),
    case_serial   TEXT    NOT NULL,
    accepted_at   BIGINT  NOT NULL,
    removed_at    BIGINT  NOT NULL DEFAULT 0,
    UNIQUE (case_id, name)
);
CREATE INDEX material_library_owner ON material_library (owner_digest, name);

CREATE TABLE material_authorisations (
    id            {{id}},
    case_id       BIGINT  NOT NULL REFERENCES cases(id),
    case_serial   TEXT    NOT NULL,
    material      TEXT    NOT NULL,
    source        TEXT    NOT NULL,
    licence_ref   TEXT    NOT NULL DEFAULT '',
    library_id    BIGINT  REFERENCES material_library(id),
    owner_digest  TEXT    NOT NULL,
    actor_id      BIGINT  REFERENCES users(id),
    item_code     TEXT    NOT NULL,
    item_name     TEXT    NOT NULL,
    month         TEXT    NOT NULL,
    org_path      TEXT    NOT NULL,
    dept_path     TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    UNIQUE (case_id, material)
);
CREATE INDEX material_authorisations_month ON material_authorisations (month, item_code);
CREATE INDEX material_authorisations_licence ON material_authorisations (licence_ref);

ALTER TABLE case_materials ADD COLUMN provided TEXT NOT NULL DEFAULT '';
DELETE FROM case_parts;

-- +goose Down
ALTER TABLE case_materials DROP COLUMN provided;
DROP TABLE material_authorisations;
DROP TABLE material_library;
