package org_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/org"
)

// Every column that copies an organisation's path is one a move rewrites:
// a table that gains one (a registration, a statistic, a report) without
// org.pathCopies hearing of it would keep the old scope after a move.
func TestPathCopiesAreAllKnown(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		q := `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
			WHERE m.type = 'table' AND (p.name = 'path' OR p.name LIKE '%\_path' ESCAPE '\')`
		if d.Dialect == db.Postgres {
			q = `SELECT table_name, column_name FROM information_schema.columns
				WHERE table_schema = current_schema() AND (column_name = 'path' OR column_name LIKE '%\_path' ESCAPE '\')`
		}
		rows, err := d.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var known []string
		for _, pc := range org.PathCopies {
			known = append(known, pc.Table+"."+pc.Column)
		}
		n := 0
		for rows.Next() {
			var table, col string
			if err := rows.Scan(&table, &col); err != nil {
				t.Fatal(err)
			}
			n++
			if !slices.Contains(known, table+"."+col) {
				t.Errorf("%s.%s holds a path a move does not rewrite: add it to pathCopies", table, col)
			}
		}
		if n != len(known) {
			t.Errorf("the schema has %d path columns, pathCopies %d", n, len(known))
		}
	})
}

// Moving 寨沟村 from 城关镇 to 四亩地镇 rewrites, in one transaction, the
// path in every row filed under it — cases, joint sub-tasks, warnings,
// registered errors, reports — and nothing outside it.
func TestMoveRescopesEverything(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := org.NewService(d, now)
		build(t, s)
		station, err := s.Create(ctx, zwfw.System, org.Input{Code: "610923100201C", ParentCode: "610923100201", Kind: org.KindCentre, Name: "寨沟村便民服务站"})
		if err != nil {
			t.Fatal(err)
		}
		town, _ := s.ByCode(ctx, "610923100")
		townCentre, _ := s.ByCode(ctx, "610923100C")
		inVillage := fileRows(t, d, "A", station)
		inTown := fileRows(t, d, "B", townCentre)

		var heard []string
		d.OnChange(org.Topic, func(code string) { heard = append(heard, code) })
		village, err := s.Update(ctx, zwfw.System, "610923100201", org.Input{Code: "610923100201", ParentCode: "610923101", Kind: org.KindVillage, Name: "寨沟村"})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(heard, "610923100201") {
			t.Errorf("the move was not announced to the caches: %v", heard)
		}
		moved, _ := s.ByCode(ctx, "610923100201C")
		for _, r := range inVillage {
			if p := r.path(t, d); p != moved.Path {
				t.Errorf("%s after the move: %s, want the station's new path %s", r, p, moved.Path)
			}
		}
		for _, r := range inTown {
			if p := r.path(t, d); p != townCentre.Path {
				t.Errorf("%s outside the moved subtree changed: %s", r, p)
			}
		}
		if !strings.HasPrefix(moved.Path, village.Path) || strings.HasPrefix(moved.Path, town.Path) {
			t.Errorf("station path %s, village %s", moved.Path, village.Path)
		}
		var n int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE action = 'org.update' AND detail LIKE '%cases.org_path%'").Scan(&n); err != nil || n != 1 {
			t.Errorf("the audit entry of the move counts what it re-scoped: %d %v", n, err)
		}
	})
}

// A town's administrator keeps the town's contact details but cannot
// re-code, deactivate or move the town: the county above does that.
func TestOwnOrganisationIsNotRestructured(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := org.NewService(d, now)
		build(t, s)
		townAdmin, countyAdmin := admin(t, s, "610923100"), admin(t, s, "610923")
		off := false
		for _, in := range []org.Input{
			{Code: "610923199", ParentCode: "610923", Kind: org.KindTown, Name: "城关镇"},
			{Code: "610923100", ParentCode: "610923", Kind: org.KindTown, Name: "城关镇", Active: &off},
			{Code: "610923100", ParentCode: "610900", Kind: org.KindTown, Name: "城关镇"},
		} {
			if _, err := s.Update(ctx, townAdmin, "610923100", in); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
				t.Errorf("town administrator: %+v: %v", in, err)
			}
		}
		if _, err := s.Update(ctx, townAdmin, "610923100", org.Input{Code: "610923100", ParentCode: "610923", Kind: org.KindTown, Name: "城关镇", Phone: "0915-6821234"}); err != nil {
			t.Errorf("town administrator updates the town's phone: %v", err)
		}
		if o, _ := s.ByCode(ctx, "610923100"); org.Above(townAdmin, o) || !org.Above(countyAdmin, o) {
			t.Error("Above: the town is above neither its own administrator nor below the county's")
		}
		if _, err := s.Update(ctx, countyAdmin, "610923100", org.Input{Code: "610923199", ParentCode: "610923", Kind: org.KindTown, Name: "城关镇", Active: &off}); err != nil {
			t.Errorf("county administrator re-codes and deactivates the town: %v", err)
		}
	})
}

