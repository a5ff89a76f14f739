package app_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"zwfw/internal/app"
	"zwfw/internal/config"
	"zwfw/internal/testclock"
)

// At start-up the log says when deadlines set now may reach a year whose
// national holidays are not compiled in, and says nothing while they are.
func TestStartWarnsOfUnknownHolidays(t *testing.T) {
	for _, c := range []struct {
		day  string
		warn bool
	}{{"2027-11-15", true}, {"2026-11-26", false}} {
		dir := t.TempDir()
		cfg, _, err := config.Load("test", nil, func(string) string { return "" }, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		cfg.DataDir = dir
		var buf bytes.Buffer
		log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))
		a, err := app.Open(context.Background(), cfg, log, io.Discard,
			app.Options{SQLiteDSN: filepath.Join(dir, "zwfw.db"), NoSeed: true, Now: testclock.At(testclock.Day(c.day)).Now})
		if err != nil {
			t.Fatal(err)
		}
		a.Close()
		if got := strings.Contains(buf.String(), "national holidays unknown") && strings.Contains(buf.String(), "unknown_from=2028-01-01"); got != c.warn {
			t.Errorf("start on %s: warned %v, want %v\n%s", c.day, got, c.warn, buf.String())
		}
	}
}
