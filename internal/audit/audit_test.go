package audit_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
)

var staff = &zwfw.Actor{UserID: 7, Name: "吴文静", Kind: zwfw.KindStaff, OrgID: 2}

// record writes n entries, one transaction each, as the services do.
func record(t *testing.T, d *db.DB, n int) {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2026, 11, 26, 9, 0, 0, 0, db.Zone)
	for i := 0; i < n; i++ {
		if err := d.InTx(ctx, func(tx *db.Tx) error {
			return audit.Record(ctx, tx, at.Add(time.Duration(i)*time.Minute), staff, "catalog.update", "item:010100100000", map[string]int{"version": i + 1})
		}); err != nil {
			t.Fatal(err)
		}
	}
}

func verify(t *testing.T, d *db.DB, cps *audit.Checkpoints) *audit.Report {
	t.Helper()
	r, err := audit.Verify(context.Background(), d, cps)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// found reports whether r names entry pos with a problem of kind.
func found(r *audit.Report, kind string, pos int64) bool {
	for _, p := range r.Problems {
		if p.Kind == kind && p.Pos <= pos && pos <= max(p.To, p.Pos) {
			return true
		}
	}
	return false
}

func mustFind(t *testing.T, r *audit.Report, kind string, pos int64) {
	t.Helper()
	if !found(r, kind, pos) {
		t.Fatalf("want a %s problem at entry %d, got %v", kind, pos, r.Problems)
	}
}

func mustBeClean(t *testing.T, r *audit.Report, entries int64) {
	t.Helper()
	if !r.OK() || r.Entries != entries {
		t.Fatalf("want %d clean entries, got %d: %v", entries, r.Entries, r.Problems)
	}
}

func exec(t *testing.T, d *db.DB, q string, args ...any) {
	t.Helper()
	if _, err := d.Exec(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// bypassAppendOnly drops the triggers that keep the log append-only, as
// someone with the database owner's rights could.
func bypassAppendOnly(t *testing.T, d *db.DB) {
	t.Helper()
	drops := []string{"DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete", "DROP TRIGGER audit_head_sealed"}
	if d.Dialect == db.Postgres {
		drops = []string{"DROP TRIGGER audit_log_append_only ON audit_log", "DROP TRIGGER audit_log_no_truncate ON audit_log",
			"DROP TRIGGER audit_head_sealed ON audit_head"}
	}
	for _, q := range drops {
		exec(t, d, q)
	}
}

// forge INSERTs a row straight into the log, as the owner of the database
// could: any actor, any time.
func forge(t *testing.T, d *db.DB) {
	t.Helper()
	exec(t, d, `INSERT INTO audit_log (at, actor_id, actor_name, action, object, detail) VALUES (?, ?, ?, ?, ?, ?)`,
		db.Millis(time.Date(2026, 1, 5, 9, 0, 0, 0, db.Zone)), 1, "冯志强", "case.reveal_ident", "case:x", `{"reason":"核验"}`)
}

// rechain recomputes every link from pos on and the head with plain SM3,
// as someone who edited an entry and holds the database but not the key
// would (the old chain's way).
func rechain(t *testing.T, d *db.DB, from int64) {
	t.Helper()
	ctx := context.Background()
	var prev string
	if err := d.QueryRow(ctx, "SELECT prev_hash FROM audit_log WHERE pos = ?", from).Scan(&prev); err != nil {
		t.Fatal(err)
	}
	rows, err := d.Query(ctx, "SELECT id, pos, detail, mac FROM audit_log WHERE pos >= ? ORDER BY pos", from)
	if err != nil {
		t.Fatal(err)
	}
	type link struct {
		id, pos         int64
		prev, hash, mac string
	}
	var links []link
	for rows.Next() {
		var l link
		var detail string
		if err := rows.Scan(&l.id, &l.pos, &detail, &l.mac); err != nil {
			t.Fatal(err)
		}
		h := sm3.New()
		fmt.Fprint(h, prev, l.pos, l.id, detail, l.mac)
		l.prev, l.hash = prev, hex.EncodeToString(h.Sum(nil))
		prev = l.hash
		links = append(links, l)
	}
	rows.Close()
	for _, l := range links {
		exec(t, d, "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?", l.prev, l.hash, l.id)
	}
	exec(t, d, "UPDATE audit_head SET hash = ? WHERE id = 1", prev)
}

// TestVerifyCatchesTampering: what the owner of the database may still
// do around the append-only triggers — alter an entry, remove one — is
// named by entry number.
func TestVerifyCatchesTampering(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		record(t, d, 5)
		mustBeClean(t, verify(t, d, nil), 5)
		// Nobody can change the log through the database's front door…
		for _, q := range []string{"UPDATE audit_log SET detail = '{}' WHERE pos = 3", "DELETE FROM audit_log WHERE pos = 2"} {
			if _, err := d.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Fatalf("%s: %v, want refused as append-only", q, err)
			}
		}
		// …so whoever tampers goes around it, as the owner of the database
		// would; the chain still tells.
		bypassAppendOnly(t, d)
		exec(t, d, "UPDATE audit_log SET detail = ? WHERE pos = 3", `{"version":99}`)
		r := verify(t, d, nil)
		mustFind(t, r, audit.ProblemAltered, 3)
		if len(r.Problems) != 1 {
			t.Fatalf("one altered entry, problems: %v", r.Problems)
		}
		exec(t, d, "UPDATE audit_log SET detail = ? WHERE pos = 3", `{"version":3}`)
		mustBeClean(t, verify(t, d, nil), 5)
		// Removing an entry is caught where the gap is.
		exec(t, d, "DELETE FROM audit_log WHERE pos = 2")
		mustFind(t, verify(t, d, nil), audit.ProblemMissing, 2)
	})
}

