package casework

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"zwfw/internal/account/ident"
	"zwfw/internal/db"
)

// The hall's public rolling display (信息查询机、电子显示屏实时滚动公示,
// 附件2（八）1): the cases a centre accepted and completed lately, with the
// applicant masked, the item, the window and the time. Nothing else of a
// case leaves here: no serial, no identity number, no phone.

// Topic is what db.OnChange calls a change to cases that a centre's public
// display shows (accepted, completed, evaluated); the key is the code of
// the centre the case was filed at.
const Topic = "case"

// Public events of a case.
const (
	EventAccepted  = "accepted"
	EventCompleted = "completed"
)

// PublicCase is one line of the rolling display.
type PublicCase struct {
	Event     string    `json:"event"` // accepted or completed
	EventName string    `json:"event_name"`
	Applicant string    `json:"applicant"` // masked: 张**
	Item      string    `json:"item"`
	Window    string    `json:"window,omitempty"`
	At        time.Time `json:"at"`
}

// announces reports whether an action changes what a centre's public
// display shows.
func (a *act) announces() bool {
	_, accepted := a.set["accepted_at"]
	_, completed := a.set["completed_at"]
	return accepted || completed || a.action == ActEvaluate
}

// Recent lists the cases of the centre (filed there) accepted or completed
// since, newest first, at most limit of them; a case accepted and
// completed within the period appears once for each.
func (s *Service) Recent(ctx context.Context, centreID int64, since time.Time, limit int) ([]PublicCase, error) {
	out := []PublicCase{}
	for _, ev := range []struct{ event, name, col string }{{EventAccepted, "受理", "accepted_at"}, {EventCompleted, "办结", "completed_at"}} {
		rows, err := s.db.Reader().Query(ctx, `SELECT c.applicant_name, c.item_name, COALESCE(w.name, ''), c.`+ev.col+` FROM cases c
			LEFT JOIN orgs w ON w.id = c.window_id WHERE c.org_id = ? AND c.`+ev.col+` >= ? ORDER BY c.`+ev.col+` DESC LIMIT ?`,
			centreID, max(db.Millis(since), 1), limit)
		if err != nil {
			return nil, fmt.Errorf("casework: recent: %w", err)
		}
		for rows.Next() {
			p := PublicCase{Event: ev.event, EventName: ev.name}
			var name string
			var at int64
			if err := rows.Scan(&name, &p.Item, &p.Window, &at); err != nil {
				rows.Close()
				return nil, err
			}
			p.Applicant, p.At = ident.MaskName(name), db.Time(at)
			out = append(out, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	slices.SortStableFunc(out, func(a, b PublicCase) int { return cmp.Compare(b.At.UnixMilli(), a.At.UnixMilli()) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// DayCounts counts the centre's cases accepted and completed in [from, to).
func (s *Service) DayCounts(ctx context.Context, centreID int64, from, to time.Time) (accepted, completed int, err error) {
	q := s.db.Reader()
	if err = q.QueryRow(ctx, "SELECT COUNT(*) FROM cases WHERE org_id = ? AND accepted_at >= ? AND accepted_at < ?",
		centreID, db.Millis(from), db.Millis(to)).Scan(&accepted); err != nil {
		return 0, 0, fmt.Errorf("casework: day counts: %w", err)
	}
	if err = q.QueryRow(ctx, "SELECT COUNT(*) FROM cases WHERE org_id = ? AND completed_at >= ? AND completed_at < ?",
		centreID, db.Millis(from), db.Millis(to)).Scan(&completed); err != nil {
		return 0, 0, fmt.Errorf("casework: day counts: %w", err)
	}
	return accepted, completed, nil
}
