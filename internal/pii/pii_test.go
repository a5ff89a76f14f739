package pii_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/pii"
)

const (
	secretA = "0123456789abcdef0123456789abcdef-A"
	secretB = "0123456789abcdef0123456789abcdef-B"
)

type cancelOnWrite func()

func (c cancelOnWrite) Write(p []byte) (int, error) { c(); return len(p), nil }

func ring(t *testing.T, secrets ...string) *pii.Ring {
	t.Helper()
	r, err := pii.NewRing(secrets...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestSealOpen: a sealed value names its key, differs at every write, opens
// only under its own column's label and key, and any change to it is an
// error rather than garbage; empty stays empty, and a value from before
// encryption opens as it is.
func TestSealOpen(t *testing.T) {
	r := ring(t, secretA)
	const id = "610923198503120025"
	s1, s2 := r.Seal("users.id_number", id), r.Seal("users.id_number", id)
	if s1 == s2 || strings.Contains(s1, id) || strings.Contains(s1, id[10:]) {
		t.Fatalf("sealed %q, %q", s1, s2)
	}
	if k, ok := pii.Sealed(s1); !ok || k != r.Current() {
		t.Fatalf("sealed under %q %v, want %s", k, ok, r.Current())
	}
	if v, err := r.Open("users.id_number", s1); err != nil || v != id {
		t.Fatalf("open: %q %v", v, err)
	}
	if _, err := r.Open("cases.applicant_ident", s1); err == nil {
		t.Fatal("a value moved to another column opened")
	}
	bad := []byte(s1)
	bad[len(bad)-3] ^= 1
	if _, err := r.Open("users.id_number", string(bad)); err == nil {
		t.Fatal("an altered value opened")
	}
	if _, err := ring(t, secretB).Open("users.id_number", s1); !errors.Is(err, pii.ErrUnknownKey) {
		t.Fatalf("another key: %v, want ErrUnknownKey", err)
	}
	if r.Seal("x", "") != "" || r.Digest("") != "" {
		t.Fatal("empty values are not sealed")
	}
	if v, err := r.Open("x", "13991561234"); err != nil || v != "13991561234" {
		t.Fatalf("clear value: %q %v", v, err)
	}
	if _, err := pii.NewRing("too short"); err == nil {
		t.Fatal("a short key was accepted")
	}
}

// TestRing: the ring's first key seals, every key opens; digests are stable
// per key, differ between keys (so a lookup during a rotation asks for
// all), and reveal nothing without the secret.
func TestRing(t *testing.T) {
	old, both := ring(t, secretA), ring(t, secretB, secretA)
	sealedOld := old.Seal("cases.applicant_phone", "13991561234")
	if v, err := both.Open("cases.applicant_phone", sealedOld); err != nil || v != "13991561234" {
		t.Fatalf("old value under the new ring: %q %v", v, err)
	}
	if k, _ := pii.Sealed(both.Seal("x", "y")); k != both.Current() || k == old.Current() {
		t.Fatalf("the new ring seals under %s", k)
	}
	d := old.Digest("610923198503120025")
	if d != old.Digest("610923198503120025") || d == old.Digest("61092319620708004X") || strings.Contains(d, "0025") && strings.Contains(d, "610923") {
		t.Fatalf("digest %q", d)
	}
	ds := both.Digests("610923198503120025")
	if len(ds) != 2 || ds[1] != d || ds[0] == d || both.In() != "?, ?" {
		t.Fatalf("digests %v (old %s), in %q", ds, d, both.In())
	}
}

// TestLoadRing: the key file is made 0600 at the first start and read at
// the next; ZWFW_DATA_KEY (new,old) wins over it.
func TestLoadRing(t *testing.T) {
	dir := t.TempDir()
	r1, err := pii.LoadRing(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, pii.KeyFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	r2, err := pii.LoadRing(dir, "")
	if err != nil || r2.Current() != r1.Current() {
		t.Fatalf("second load: %v %v", r2, err)
	}
	r3, err := pii.LoadRing(dir, secretB+", "+secretA)
	if err != nil || len(r3.IDs()) != 2 || r3.Current() != ring(t, secretB).Current() {
		t.Fatalf("from the environment: %v %v", r3, err)
	}
	if _, err := pii.LoadRing(dir, "short"); err == nil || !strings.Contains(err.Error(), "ZWFW_DATA_KEY") {
		t.Fatalf("short key: %v", err)
	}
	r4, err := pii.AddFileKey(dir)
	if err != nil || len(r4.IDs()) != 2 || r4.IDs()[1] != r1.Current() {
		t.Fatalf("add key: %v %v", r4, err)
	}
	if err := pii.DropOldFileKeys(dir); err != nil {
		t.Fatal(err)
	}
	if r5, err := pii.LoadRing(dir, ""); err != nil || len(r5.IDs()) != 1 || r5.Current() != r4.Current() {
		t.Fatalf("after dropping the old keys: %v %v", r5, err)
	}
}

// TestOpenChecksKeys: a database sealed under one key refuses a process
// holding another (a clear error at start-up); a ring holding it opens.
// A rotation interrupted between batches resumes where it stopped, and
// once done the old key alone is refused.
func TestOpenChecksKeys(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cur := pii.Of(d)
		// Some sealed rows under the current (test) key.
		for i := range 7 {
			if _, err := d.Exec(ctx, `INSERT INTO notifications (channel, address, subject, body, state, created_at) VALUES ('sms', ?, 's', 'b', 'sent', 0)`,
				cur.Seal(pii.NotificationAddr.Label(), "1399156000"+string(rune('0'+i)))); err != nil {
				t.Fatal(err)
			}
		}
		other := ring(t, secretA)
		err := pii.Open(ctx, d, other, nil)
		if !errors.Is(err, pii.ErrKeyMismatch) || !strings.Contains(err.Error(), "ZWFW_DATA_KEY") {
			t.Fatalf("another key: %v", err)
		}
		if pii.Of(d) != cur {
			t.Fatal("a refused ring was left on the database")
		}
		// Rotate to a ring with a new key first and the current after it.
		rot, err := pii.NewRing(secretB)
		if err != nil {
			t.Fatal(err)
		}
		rotating := pii.Join(rot, cur)
		if err := pii.Open(ctx, d, rotating, nil); err != nil {
			t.Fatal(err)
		}
		// Now the database may hold rows under either key: the old
		// ring alone is refused until the rotation is done.
		if err := pii.Open(ctx, d, cur, nil); !errors.Is(err, pii.ErrKeyMismatch) {
			t.Fatalf("old key during the rotation: %v", err)
		}
		// Interrupted after its first batch of 3 (each batch its own
		// transaction), it leaves the rest, and resumes with them.
		defer pii.SetBatch(3)()
		cctx, cancel := context.WithCancel(ctx)
		n, err := pii.Rotate(cctx, d, rotating, cancelOnWrite(cancel))
		if !errors.Is(err, context.Canceled) || n != 3 {
			t.Fatalf("interrupted rotation: %d %v", n, err)
		}
		if left, err := pii.Left(ctx, d, rot); err != nil || left != 4 {
			t.Fatalf("left after an interrupted rotation: %d %v", left, err)
		}
		n, err = pii.Rotate(ctx, d, rotating, nil)
		if err != nil || n != 4 {
			t.Fatalf("resumed rotation: %d %v", n, err)
		}
		if left, err := pii.Left(ctx, d, rot); err != nil || left != 0 {
			t.Fatalf("left after rotation: %d %v", left, err)
		}
		if err := pii.Open(ctx, d, rot, nil); err != nil {
			t.Fatalf("new key alone after the rotation: %v", err)
		}
		if err := pii.Open(ctx, d, cur, nil); !errors.Is(err, pii.ErrKeyMismatch) {
			t.Fatalf("old key after the rotation: %v", err)
		}
		var addr string
		if err := d.QueryRow(ctx, "SELECT address FROM notifications ORDER BY id LIMIT 1").Scan(&addr); err != nil {
			t.Fatal(err)
		}
		if v, err := rot.Open(pii.NotificationAddr.Label(), addr); err != nil || v != "13991560000" {
			t.Fatalf("after rotation: %q %v", v, err)
		}
	})
}

// BenchmarkSealOpen: what a case's write (Seal ×3, Digest) and read
// (Open ×4) add per request.
func BenchmarkSealOpen(b *testing.B) {
	r, _ := pii.NewRing(secretA)
	form := `{"description":"申请办理食品经营许可","address":"宁陕县城关镇新建路88号"}`
	for b.Loop() {
		s1, s2, s3 := r.Seal("cases.applicant_ident", "610923198503120025"), r.Seal("cases.applicant_phone", "13991561234"), r.Seal("cases.form", form)
		_ = r.Digest("610923198503120025")
		for _, x := range [][2]string{{"cases.applicant_ident", s1}, {"cases.applicant_phone", s2}, {"cases.form", s3}} {
			if _, err := r.Open(x[0], x[1]); err != nil {
				b.Fatal(err)
			}
		}
	}
}