// TestForgedInsert: a row INSERTed straight into the log is chained like
// any other, and named as not written by the platform (today's chainer
// linked it as genuine and verify passed).
func TestForgedInsert(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		record(t, d, 3)
		if _, err := audit.Chain(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		forge(t, d) // needs no bypass: inserting is what an append-only log allows
		record(t, d, 1)
		r := verify(t, d, nil)
		mustFind(t, r, audit.ProblemForged, 4)
		if r.Entries != 5 || len(r.Problems) != 1 || !strings.Contains(r.Problems[0].String(), "第 4 条") {
			t.Fatalf("problems: %v", r.Problems)
		}
		// A forged row with a MAC made up (or copied from another entry)
		// fails it the same way.
		exec(t, d, `INSERT INTO audit_log (at, logged_at, actor_name, action, object, detail, nonce, mac)
			SELECT at, logged_at, '某人', action, object, detail, 'n', mac FROM audit_log WHERE pos = 1`)
		mustFind(t, verify(t, d, nil), audit.ProblemAltered, 6)
	})
}

// TestEditUnchainedAfterKill: entries acknowledged but not yet chained
// when the server is killed (-9) are already sealed by their MAC: the
// newest one edited before anything chains it is named (today it was
// chained as edited and verify passed).
func TestEditUnchainedAfterKill(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		record(t, d, 2)
		if _, err := audit.Chain(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		record(t, d, 3) // acknowledged; the chainer has not run (the process died)
		bypassAppendOnly(t, d)
		exec(t, d, "UPDATE audit_log SET actor_name = '某人', detail = '{}' WHERE id = (SELECT MAX(id) FROM audit_log)")
		r := verify(t, d, nil)
		mustFind(t, r, audit.ProblemAltered, 5)
		if len(r.Problems) != 1 {
			t.Fatalf("problems: %v", r.Problems)
		}
	})
}

// TestRechainedEdit: an entry edited and every link after it recomputed,
// head included (today verify passed): the MAC names the edited entry, and
// the links nobody can compute without the key name the rest.
func TestRechainedEdit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		record(t, d, 6)
		mustBeClean(t, verify(t, d, nil), 6)
		bypassAppendOnly(t, d)
		exec(t, d, "UPDATE audit_log SET detail = ? WHERE pos = 3", `{"version":99}`)
		rechain(t, d, 3)
		r := verify(t, d, nil)
		mustFind(t, r, audit.ProblemAltered, 3)
		for pos := int64(3); pos <= 6; pos++ {
			mustFind(t, r, audit.ProblemRelinked, pos)
		}
		if found(r, audit.ProblemAltered, 2) || found(r, audit.ProblemRelinked, 2) {
			t.Fatalf("entry 2 is intact: %v", r.Problems)
		}
		// Recomputing the links of an unedited chain is caught as well.
		exec(t, d, "UPDATE audit_log SET detail = ? WHERE pos = 3", `{"version":3}`)
		r = verify(t, d, nil)
		if found(r, audit.ProblemAltered, 3) || !found(r, audit.ProblemRelinked, 3) {
			t.Fatalf("re-chained only: %v", r.Problems)
		}
	})
}

