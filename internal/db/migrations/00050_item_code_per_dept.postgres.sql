-- One catalog, the same codes (issue 14 item 4; 实施方案 §2(2) "统一事项、统一
-- 标准、同一编码"): an item's 基本编码 is the same at every level and in every
-- county, so it is unique per implementing department, not per database; a
-- second county in the same deployment implements 宁陕县's items under the
-- same codes. The 实施编码 stays unique (it embeds the implementing body).
-- Which implementation a code means in a county is decided in catalog
-- (Resolve: the implementation nearest the case's or actor's organisation).
-- (SQLite rebuilds the table instead: 00050_item_code_per_dept.sqlite.sql.)

-- +goose Up
ALTER TABLE items DROP CONSTRAINT items_code_key;
CREATE UNIQUE INDEX items_code_dept ON items (code, dept_id);

-- +goose Down
DROP INDEX items_code_dept;
ALTER TABLE items ADD CONSTRAINT items_code_key UNIQUE (code);
