package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
)

// TestBackupCommands: `zwfw backup` writes an encrypted backup of a seeded
// platform into ZWFW_BACKUP_DIR, `zwfw backup drill` passes on it, `zwfw
// restore` puts it into an empty data directory (and database) where
// `zwfw audit verify` passes, and refuses to restore again over it or
// without the backup key.
func TestBackupCommands(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dir := t.TempDir()
			env := map[string]string{"ZWFW_DATA_DIR": filepath.Join(dir, "data"), "ZWFW_BACKUP_DIR": filepath.Join(dir, "backups"),
				"ZWFW_ADMIN_PASSWORD": "Ningshan@2026", "ZWFW_LOG_LEVEL": "error"}
			if dialect == "postgres" {
				env["ZWFW_DATABASE_URL"] = dbtest.PostgresSchemaURL(t)
			} else {
				dbtest.OnlyDialect(t, "sqlite")
			}
			zwfw := func(args ...string) (string, string, error) {
				var out, errb bytes.Buffer
				err := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errb)
				return out.String(), errb.String(), err
			}
			if _, _, err := zwfw("seed", "demo"); err != nil {
				t.Fatal(err)
			}
			out, progress, err := zwfw("backup")
			if err != nil || !strings.Contains(out, "已备份到") || !strings.Contains(progress, "数据库快照完成") {
				t.Fatalf("zwfw backup: %v\n%s\n%s", err, out, progress)
			}
			files, _ := filepath.Glob(filepath.Join(dir, "backups", "zwfw-*.zbk"))
			if len(files) != 1 {
				t.Fatalf("backups written: %v", files)
			}
			key := filepath.Join(dir, "data", "backup.key")
			if st, err := os.Stat(key); err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("backup key file: %v", err)
			}
			if out, _, err := zwfw("backup", "drill", files[0]); err != nil || !strings.Contains(out, "恢复演练通过") {
				t.Fatalf("zwfw backup drill: %v\n%s", err, out)
			}

			// Restore into an empty place, with the key kept elsewhere.
			env["ZWFW_DATA_DIR"] = filepath.Join(dir, "restored")
			env["ZWFW_BACKUP_KEY_FILE"] = filepath.Join(dir, "no-such.key")
			if _, _, err := zwfw("restore", files[0]); err == nil || !strings.Contains(err.Error(), "ZWFW_BACKUP_KEY_FILE") {
				t.Fatalf("restore without the key: %v", err)
			}
			env["ZWFW_BACKUP_KEY_FILE"] = key
			if dialect == "postgres" {
				// A PostgreSQL backup does not go into an embedded SQLite.
				url := env["ZWFW_DATABASE_URL"]
				delete(env, "ZWFW_DATABASE_URL")
				if _, _, err := zwfw("restore", files[0]); err == nil || !strings.Contains(err.Error(), "只能恢复到 PostgreSQL") {
					t.Fatalf("PostgreSQL backup restored into SQLite: %v", err)
				}
				if ents, _ := os.ReadDir(env["ZWFW_DATA_DIR"]); len(ents) > 0 {
					t.Fatalf("refused restore left %d files in the data directory", len(ents))
				}
				env["ZWFW_DATABASE_URL"] = url
				o, drop, err := db.ScratchDatabase(context.Background(), db.Options{URL: env["ZWFW_DATABASE_URL"]}, "")
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { drop() })
				env["ZWFW_DATABASE_URL"] = o.URL
			}
			if out, _, err := zwfw("restore", files[0]); err != nil || !strings.Contains(out, "恢复后的核对通过") {
				t.Fatalf("zwfw restore: %v\n%s", err, out)
			}
			if out, _, err := zwfw("audit", "verify"); err != nil || !strings.Contains(out, "审计日志完整") {
				t.Fatalf("audit verify after restore: %v\n%s", err, out)
			}
			if _, _, err := zwfw("restore", files[0]); err == nil || !strings.Contains(err.Error(), "不是空的") {
				t.Fatalf("second restore over the first: %v", err)
			}
		})
	}
}