// TestTruncationCaughtByCheckpoint: the newest entries removed and the
// head rolled back to match leave a chain that is whole in itself; the
// signed checkpoint outside the database says how long it was.
func TestTruncationCaughtByCheckpoint(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cps, err := audit.OpenCheckpoints(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		record(t, d, 6)
		if _, err := audit.Chain(ctx, d); err != nil {
			t.Fatal(err)
		}
		cp, err := cps.Write(ctx, d)
		if err != nil || cp == nil || cp.Pos != 6 {
			t.Fatalf("checkpoint: %+v %v", cp, err)
		}
		r := verify(t, d, cps)
		mustBeClean(t, r, 6)
		if r.Checkpoints != 1 || r.Latest.Pos != 6 {
			t.Fatalf("checkpoints agreed: %d %+v", r.Checkpoints, r.Latest)
		}

		bypassAppendOnly(t, d)
		exec(t, d, "DELETE FROM audit_log WHERE pos > 4")
		exec(t, d, "UPDATE audit_head SET pos = 4, hash = (SELECT hash FROM audit_log WHERE pos = 4) WHERE id = 1")
		mustBeClean(t, verify(t, d, nil), 4) // without the checkpoint, nothing shows
		r = verify(t, d, cps)
		mustFind(t, r, audit.ProblemTruncated, 5)
		mustFind(t, r, audit.ProblemTruncated, 6)
		if !strings.Contains(r.Problems[0].String(), "第 5–6 条") {
			t.Fatalf("report: %v", r.Problems)
		}
		// The server's next checkpoint refuses to move on from the
		// rolled-back head…
		if _, err := cps.Write(ctx, d); err == nil {
			t.Fatal("a checkpoint was written over a rolled-back head")
		}
		// …and when new entries fill the positions again, they disagree
		// with the checkpoint.
		record(t, d, 3)
		r = verify(t, d, cps)
		mustFind(t, r, audit.ProblemRewritten, 6)
	})
}

// TestTimeNeverGoesBackwards: an entry logged more than Skew before the
// latest one before it is named; within Skew (transactions committing in
// another order than they stamped) it is not.
func TestTimeNeverGoesBackwards(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		clock := time.Date(2026, 12, 1, 10, 0, 0, 0, db.Zone)
		audit.Use(d, audit.KeysOf(d).WithClock(func() time.Time { return clock }))
		record(t, d, 2)
		clock = clock.Add(-audit.Skew / 2) // committed out of order
		record(t, d, 1)
		mustBeClean(t, verify(t, d, nil), 3)
		clock = clock.Add(-2 * audit.Skew) // a clock set back
		record(t, d, 1)
		clock = clock.Add(3 * audit.Skew)
		record(t, d, 1)
		r := verify(t, d, nil)
		mustFind(t, r, audit.ProblemBackwards, 4)
		if len(r.Problems) != 1 || !strings.Contains(r.Problems[0].String(), "第 4 条") {
			t.Fatalf("problems: %v", r.Problems)
		}
	})
}

// TestReplay: a genuine entry copied in again, MAC and all, is named as a
// replay of the first.
func TestReplay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		record(t, d, 3)
		exec(t, d, `INSERT INTO audit_log (at, logged_at, org_id, actor_id, actor_name, action, object, detail, nonce, mac)
			SELECT at, logged_at, org_id, actor_id, actor_name, action, object, detail, nonce, mac FROM audit_log WHERE id = (SELECT MAX(id) FROM audit_log)`)
		r := verify(t, d, nil)
		mustFind(t, r, audit.ProblemReplayed, 4)
		if len(r.Problems) != 1 {
			t.Fatalf("problems: %v", r.Problems)
		}
	})
}

