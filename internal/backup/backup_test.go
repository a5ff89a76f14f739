package backup_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"zwfw/internal/app"
	"zwfw/internal/app/apptest"
	"zwfw/internal/audit"
	"zwfw/internal/backup"
	"zwfw/internal/casework"
	"zwfw/internal/config"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/testclock"
)

// background is a testing.TB for a goroutine other than the test's: a
// failure is kept and ends the goroutine, for the test to report.
type background struct {
	testing.TB
	mu  sync.Mutex
	err error
}

func (b *background) Helper() {}

func (b *background) Fatalf(format string, args ...any) {
	b.mu.Lock()
	if b.err == nil {
		b.err = fmt.Errorf(format, args...)
	}
	b.mu.Unlock()
	runtime.Goexit()
}

func (b *background) Fatal(args ...any) { b.Fatalf("%s", fmt.Sprint(args...)) }

// newKey writes a fresh backup key file in its own directory, apart from
// the backups.
func newKey(t *testing.T) *backup.Key {
	t.Helper()
	k, err := backup.LoadKey(filepath.Join(t.TempDir(), backup.KeyFile), true)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// scratch is a fresh, empty restore target beside e's database: a new data
// directory, and on PostgreSQL a new database on the same server.
func scratch(t *testing.T, e *apptest.Env) backup.Target {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "restored")
	o, drop, err := db.ScratchDatabase(context.Background(), db.Options{URL: e.App.Config.DatabaseURL}, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Logf("drop scratch database: %v", err)
		}
	})
	return backup.Target{DataDir: dir, DatabaseURL: o.URL}
}

// empty fails t unless the target holds nothing: a refused restore
// changed nothing.
func empty(t *testing.T, tg backup.Target) {
	t.Helper()
	ents, _ := os.ReadDir(tg.DataDir)
	if len(ents) > 0 {
		t.Errorf("refused restore left %d entries in %s (%s …)", len(ents), tg.DataDir, ents[0].Name())
	}
	if err := db.CheckEmpty(context.Background(), db.Options{URL: tg.DatabaseURL, DataDir: tg.DataDir}); err != nil {
		t.Errorf("refused restore changed the database: %v", err)
	}
}

