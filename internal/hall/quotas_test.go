package hall_test

import (
	"context"
	"strings"
	"testing"

	"zwfw"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/hall"
	"zwfw/internal/testclock"
)

// A category's time-window quotas (分时段限额, issue 10 item 1): the morning
// gives out its quota and refuses the next walk-in with the time the next
// part opens; the afternoon has its own; a bad quota text is refused when
// saved and changes nothing.
func TestTimeWindowQuotas(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := testclock.At(at("2026-11-26", "09:30"))
		county(t, d, clk.Now)
		s := hall.NewService(d, clk.Now)
		for _, bad := range []string{"08:30-12:00", "08:00-12:00=5", "12:00-10:00=5", "08:30-12:00=0", "09:00-12:00=5,11:00-15:00=5", "上午=5"} {
			_, err := s.CreateCategory(ctx, zwfw.System, "610923C", hall.CategoryInput{Name: "综合受理", Prefix: "A", Opens: "08:30", Closes: "17:30", Quotas: bad})
			if zwfw.ErrorCode(err) != zwfw.EINVALID {
				t.Fatalf("quotas %q: %v, want 422", bad, err)
			}
		}
		if _, cats, _ := s.Categories(ctx, "610923C", true); len(cats) != 0 {
			t.Fatalf("a refused category was saved: %v", cats)
		}
		cat := category(t, s, "610923C", hall.CategoryInput{Name: "综合受理", Prefix: "A", Opens: "08:30", Closes: "17:30",
			Priority: true, Quotas: "08:30－12:00＝2， 14:00-17:30=1"})
		if cat.Quotas != "08:30-12:00=2,14:00-17:30=1" {
			t.Fatalf("quotas saved as %q", cat.Quotas)
		}
		take(t, s, "610923C", cat.ID, false)
		take(t, s, "610923C", cat.ID, true) // 绿色通道 counts too
		_, err := s.Take(ctx, "610923C", hall.TakeInput{CategoryID: cat.ID})
		if zwfw.ErrorCode(err) != zwfw.ECONFLICT || !strings.Contains(zwfw.ErrorMessage(err), "08:30 至 12:00 的号已取完（本时段限 2 个），请于 14:00 后再来取号") {
			t.Fatalf("third take in the morning: %v", err)
		}
		clk.Set(at("2026-11-26", "12:30")) // between the parts: no quota
		if tk := take(t, s, "610923C", cat.ID, false); tk.Number != "A003" {
			t.Fatalf("midday ticket %s, want A003 (the refused take used no number)", tk.Number)
		}
		clk.Set(at("2026-11-26", "15:00"))
		take(t, s, "610923C", cat.ID, false)
		if _, err := s.Take(ctx, "610923C", hall.TakeInput{CategoryID: cat.ID}); zwfw.ErrorCode(err) != zwfw.ECONFLICT ||
			!strings.Contains(zwfw.ErrorMessage(err), "请明天再来") {
			t.Fatalf("second take in the afternoon: %v", err)
		}
	})
}
