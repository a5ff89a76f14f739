package hall

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/db"
)

// Quota is a category's cap on the tickets taken in a part of the day
// (分时段限额): From up to (not including) To, HH:MM, at most N tickets.
type Quota struct {
	From string `json:"from"`
	To   string `json:"to"`
	N    int    `json:"n"`
}

// ParseQuotas reads a category's quotas as the hall manager writes them:
// "08:30-12:00=60,14:00-17:30=60" (full-width punctuation accepted). The
// parts must lie within the category's hours (opens, closes), in order and
// apart. Empty text is no quotas.
func ParseQuotas(text, opens, closes string) ([]Quota, error) {
	r := strings.NewReplacer("，", ",", "；", ",", ";", ",", "－", "-", "—", "-", "–", "-", "～", "-", "~", "-", "＝", "=", "：", ":", " ", "", "　", "")
	text = r.Replace(strings.TrimSpace(text))
	if text == "" {
		return nil, nil
	}
	bad := fmt.Errorf
	var out []Quota
	for _, part := range strings.Split(text, ",") {
		if part == "" {
			continue
		}
		span, n, ok := strings.Cut(part, "=")
		from, to, ok2 := strings.Cut(span, "-")
		num, err := strconv.Atoi(n)
		if !ok || !ok2 || err != nil || !hhmm.MatchString(from) || !hhmm.MatchString(to) {
			return nil, bad("时段限额“%s”应写成 08:30-12:00=60 的形式，多个时段用逗号分开", part)
		}
		switch {
		case from >= to:
			return nil, bad("时段限额“%s”的结束时间须晚于开始时间", part)
		case from < opens || to > closes:
			return nil, bad("时段限额“%s”须在取号时间 %s 至 %s 之内", part, opens, closes)
		case num < 1 || num > 999:
			return nil, bad("时段限额“%s”的个数须在 1 到 999 之间", part)
		case len(out) > 0 && from < out[len(out)-1].To:
			return nil, bad("时段限额的时段须按时间先后排列、互不重叠（“%s”）", part)
		}
		out = append(out, Quota{From: from, To: to, N: num})
	}
	return out, nil
}

// FormatQuotas writes quotas back as the hall manager writes them.
func FormatQuotas(qs []Quota) string {
	var parts []string
	for _, q := range qs {
		parts = append(parts, fmt.Sprintf("%s-%s=%d", q.From, q.To, q.N))
	}
	return strings.Join(parts, ",")
}

// quotaRefusal says why a walk-in ticket of cat may not be issued now at
// centre on day: the part of the day it falls in has given out its quota.
// It runs in the take's transaction after the day's counter was raised, so
// the counter's row lock orders the takes of the category and two processes
// cannot both take the last ticket of a part.
func quotaRefusal(ctx context.Context, tx *db.Tx, cat *Category, day string, now time.Time) error {
	qs, err := ParseQuotas(cat.Quotas, cat.Opens, cat.Closes)
	if err != nil || len(qs) == 0 {
		return nil // a stored text is checked when saved; a bad one limits nothing
	}
	hm := now.Format("15:04")
	for _, q := range qs {
		if hm < q.From || hm >= q.To {
			continue
		}
		start, _ := time.ParseInLocation("2006-01-02 15:04", day+" "+q.From, zwfw.Zone)
		end, _ := time.ParseInLocation("2006-01-02 15:04", day+" "+q.To, zwfw.Zone)
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM hall_tickets WHERE category_id = ? AND day = ? AND channel <> ? AND taken_at >= ? AND taken_at < ?`,
			cat.ID, day, ChannelAppointment, db.Millis(start), db.Millis(end)).Scan(&n); err != nil {
			return fmt.Errorf("hall: quota of %s: %w", cat.Prefix, err)
		}
		if n >= q.N {
			return zwfw.Errorf(zwfw.ECONFLICT, "“%s”%s 至 %s 的号已取完（本时段限 %d 个）%s", cat.Name, q.From, q.To, q.N, nextQuota(qs, q))
		}
		return nil
	}
	return nil
}

// nextQuota tells when the next part of the day opens, if one does.
func nextQuota(qs []Quota, cur Quota) string {
	for _, q := range qs {
		if q.From >= cur.To {
			return "，请于 " + q.From + " 后再来取号"
		}
	}
	return "，请明天再来，或在网上办事大厅办理"
}