// TestBackupWhileCasesMove backs up a populated server while window staff
// and applicants file and complete cases and the audit chainer runs,
// restores the backup into a fresh place, and finds every table and the
// audit chain as the manifest says, the chain verifying, and the restored
// platform starting. Then the refusals: one changed byte, a cut-off file,
// a wrong key and a target that is not empty each change nothing.
func TestBackupWhileCasesMove(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		c := apptest.SecondCounty(t, e)
		key := newKey(t)
		log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

		// The server's background life: the audit chainer (writing signed
		// checkpoints into the data directory) and cases on their way.
		live, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			audit.RunChainer(live, e.App.DB, e.App.Checkpoints, 20*time.Millisecond, 50*time.Millisecond, log)
		}()
		var done atomic.Int64
		bgs := make([]*background, 3)
		for i := range bgs {
			bgs[i] = &background{TB: t}
			wg.Add(1)
			go func(b *background) {
				defer wg.Done()
				for live.Err() == nil {
					e.Case(b, c.Applicant, c.Item, c.Centre, casework.Completed)
					done.Add(1)
				}
			}(bgs[i])
		}
		// Back up once cases have moved and the chainer has linked entries
		// and written a checkpoint of them beside the seal's.
		for deadline := time.Now().Add(time.Minute); done.Load() < 3 || chained(t, e) == 0 || checkpoints(t, e) < 2; {
			if time.Now().After(deadline) {
				t.Fatalf("no cases or chained audit entries after a minute (%d cases)", done.Load())
			}
			time.Sleep(10 * time.Millisecond)
		}
		cfg := e.App.Config
		out := filepath.Join(t.TempDir(), backup.Name(e.Clock.Now()))
		before := done.Load()
		var progress strings.Builder
		m, err := backup.Create(ctx, app.BackupSource(cfg, e.App.DB, e.App.Now, &progress), key, out)
		if err != nil {
			stop()
			wg.Wait()
			t.Fatalf("backup: %v", err)
		}
		// Let the cases go on past the backup, then stop them: with three
		// workers, the fourth case completed from now on was filed after
		// the snapshot.
		after := done.Load()
		t.Logf("%d cases completed while the backup ran", after-before)
		for done.Load() < after+int64(len(bgs))+1 {
			time.Sleep(10 * time.Millisecond)
		}
		stop()
		wg.Wait()
		for _, b := range bgs {
			if b.err != nil {
				t.Fatalf("case actions beside the backup: %v", b.err)
			}
		}
		if !strings.Contains(progress.String(), "数据库快照完成") {
			t.Errorf("no progress shown:\n%s", progress.String())
		}
		if m.Audit.Entries == 0 || m.Audit.Pos == 0 || m.Stats["files"] == 0 {
			t.Fatalf("backup of a server at work holds audit %+v and %d files", m.Audit, m.Stats["files"])
		}
		live2, err := e.App.DB.Sums(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if rows(live2, "cases") <= rows(m.Tables, "cases") {
			t.Errorf("cases went on during and after the backup, yet the server holds %d cases and the backup %d", rows(live2, "cases"), rows(m.Tables, "cases"))
		}

		// Restore into a fresh place and check it against the manifest.
		tg := scratch(t, e)
		if _, err := backup.Restore(ctx, out, key, tg, nil); err != nil {
			t.Fatalf("restore: %v", err)
		}
		r, err := backup.Check(ctx, m, tg, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if !r.OK() {
			t.Fatalf("restored copy differs from the manifest:\n%s", strings.Join(r.Problems, "\n"))
		}
		if r.Tables != len(m.Tables) || r.Rows != m.Rows() || r.Audit.Entries < m.Audit.Entries || r.Audit.Checkpoints == 0 {
			t.Errorf("checked %d tables, %d rows, audit %d entries and %d checkpoints; manifest %d tables, %d rows, %d entries",
				r.Tables, r.Rows, r.Audit.Entries, r.Audit.Checkpoints, len(m.Tables), m.Rows(), m.Audit.Entries)
		}
		for _, name := range []string{"cases", "audit_log", "files", "users"} {
			if rows(m.Tables, name) == 0 {
				t.Errorf("manifest: table %s empty or missing", name)
			}
		}
		// The restored platform starts with its audit key and serves the
		// cases of the backup.
		rcfg := cfg
		rcfg.DataDir, rcfg.DatabaseURL = tg.DataDir, tg.DatabaseURL
		ra, err := app.Open(ctx, rcfg, log, io.Discard, app.Options{NoSeed: true, Now: e.App.Now})
		if err != nil {
			t.Fatalf("restored platform does not start: %v", err)
		}
		// The electronic seals' keys came along (app.Open opens every
		// active key): the restored platform signs with the key the
		// server had, and the signature verifies on the server.
		if keys, err := ra.Esign.PublicKeys(ctx); err != nil {
			t.Fatal(err)
		} else {
			for _, k := range keys {
				if !k.Active {
					continue
				}
				sig, err := ra.Esign.Sign(ctx, k.OrgID, []byte("恢复后签章"))
				if err != nil || sig.KeyID != k.KeyID {
					t.Fatalf("restored platform signs for %s with %s (%v), want %s", k.OrgCode, sig.KeyID, err, k.KeyID)
				}
				if err := e.App.Esign.Verify(ctx, sig.KeyID, []byte("恢复后签章"), sig.Value); err != nil {
					t.Fatal(err)
				}
			}
		}
		sums, err := ra.DB.Sums(ctx)
		ra.Close()
		if err != nil {
			t.Fatal(err)
		}
		if rows(sums, "cases") != rows(m.Tables, "cases") {
			t.Errorf("restored platform has %d cases, the backup %d", rows(sums, "cases"), rows(m.Tables, "cases"))
		}

		// A target that is not empty is refused.
		if _, err := backup.Restore(ctx, out, key, tg, nil); !errors.Is(err, backup.ErrNotEmpty) {
			t.Errorf("restore over the restored copy: %v, want refusal", err)
		}
		if cfg.DatabaseURL != "" {
			// An empty data directory, but a database that holds the server's tables.
			busy := backup.Target{DataDir: filepath.Join(t.TempDir(), "d"), DatabaseURL: cfg.DatabaseURL}
			if _, err := backup.Restore(ctx, out, key, busy, nil); !errors.Is(err, backup.ErrNotEmpty) || !strings.Contains(err.Error(), "不是空的") {
				t.Errorf("restore into the server's own database: %v, want refusal", err)
			}
		}

		// One changed byte, anywhere, and a cut-off file are refused and
		// change nothing.
		orig, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		for _, at := range []int{40, len(orig) / 2, len(orig) - 1} {
			bad := append([]byte(nil), orig...)
			bad[at] ^= 0x01
			p := filepath.Join(t.TempDir(), "bad.zbk")
			os.WriteFile(p, bad, 0o600)
			tg := scratch(t, e)
			_, err := backup.Restore(ctx, p, key, tg, nil)
			if !errors.Is(err, backup.ErrDamaged) || !strings.Contains(err.Error(), "已损坏") {
				t.Errorf("byte %d of %d changed: %v, want the damaged-backup refusal", at, len(orig), err)
			}
			empty(t, tg)
			if _, err := backup.Drill(ctx, p, key, db.Options{URL: cfg.DatabaseURL}, "", "", nil); !errors.Is(err, backup.ErrDamaged) {
				t.Errorf("drill of a backup with byte %d changed: %v", at, err)
			}
		}
		cut := filepath.Join(t.TempDir(), "cut.zbk")
		os.WriteFile(cut, orig[:len(orig)-100], 0o600)
		tg = scratch(t, e)
		if _, err := backup.Restore(ctx, cut, key, tg, nil); !errors.Is(err, backup.ErrTruncated) && !errors.Is(err, backup.ErrDamaged) {
			t.Errorf("cut-off backup: %v, want refusal", err)
		}
		empty(t, tg)

		// A wrong key is refused with its own message.
		tg = scratch(t, e)
		if _, err := backup.Restore(ctx, out, newKey(t), tg, nil); !errors.Is(err, backup.ErrWrongKey) || !strings.Contains(err.Error(), "密钥不符") {
			t.Errorf("wrong key: %v, want the wrong-key refusal", err)
		}
		empty(t, tg)

		// The drill restores into a scratch place of its own and passes.
		dr, err := backup.Drill(ctx, out, key, db.Options{URL: cfg.DatabaseURL}, "", "", nil)
		if err != nil || !dr.OK() {
			t.Fatalf("drill: %v %v", err, dr)
		}
	})
}