// TestCheckpointFile: checkpoints are signed lines in a file of the data
// directory; an altered line is not taken for one; a reopened file goes
// on from its last line.
func TestCheckpointFile(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	dir := t.TempDir()
	cps, err := audit.OpenCheckpoints(dir)
	if err != nil {
		t.Fatal(err)
	}
	if cp, err := cps.Write(ctx, d); err != nil || cp != nil {
		t.Fatalf("an empty chain needs no checkpoint: %+v %v", cp, err)
	}
	record(t, d, 2)
	audit.Chain(ctx, d)
	if _, err := cps.Write(ctx, d); err != nil {
		t.Fatal(err)
	}
	if cp, err := cps.Write(ctx, d); err != nil || cp != nil {
		t.Fatalf("an unmoved head needs no second checkpoint: %+v %v", cp, err)
	}
	for _, f := range []string{audit.SignKeyFile, audit.KeyFile} {
		if st, err := os.Stat(filepath.Join(dir, f)); err == nil && st.Mode().Perm() != 0o600 {
			t.Errorf("%s is %v, want 0600", f, st.Mode().Perm())
		}
	}
	var out strings.Builder
	if err := cps.Export(&out); err != nil || !strings.Contains(out.String(), "BEGIN PUBLIC KEY") || !strings.Contains(out.String(), "head ") {
		t.Fatalf("export: %v\n%s", err, out.String())
	}

	record(t, d, 1)
	audit.Chain(ctx, d)
	again, err := audit.OpenCheckpoints(dir)
	if err != nil {
		t.Fatal(err)
	}
	if cp, err := again.Write(ctx, d); err != nil || cp == nil || cp.Pos != 3 {
		t.Fatalf("reopened: %+v %v", cp, err)
	}
	mustBeClean(t, verify(t, d, again), 3)

	// A line torn by a crash is one bad line; the next checkpoint is a
	// line of its own.
	f, err := os.OpenFile(again.File(), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("head 0123 4 ab")
	f.Close()
	record(t, d, 1)
	audit.Chain(ctx, d)
	if cp, err := again.Write(ctx, d); err != nil || cp == nil || cp.Pos != 4 {
		t.Fatalf("after a torn line: %+v %v", cp, err)
	}
	if r := verify(t, d, again); len(r.Problems) != 1 || r.Problems[0].Kind != audit.ProblemCheckpoint || r.Latest.Pos != 4 {
		t.Fatalf("after a torn line: %v, latest %+v", r.Problems, r.Latest)
	}

	// Whoever edits the file (to make a truncation agree) breaks the
	// signature.
	b, _ := os.ReadFile(again.File())
	edited := strings.Replace(string(b), "head ", "head  ", 1)
	edited = strings.Replace(edited, " 4 ", " 3 ", 1)
	os.WriteFile(again.File(), []byte(edited), 0o600)
	r := verify(t, d, again)
	if r.OK() || r.Problems[0].Kind != audit.ProblemCheckpoint {
		t.Fatalf("edited checkpoint: %v", r.Problems)
	}
}

// TestOpen: a process with another key is refused; the chain of a
// database from before the keys is sealed where it ends and goes on keyed.
func TestOpen(t *testing.T) {
	ctx := context.Background()
	secret := func() string {
		var b [32]byte
		rand.Read(b[:])
		return hex.EncodeToString(b[:])
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		other, _ := audit.NewKeys(secret())
		if err := audit.Open(ctx, d, other, nil); !errors.Is(err, audit.ErrKeyMismatch) {
			t.Fatalf("another key: %v", err)
		}
	})
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run("upgrade/"+dialect, func(t *testing.T) {
			o := db.Options{SQLitePath: filepath.Join(t.TempDir(), "zwfw.db")}
			if dialect == "postgres" {
				o = db.Options{URL: dbtest.PostgresSchemaURL(t)}
			}
			d, err := db.Open(ctx, o)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if _, err := d.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			// Entries written before the keys, as the old code wrote them.
			for i := 0; i < 3; i++ {
				exec(t, d, "INSERT INTO audit_log (at, actor_name, action, object, detail) VALUES (?, '系统', 'org.create', 'org:x', '{}')",
					db.Millis(time.Now()))
			}
			k, _ := audit.NewKeys(secret())
			dir := t.TempDir()
			cps, err := audit.OpenCheckpoints(dir)
			if err != nil {
				t.Fatal(err)
			}
			if err := audit.Open(ctx, d, k, cps); err != nil {
				t.Fatal(err)
			}
			record(t, d, 2)
			r := verify(t, d, cps)
			mustBeClean(t, r, 5)
			if r.Base != 3 {
				t.Fatalf("base %d, want 3", r.Base)
			}
			// Someone who strips the seal to have the whole log re-sealed
			// as "written before the keys" is refused at the next start.
			bypassAppendOnly(t, d)
			exec(t, d, "UPDATE audit_head SET key_id = '', seal = '' WHERE id = 1")
			if err := audit.Open(ctx, d, k, cps); !errors.Is(err, audit.ErrSealRemoved) {
				t.Fatalf("re-seal: %v", err)
			}
			mustFind(t, verify(t, d, cps), audit.ProblemSeal, 0)
		})
	}
}

