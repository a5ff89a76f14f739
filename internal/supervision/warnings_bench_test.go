package supervision_test

import (
	"os"
	"strconv"
	"testing"
	"time"

	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
)

// BenchmarkScan times the warning scan over a county's history: by default
// one million cases, of which one in 200 is still running (the rest
// archived), each running case with an open step. The first scan raises
// and announces every warning; the timed scans find nothing new, as the
// minute-by-minute job mostly does.
//
//	go test ./internal/supervision -run '^$' -bench Scan -benchtime 5x
//
// ZWFW_BENCH_CASES sets the number of cases.
func BenchmarkScan(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("ZWFW_BENCH_CASES")); err == nil && v > 0 {
		n = v
	}
	b.Run("sqlite", func(b *testing.B) { benchScan(b, dbtest.SQLite(b), n) })
	b.Run("postgres", func(b *testing.B) { benchScan(b, dbtest.Postgres(b), n) })
}

func benchScan(b *testing.B, d *db.DB, n int) {
	e := setup(b, d, "2026-09-28")
	var centreID, deptID int64
	var centrePath, deptPath string
	if err := d.QueryRow(e.ctx, "SELECT id, path FROM orgs WHERE code = '610923C'").Scan(&centreID, &centrePath); err != nil {
		b.Fatal(err)
	}
	if err := d.QueryRow(e.ctx, "SELECT id, path FROM orgs WHERE code = '610923D01'").Scan(&deptID, &deptPath); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	at := db.Millis(e.now)
	if _, err := d.Exec(e.ctx, `INSERT INTO cases (serial, item_code, item_version, item_name, kind, org_id, org_path, dept_id, dept_path,
			channel, applicant_kind, applicant_name, applicant_ident, applicant_phone, form, status, version, promised_days,
			deadline, day, submitted_at, updated_at)
		WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
		SELECT 'BENCH-' || i, '010100100000', 1, '食品经营许可', 'promised', ?, ?, ?, ?, 'window', 'person', '陈家明', '610923198503120025',
			'13991568899', '{}', CASE WHEN i % 200 = 0 THEN 'in_progress' ELSE 'archived' END, 1, 5,
			CASE WHEN i % 200 <> 0 THEN '2025-06-30' WHEN i % 3 = 0 THEN '2026-09-25' WHEN i % 3 = 1 THEN '2026-10-09' ELSE '2026-12-31' END,
			'2026-09-01', ?, ? FROM seq`, n, centreID, centrePath, deptID, deptPath, at, at); err != nil {
		b.Fatal(err)
	}
	if _, err := d.Exec(e.ctx, `INSERT INTO case_steps (case_id, seq, name, action, state, from_status, to_status, limit_days, started_at)
		SELECT id, 1, '审查', 'review', 'open', 'in_progress', '', 3, ? FROM cases WHERE status = 'in_progress'`, at); err != nil {
		b.Fatal(err)
	}
	if _, err := d.Exec(e.ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: %d cases loaded in %s", d.Dialect, n, time.Since(start).Round(time.Second))
	e.at("2026-09-30")
	start = time.Now()
	first := e.scan()
	b.Logf("%s: first scan %s: %+v", d.Dialect, time.Since(start).Round(time.Millisecond), first)
	b.ResetTimer()
	for b.Loop() {
		if r := e.scan(); r.Raised != 0 {
			b.Fatalf("a repeated scan raised %d", r.Raised)
		}
	}
}