// chained is the audit chain's last linked position.
func chained(t *testing.T, e *apptest.Env) int64 {
	h, err := audit.ReadHead(context.Background(), e.App.DB.SQL())
	if err != nil {
		t.Fatal(err)
	}
	return h.Pos
}

// checkpoints is the number of signed checkpoints in the data directory.
func checkpoints(t *testing.T, e *apptest.Env) int {
	cps, err := e.App.Checkpoints.All()
	if err != nil {
		t.Fatal(err)
	}
	return len(cps)
}

func rows(ts []db.TableSum, name string) int64 {
	for _, s := range ts {
		if s.Name == name {
			return s.Rows
		}
	}
	return -1
}

// TestCheckFindsAChangedRow: a restored table whose content differs in one
// value from the backup's is named by the check. The backup key in the
// data directory is not in the backup.
func TestCheckFindsAChangedRow(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		// The key in its default place, the data directory: it stays out
		// of the backup, and the audit key goes in.
		key, err := backup.LoadKey(e.App.Config.BackupKey(), true)
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), "b.zbk")
		m, err := backup.Create(ctx, app.BackupSource(e.App.Config, e.App.DB, e.App.Now, nil), key, out)
		if err != nil {
			t.Fatal(err)
		}
		names := map[string]bool{}
		for _, mb := range m.Members {
			names[mb.Name] = true
		}
		if names["data/"+backup.KeyFile] || !names["data/"+audit.KeyFile] || !names["data/"+audit.CheckpointFile] {
			t.Errorf("members: backup key %v (want false), audit key %v, checkpoints %v", names["data/"+backup.KeyFile], names["data/"+audit.KeyFile], names["data/"+audit.CheckpointFile])
		}
		tg := scratch(t, e)
		if _, err := backup.Restore(ctx, out, key, tg, nil); err != nil {
			t.Fatal(err)
		}
		d, err := db.Open(ctx, db.Options{URL: tg.DatabaseURL, DataDir: tg.DataDir})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(ctx, "UPDATE orgs SET phone = phone || '0' WHERE id = (SELECT min(id) FROM orgs)"); err != nil {
			t.Fatal(err)
		}
		d.Close()
		r, err := backup.Check(ctx, m, tg, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.OK() || !strings.Contains(strings.Join(r.Problems, "\n"), "表 orgs 的内容摘要与清单不符") {
			t.Errorf("one changed phone number: problems %q", r.Problems)
		}
	})
}

