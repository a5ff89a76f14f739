package calendar_test

import (
	"context"
	"testing"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/testclock"
)

// FuzzParseDate: a date is accepted only as YYYY-MM-DD of a real day, and
// an accepted date is that day's midnight in China Standard Time, printed
// back exactly as given; anything else is refused as invalid.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-11-26", "2026-02-29", "2024-02-29", "2026-13-01", "2026-1-1", " 2026-11-26", "0000-01-01",
		"9999-12-31", "2026-11-26T00:00:00", "２０２６-11-26", "2026-11-26\x00", "-001-01-01", "+2026-11-26", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := calendar.ParseDate(s)
		if err != nil {
			if zwfw.ErrorCode(err) != zwfw.EINVALID {
				t.Fatalf("ParseDate(%q): %v", s, err)
			}
			return
		}
		if d.Format(calendar.DateLayout) != s || d.Location() != db.Zone || !d.Equal(calendar.Date(d)) {
			t.Fatalf("ParseDate(%q) = %v", s, d)
		}
	})
}

// FuzzWorkdays: a county administrator's local adjustment of any date,
// kind and note is recorded or refused as invalid; a recorded one decides
// that day at the county's centres. And whatever the adjustments so far,
// AddWorkdays and WorkdaysBetween agree: n working days after a day is a
// working day (for n > 0), n of them lie between the two, and the day
// before it is one short.
func FuzzWorkdays(f *testing.F) {
	d := dbtest.SQLite(f)
	tr := newTree(f, d)
	c := calendar.New(d, testclock.New().Now)
	admin, at := tr.admin("610923"), tr.paths["610923100C"]
	ctx := context.Background()
	f.Add(uint16(0), uint16(20), uint16(0), uint8(0), "")
	f.Add(uint16(637), uint16(3), uint16(638), uint8(1), "大厅停电检修，暂停办公")
	f.Add(uint16(600), uint16(10), uint16(642), uint8(2), "集中办理周六加班")
	f.Add(uint16(400), uint16(119), uint16(402), uint8(1), "x")
	f.Add(uint16(1), uint16(1), uint16(2), uint8(2), "\xff\xfe")
	f.Fuzz(func(t *testing.T, day, n, adjDay uint16, kind uint8, note string) {
		base := date("2025-01-01")
		a := calendar.Adjustment{Date: base.AddDate(0, 0, int(adjDay)%1460).Format(calendar.DateLayout),
			Kind: []string{"", calendar.Holiday, calendar.Workday}[kind%3], Note: note}
		got, err := c.Adjust(ctx, admin, a)
		switch {
		case err != nil && (zwfw.ErrorCode(err) != zwfw.EINVALID || !utf8.ValidString(zwfw.ErrorMessage(err))):
			t.Fatalf("Adjust(%+v): %v", a, err)
		case err == nil && a.Kind != "":
			if ok, err := c.IsWorkday(ctx, at, date(a.Date)); err != nil || ok != (a.Kind == calendar.Workday) {
				t.Fatalf("after %+v, %s is a working day: %v (%v)", got, a.Date, ok, err)
			}
		}
		from := base.AddDate(0, 0, int(day)%1460)
		k := int(n) % 120
		to, err := c.AddWorkdays(ctx, at, from, k)
		if err != nil {
			t.Fatal(err)
		}
		between := func(a, b string) int {
			t.Helper()
			n, err := c.WorkdaysBetween(ctx, at, date(a), date(b))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		f, e := from.Format(calendar.DateLayout), to.Format(calendar.DateLayout)
		if got := between(f, e); got != k {
			t.Fatalf("%d working days after %s is %s, but %d lie between", k, f, e, got)
		}
		if back := between(e, f); back != -k {
			t.Fatalf("between %s and %s backwards: %d, want %d", e, f, back, -k)
		}
		if k > 0 {
			if ok, _ := c.IsWorkday(ctx, at, to); !ok {
				t.Fatalf("%d working days after %s is %s, not a working day", k, f, e)
			}
			if got := between(f, to.AddDate(0, 0, -1).Format(calendar.DateLayout)); got != k-1 {
				t.Fatalf("the day before %s: %d working days after %s, want %d", e, got, f, k-1)
			}
		}
	})
}