// row is one row filed under an organisation, in one of the tables that
// copy its path.
type row struct {
	table, column string
	id            int64
}

func (r row) String() string { return fmt.Sprintf("%s.%s #%d", r.table, r.column, r.id) }

func (r row) path(t *testing.T, d *db.DB) string {
	t.Helper()
	var p string
	if err := d.QueryRow(context.Background(), "SELECT "+r.column+" FROM "+r.table+" WHERE id = ?", r.id).Scan(&p); err != nil {
		t.Fatal(err)
	}
	return p
}

// fileRows puts one row of each path-copying table under o.
func fileRows(t *testing.T, d *db.DB, tag string, o *org.Org) []row {
	t.Helper()
	ctx := context.Background()
	ms := time.Now().UnixMilli()
	var out []row
	err := d.InTx(ctx, func(tx *db.Tx) error {
		user, err := db.InsertID(ctx, tx, `INSERT INTO users (username, password_hash, kind, name, roles, org_id, password_changed_at, created_at, updated_at)
			VALUES (?, 'x', 'staff', '监察员', ',supervisor,', ?, ?, ?, ?)`, "sup"+tag, o.ID, ms, ms, ms)
		if err != nil {
			return err
		}
		caseID, err := db.InsertID(ctx, tx, `INSERT INTO cases (serial, item_code, item_version, item_name, kind, org_id, org_path, dept_id, dept_path,
			channel, applicant_kind, applicant_name, applicant_ident, applicant_phone, form, status, version, promised_days, day, submitted_at, updated_at)
			VALUES (?, 'X', 1, '事项', 'promised', ?, ?, ?, ?, 'window', 'person', '某人', '1', '1', '{}', 'accepted', 1, 5, '2026-11-26', ?, ?)`,
			"S-"+tag, o.ID, o.Path, o.ID, o.Path, ms, ms)
		if err != nil {
			return err
		}
		out = append(out, row{"cases", "org_path", caseID}, row{"cases", "dept_path", caseID})
		for _, ins := range []struct {
			table, column, q string
			args             []any
		}{
			{"case_tasks", "dept_path", `INSERT INTO case_tasks (case_id, dept_id, dept_path, lead, state, deadline, created_at)
				VALUES (?, ?, ?, TRUE, 'pending', '2026-12-01', ?)`, []any{caseID, o.ID, o.Path, ms}},
			{"case_warnings", "dept_path", `INSERT INTO case_warnings (case_id, scope, level, dept_path, deadline, remaining, since, updated_at)
				VALUES (?, 'case', 'yellow', ?, '2026-12-01', 1, ?, ?)`, []any{caseID, o.Path, ms, ms}},
			{"sup_errors", "org_path", `INSERT INTO sup_errors (kind, org_path, case_id, description, state, occurred_on, registered_by, registered_at)
				VALUES ('slow', ?, ?, '超时', 'registered', '2026-11-26', ?, ?)`, []any{o.Path, caseID, user, ms}},
			{"reports", "org_path", `INSERT INTO reports (kind, period, org_id, org_path, revision, number, title, content, html, generator, generated_at)
				VALUES ('daily', '2026-11-26', ?, ?, 1, ?, '日检查', '{}', '', '系统', ?)`, []any{o.ID, o.Path, "R-" + tag, ms}},
		} {
			id, err := db.InsertID(ctx, tx, ins.q, ins.args...)
			if err != nil {
				return fmt.Errorf("%s: %w", ins.table, err)
			}
			out = append(out, row{ins.table, ins.column, id})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