// TestAppendOnly: entries are written and chained, and then neither
// changed nor removed, not even by an administrator's SQL.
func TestAppendOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.InTx(ctx, func(tx *db.Tx) error {
			return audit.Record(ctx, tx, time.Now(), zwfw.System, "user.create", "user:1", nil)
		}); err != nil {
			t.Fatal(err)
		}
		// Before chaining, the content is already fixed.
		for _, q := range []string{"UPDATE audit_log SET actor_name = 'x'", "UPDATE audit_log SET mac = 'x'", "UPDATE audit_log SET org_id = 5",
			"UPDATE audit_log SET logged_at = 1", "UPDATE audit_log SET nonce = 'x'"} {
			if _, err := d.Exec(ctx, q); err == nil {
				t.Fatalf("%s: changing an unchained entry was allowed", q)
			}
		}
		if n, err := audit.Chain(ctx, d); err != nil || n != 1 {
			t.Fatalf("chain: %d %v", n, err)
		}
		refused := []string{"UPDATE audit_log SET hash = 'x'", "UPDATE audit_log SET pos = NULL", "DELETE FROM audit_log",
			"UPDATE audit_head SET key_id = 'x'", "UPDATE audit_head SET base_pos = 7", "DELETE FROM audit_head"}
		if d.Dialect == db.Postgres {
			refused = append(refused, "TRUNCATE audit_log", "TRUNCATE audit_head")
		}
		for _, q := range refused {
			if _, err := d.Exec(ctx, q); err == nil || !(strings.Contains(err.Error(), "append-only") || strings.Contains(err.Error(), "sealed")) {
				t.Errorf("%s: %v, want refused", q, err)
			}
		}
		mustBeClean(t, verify(t, d, nil), 1)
	})
}

// TestChainAcrossWriters: entries written concurrently by many transactions
// are all chained, once each, in one unbroken chain, also when several
// chainers run at the same time (several server processes).
func TestChainAcrossWriters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var wg sync.WaitGroup
		for w := 0; w < 8; w++ {
			wg.Add(2)
			go func() {
				defer wg.Done()
				for i := 0; i < 25; i++ {
					d.InTx(ctx, func(tx *db.Tx) error {
						return audit.Record(ctx, tx, time.Now(), zwfw.System, "case.accept", "case:x", map[string]int{"i": i})
					})
				}
			}()
			go func() {
				defer wg.Done()
				for i := 0; i < 5; i++ {
					if _, err := audit.Chain(ctx, d); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		mustBeClean(t, verify(t, d, nil), 200)
	})
}

// TestChainerWritesCheckpoints: the server's chainer links new entries
// and checkpoints the head as it moves, and once more as it stops.
func TestChainerWritesCheckpoints(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		cps, err := audit.OpenCheckpoints(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		record(t, d, 3)
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			audit.RunChainer(ctx, d, cps, 10*time.Millisecond, time.Hour, slog.New(slog.DiscardHandler))
		}()
		deadline := time.Now().Add(10 * time.Second)
		for {
			b, _ := os.ReadFile(cps.File())
			if strings.Contains(string(b), " 3 ") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the chainer did not chain and checkpoint")
			}
			time.Sleep(10 * time.Millisecond)
		}
		record(t, d, 2) // after the first checkpoint; the last one, at the stop, covers them
		stop()
		<-done
		r := verify(t, d, cps)
		mustBeClean(t, r, 5)
		if r.Checkpoints != 2 || r.Latest == nil || r.Latest.Pos != 5 {
			t.Fatalf("%d checkpoints, the latest %+v; want 2, the latest at entry 5", r.Checkpoints, r.Latest)
		}
	})
}

// TestCopiedFromAnotherChain: an entry of another database sealed with the
// same secret (a copy restored elsewhere, a test system) does not pass in
// this one: its MAC names its own chain.
func TestCopiedFromAnotherChain(t *testing.T) {
	ctx := context.Background()
	k, _ := audit.NewKeys("the same secret for both databases, 32+ chars")
	open := func() *db.DB {
		d, err := db.Open(ctx, db.Options{SQLitePath: filepath.Join(t.TempDir(), "zwfw.db")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		if _, err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if err := audit.Open(ctx, d, k, nil); err != nil {
			t.Fatal(err)
		}
		return d
	}
	a, b := open(), open()
	record(t, a, 1)
	record(t, b, 1)
	var at, logged, org, actor int64
	var name, action, object, detail, nonce, mac string
	if err := a.QueryRow(ctx, "SELECT at, logged_at, org_id, actor_id, actor_name, action, object, detail, nonce, mac FROM audit_log").
		Scan(&at, &logged, &org, &actor, &name, &action, &object, &detail, &nonce, &mac); err != nil {
		t.Fatal(err)
	}
	exec(t, b, "INSERT INTO audit_log (at, logged_at, org_id, actor_id, actor_name, action, object, detail, nonce, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		at, logged, org, actor, name, action, object, detail, nonce, mac)
	mustBeClean(t, verify(t, a, nil), 1)
	mustFind(t, verify(t, b, nil), audit.ProblemAltered, 2)
}