// TestScheduledThroughTheQueue: with ZWFW_BACKUP_AT set, a started server
// has the job queue make the day's backup (the periodic job runs on the
// leader's start) into ZWFW_BACKUP_DIR with the key from
// ZWFW_BACKUP_KEY_FILE, and the backup restores.
func TestScheduledThroughTheQueue(t *testing.T) {
	for _, dialect := range apptest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			cfg, _, err := config.Load("test", nil, func(string) string { return "" }, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			cfg.DataDir = filepath.Join(dir, "data")
			cfg.BackupDir = filepath.Join(dir, "backups")
			cfg.BackupKeyFile = filepath.Join(dir, "keys", backup.KeyFile)
			cfg.BackupAt = "00:00" // due at once: nothing made today
			cfg.AdminPassword = apptest.AdminPassword
			ao := app.Options{Now: testclock.Running().Now}
			if dialect == "postgres" {
				cfg.DatabaseURL = dbtest.PostgresSchemaURL(t)
			} else {
				dbtest.OnlyDialect(t, "sqlite")
			}
			log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
			a, err := app.Open(ctx, cfg, log, io.Discard, ao)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if err := a.Jobs.Start(ctx); err != nil {
				t.Fatal(err)
			}
			var made []time.Time
			for deadline := time.Now().Add(90 * time.Second); len(made) == 0; time.Sleep(200 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("no scheduled backup within 90 seconds of the queue's start")
				}
				if made, err = backup.List(cfg.BackupDir); err != nil {
					t.Fatal(err)
				}
			}
			a.Jobs.Stop(ctx)
			key, err := backup.LoadKey(cfg.BackupKeyFile, false)
			if err != nil {
				t.Fatal(err)
			}
			day := made[0].In(db.Zone).Format("2006-01-02")
			if want := ao.Now().In(db.Zone).Format("2006-01-02"); day != want {
				t.Errorf("scheduled backup named for %s, the server's clock says %s", day, want)
			}
			r, err := backup.Drill(ctx, filepath.Join(cfg.BackupDir, backup.Name(made[0])), key, db.Options{URL: cfg.DatabaseURL}, "", "", nil)
			if err != nil || !r.OK() {
				t.Fatalf("drill of the scheduled backup: %v %+v", err, r)
			}
		})
	}
}
