package backup

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"zwfw/internal/testclock"
)

// TestRetentionOverTheYear walks a clock from New Year's Day to 26
// November in six-hour steps with the daily backup at 02:30 and 7/4/12
// retention, and finds exactly the backups the policy keeps: the last
// seven days, the last of each of the last four ISO weeks, and the last of
// each month.
func TestRetentionOverTheYear(t *testing.T) {
	dir := t.TempDir()
	clk := testclock.At(time.Date(2026, 1, 1, 0, 0, 0, 0, testclock.Today().Location()))
	made := 0
	r := &Runner{Schedule: Schedule{Dir: dir, At: 2*time.Hour + 30*time.Minute, Keep: Keep{7, 4, 12}},
		Source: Source{Now: clk.Now},
		make: func(ctx context.Context, out string) error {
			made++
			return os.WriteFile(out, []byte("backup"), 0o600)
		}}
	// A file that is not a backup is never touched.
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o600)
	end := time.Date(2026, 11, 26, 12, 0, 0, 0, clk.Now().Location())
	for ; !clk.Now().After(end); clk.Add(6 * time.Hour) {
		if _, err := r.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// One backup a day: runs at 00:00 are before 02:30, and the runs at
	// 12:00 and 18:00 find the day's backup made.
	if made != 330 {
		t.Errorf("made %d backups from 1 January to 26 November, want one a day (330)", made)
	}
	var got []string
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		got = append(got, e.Name())
	}
	want := []string{"notes.txt"}
	for _, d := range []string{
		"0131", "0228", "0331", "0430", "0531", "0630", "0731", "0831", "0930", "1031", // monthly
		"1108", "1115", // weekly (Sundays; 1122 and the current week are daily too)
		"1120", "1121", "1122", "1123", "1124", "1125", "1126", // daily
	} {
		// The runs fall at 00:00, 06:00, 12:00 and 18:00: each day's
		// backup is made at 06:00.
		want = append(want, "zwfw-2026"+d+"-060000.zbk")
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("kept\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestDue: the backup is due once today's time has come and none was
// made since; not before, and not twice.
func TestDue(t *testing.T) {
	s := Schedule{At: 2*time.Hour + 30*time.Minute}
	day := func(h, m int) time.Time { return time.Date(2026, 11, 26, h, m, 0, 0, testclock.Today().Location()) }
	yesterday := day(2, 30).AddDate(0, 0, -1)
	for _, c := range []struct {
		now  time.Time
		made []time.Time
		due  bool
	}{
		{day(2, 29), []time.Time{yesterday}, false},
		{day(2, 30), []time.Time{yesterday}, true},
		{day(23, 0), nil, true},
		{day(23, 0), []time.Time{day(2, 31)}, false},
		{day(23, 0), []time.Time{day(1, 0)}, true}, // a manual backup before the time does not count
	} {
		if got := s.Due(c.now, c.made); got != c.due {
			t.Errorf("due at %s with %v: %v, want %v", c.now.Format(time.DateTime), c.made, got, c.due)
		}
	}
}

// TestSettings: bad schedule and retention settings are refused with a
// Chinese message.
func TestSettings(t *testing.T) {
	for _, s := range []string{"25:00", "2:3x", "daily"} {
		if _, _, err := ParseAt(s); err == nil || !strings.Contains(err.Error(), "HH:MM") {
			t.Errorf("ParseAt(%q): %v", s, err)
		}
	}
	if at, ok, err := ParseAt("02:30"); err != nil || !ok || at != 150*time.Minute {
		t.Errorf("ParseAt(02:30) = %v %v %v", at, ok, err)
	}
	if _, ok, err := ParseAt("off"); ok || err != nil {
		t.Errorf("ParseAt(off) = %v %v", ok, err)
	}
	for _, s := range []string{"7/4", "7/4/x", "-1/4/12", "0/0/0"} {
		if _, err := ParseKeep(s); err == nil || !strings.Contains(err.Error(), "保留策略") {
			t.Errorf("ParseKeep(%q): %v", s, err)
		}
	}
	if k, err := ParseKeep("7/4/12"); err != nil || k != (Keep{7, 4, 12}) {
		t.Errorf("ParseKeep(7/4/12) = %v %v", k, err)
	}
}

// TestEncryption: every single changed byte of an encrypted stream, a
// stream cut short, chunks swapped, and a wrong key are all refused; the
// right key reads back what was written.
func TestEncryption(t *testing.T) {
	k, err := NewKey(strings.Repeat("a", 64))
	if err != nil {
		t.Fatal(err)
	}
	plain := bytes.Repeat([]byte("宁陕县办件数据 "), 20000) // ~3 chunks
	var buf bytes.Buffer
	w, err := k.Encrypt(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(plain)
	w.Close()
	enc := buf.Bytes()
	read := func(b []byte, key *Key) ([]byte, error) {
		r, err := key.Decrypt(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(r)
	}
	if got, err := read(enc, k); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("round trip: %v (%d of %d bytes)", err, len(got), len(plain))
	}
	for at := 0; at < len(enc); at += 997 {
		bad := append([]byte(nil), enc...)
		bad[at] ^= 0x80
		if _, err := read(bad, k); err == nil {
			t.Fatalf("byte %d changed: read without error", at)
		}
	}
	if _, err := read(enc[:len(enc)-20], k); !errors.Is(err, ErrDamaged) && !errors.Is(err, ErrTruncated) {
		t.Errorf("cut short: %v", err)
	}
	// Dropping the last chunk entirely leaves a stream with no end.
	first := headerLen + 4 + chunkSize + 16
	if _, err := read(enc[:first], k); !errors.Is(err, ErrTruncated) {
		t.Errorf("only the first chunk: %v, want ErrTruncated", err)
	}
	if _, err := read(append(append([]byte(nil), enc...), 0), k); !errors.Is(err, ErrDamaged) {
		t.Errorf("a byte appended: %v, want ErrDamaged", err)
	}
	other, _ := NewKey(strings.Repeat("b", 64))
	if _, err := read(enc, other); !errors.Is(err, ErrWrongKey) {
		t.Errorf("wrong key: %v", err)
	}
	if _, err := NewKey("short"); err == nil {
		t.Error("a short key was accepted")
	}
}

// TestKeyFile: the key file is made 0600 on the first backup and never
// made by a restore.
func TestKeyFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "keys", KeyFile)
	if _, err := LoadKey(p, false); err == nil || !strings.Contains(err.Error(), "ZWFW_BACKUP_KEY_FILE") {
		t.Errorf("restore without a key file: %v", err)
	}
	if _, err := os.Stat(p); err == nil {
		t.Error("a restore created a key file")
	}
	k1, err := LoadKey(p, true)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st.Mode(), err)
	}
	k2, err := LoadKey(p, false)
	if err != nil || k2.ID() != k1.ID() {
		t.Errorf("key read back: %v, ids %s %s", err, k1.ID(), k2.ID())
	}
}
