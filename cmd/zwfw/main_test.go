package main

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// TestAuditVerify: `zwfw audit verify` passes on a normal database and,
// after someone edits an entry directly in the database file, names it.
func TestAuditVerify(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"ZWFW_DATA_DIR": dir, "ZWFW_ADMIN_PASSWORD": "Ningshan@2026", "ZWFW_LOG_LEVEL": "error"}
	getenv := func(k string) string { return env[k] }
	zwfw := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := run(context.Background(), args, getenv, &out, &errb)
		return out.String(), err
	}
	if _, err := zwfw("seed", "demo"); err != nil {
		t.Fatal(err)
	}
	out, err := zwfw("audit", "verify")
	if err != nil || !strings.Contains(out, "哈希链校验通过") {
		t.Fatalf("verify a normal database: %q %v", out, err)
	}

	// The owner of the file goes around the append-only triggers and edits
	// entry 7.
	raw, err := sql.Open("sqlite", filepath.Join(dir, "zwfw.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"DROP TRIGGER audit_log_no_update", `UPDATE audit_log SET actor_name = '某人' WHERE pos = 7`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()
	_, err = zwfw("audit", "verify")
	if err == nil || !strings.Contains(err.Error(), "第 7 条") {
		t.Fatalf("verify after the edit: %v, want entry 7 named", err)
	}
}
