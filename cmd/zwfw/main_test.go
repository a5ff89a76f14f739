package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm3"
	_ "modernc.org/sqlite"

	"zwfw/internal/db/dbtest"
)

// TestAuditVerify: `zwfw audit verify` passes on a normal database and,
// after its owner tampers with the log around the platform, names each
// kind of tampering by entry number: the newest entry edited after a kill
// -9 (not chained yet), a row INSERTed by hand, an entry edited and the
// chain recomputed after it, and the newest entries removed with the head
// rolled back (against the signed checkpoint in the data directory), and
// the chain's seal removed.
func TestAuditVerify(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) { testAuditVerify(t, dialect) })
	}
}

func testAuditVerify(t *testing.T, dialect string) {
	dir := t.TempDir()
	env := map[string]string{"ZWFW_DATA_DIR": dir, "ZWFW_ADMIN_PASSWORD": "Ningshan@2026", "ZWFW_LOG_LEVEL": "error"}
	driver, dsn := "sqlite", filepath.Join(dir, "zwfw.db")
	if dialect == "postgres" {
		env["ZWFW_DATABASE_URL"] = dbtest.PostgresSchemaURL(t)
		driver, dsn = "pgx", env["ZWFW_DATABASE_URL"]
	}
	getenv := func(k string) string { return env[k] }
	zwfw := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := run(context.Background(), args, getenv, &out, &errb)
		return out.String(), err
	}
	verifyFails := func(what string, want ...string) {
		t.Helper()
		_, err := zwfw("audit", "verify")
		if err == nil {
			t.Fatalf("%s: verify passed", what)
		}
		t.Logf("%s:\n%v", what, err)
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Fatalf("%s: verify says %q, want %q in it", what, err, w)
			}
		}
	}
	verifyPasses := func(what string) {
		t.Helper()
		if out, err := zwfw("audit", "verify"); err != nil || !strings.Contains(out, "校验通过") {
			t.Fatalf("%s: %q %v", what, out, err)
		}
	}
	// Seeding files the demo cases and stops: no chainer ran, so every
	// entry is acknowledged but not chained, as after a kill -9.
	if _, err := zwfw("seed", "demo"); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	exec := func(q string) {
		t.Helper()
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	one := func(q string, v any) {
		t.Helper()
		if err := raw.QueryRow(q).Scan(v); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var n, newest int64
	one("SELECT COUNT(*) FROM audit_log", &n)
	one("SELECT MAX(id) FROM audit_log", &newest)
	if n < 20 {
		t.Fatalf("only %d entries after seeding", n)
	}
	// The owner of the database goes around the append-only triggers.
	if dialect == "postgres" {
		exec("DROP TRIGGER audit_log_append_only ON audit_log")
		exec("DROP TRIGGER audit_log_no_truncate ON audit_log")
	} else {
		exec("DROP TRIGGER audit_log_no_update")
		exec("DROP TRIGGER audit_log_no_delete")
	}

	// 1. The newest entry, not chained yet, edited.
	var name string
	one(fmt.Sprintf("SELECT actor_name FROM audit_log WHERE id = %d", newest), &name)
	exec(fmt.Sprintf("UPDATE audit_log SET actor_name = '某人' WHERE id = %d", newest))
	verifyFails("the newest entry edited before it was chained", fmt.Sprintf("第 %d 条", n), "MAC")
	exec(fmt.Sprintf("UPDATE audit_log SET actor_name = '%s' WHERE id = %d", name, newest))
	verifyPasses("the entry restored")
	if out, err := zwfw("audit", "checkpoint"); err != nil || !strings.Contains(out, fmt.Sprintf("第 %d 条", n)) {
		t.Fatalf("checkpoint: %q %v", out, err)
	}

	// 2. A row INSERTed by hand: any actor, any time.
	exec(`INSERT INTO audit_log (at, actor_id, actor_name, action, object, detail)
		VALUES (1767574800000, 1, '冯志强', 'case.reveal_ident', 'case:x', '{"reason":"核验"}')`)
	verifyFails("a forged row", fmt.Sprintf("第 %d 条", n+1), "没有 MAC")
	exec(fmt.Sprintf("DELETE FROM audit_log WHERE pos = %d", n+1))
	exec(fmt.Sprintf("UPDATE audit_head SET pos = %d, hash = (SELECT hash FROM audit_log WHERE pos = %d) WHERE id = 1", n, n))
	verifyPasses("the forged row removed")

	// 3. Entry 7 edited and every link after it recomputed, head included.
	type row struct {
		id, pos     int64
		detail, mac string
		prev, hash  string
	}
	rows, err := raw.Query("SELECT id, pos, detail, mac, prev_hash, hash FROM audit_log WHERE pos >= 7 ORDER BY pos")
	if err != nil {
		t.Fatal(err)
	}
	var chain []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.pos, &r.detail, &r.mac, &r.prev, &r.hash); err != nil {
			t.Fatal(err)
		}
		chain = append(chain, r)
	}
	rows.Close()
	prev := chain[0].prev
	for i, r := range chain {
		detail := r.detail
		if i == 0 {
			detail = `{"reason":"改过"}`
		}
		h := sm3.New()
		fmt.Fprint(h, prev, r.pos, detail, r.mac)
		link := hex.EncodeToString(h.Sum(nil))
		exec(fmt.Sprintf("UPDATE audit_log SET detail = '%s', prev_hash = '%s', hash = '%s' WHERE id = %d", detail, prev, link, r.id))
		prev = link
	}
	exec(fmt.Sprintf("UPDATE audit_head SET hash = '%s' WHERE id = 1", prev))
	verifyFails("a re-chained edit", "第 7 条", "MAC", fmt.Sprintf("第 7–%d 条", n), "链被重新计算")
	for _, r := range chain {
		exec(fmt.Sprintf("UPDATE audit_log SET detail = '%s', prev_hash = '%s', hash = '%s' WHERE id = %d", r.detail, r.prev, r.hash, r.id))
	}
	exec(fmt.Sprintf("UPDATE audit_head SET hash = '%s' WHERE id = 1", chain[len(chain)-1].hash))
	verifyPasses("the chain restored")

	// 4. The three newest entries removed and the head rolled back to match.
	exec(fmt.Sprintf("DELETE FROM audit_log WHERE pos > %d", n-3))
	exec(fmt.Sprintf("UPDATE audit_head SET pos = %d, hash = (SELECT hash FROM audit_log WHERE pos = %d) WHERE id = 1", n-3, n-3))
	verifyFails("a truncation", fmt.Sprintf("第 %d–%d 条", n-2, n), "截断")

	// 5. The seal removed, to have the whole log re-sealed at the next
	// start as written before the keys: the start is refused, and verify
	// still reports.
	if dialect == "postgres" {
		exec("DROP TRIGGER audit_head_sealed ON audit_head")
	} else {
		exec("DROP TRIGGER audit_head_sealed")
	}
	exec("UPDATE audit_head SET key_id = '', seal = '' WHERE id = 1")
	if _, err := zwfw("migrate"); err == nil || !strings.Contains(err.Error(), "not sealed") {
		t.Fatalf("a start on a database whose seal was removed: %v", err)
	}
	verifyFails("the seal removed", "封存", "截断")

	// The checkpoints can be kept elsewhere.
	if out, err := zwfw("audit", "export-checkpoints"); err != nil || !strings.Contains(out, "PUBLIC KEY") || !strings.Contains(out, fmt.Sprintf(" %d ", n)) {
		t.Fatalf("export: %q %v", out, err)
	}
}
