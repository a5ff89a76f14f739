package attendance

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/db"
	orgscope "zwfw/internal/scope"
)

// Day statuses.
const (
	DayNormal  = "normal"  // 正常
	DayLate    = "late"    // 迟到: first punch after the on-duty time
	DayEarly   = "early"   // 早退: last punch before closing
	DayAbsent  = "absent"  // 旷工: no punch and no leave
	DayMissing = "missing" // 缺卡: one punch only
	DayLeave   = "leave"   // 请假: approved leave over the whole working day
	DayOpen    = "open"    // today, before closing: not counted yet
)

var dayNames = map[string]string{DayNormal: "正常", DayLate: "迟到", DayEarly: "早退", DayAbsent: "旷工", DayMissing: "缺卡", DayLeave: "请假", DayOpen: "进行中"}

// DayName is the Chinese name of a day status.
func DayName(s string) string { return dayNames[s] }

// Day is one person's working day.
type Day struct {
	Day      string    `json:"day"`
	Statuses []string  `json:"statuses"` // late and early may come together
	Names    string    `json:"names"`
	First    time.Time `json:"first,omitzero"`
	Last     time.Time `json:"last,omitzero"`
}

// Person is one person's attendance over a period.
type Person struct {
	Staff    string `json:"staff"`
	Name     string `json:"name"`
	Centre   string `json:"centre"`
	Window   string `json:"window"`
	Workdays int    `json:"workdays"`
	Normal   int    `json:"normal"`
	Late     int    `json:"late"`
	Early    int    `json:"early"`
	Absent   int    `json:"absent"`
	Missing  int    `json:"missing"`
	Leave    int    `json:"leave"`
	Days     []Day  `json:"days"`
}

// Summary is the attendance of the window staff of an organisation
// subtree over a period (周考勤 and the quarterly assessment read it).
type Summary struct {
	From   string    `json:"from"`
	To     string    `json:"to"`
	People []*Person `json:"people"`
	// Punches counts the punches of the period: none means attendance is
	// not being recorded there, which a report says instead of a table of
	// absences.
	Punches int `json:"punches"`
}

// Totals sums the people's counts.
func (s *Summary) Totals() Person {
	var t Person
	for _, p := range s.People {
		t.Workdays += p.Workdays
		t.Normal += p.Normal
		t.Late += p.Late
		t.Early += p.Early
		t.Absent += p.Absent
		t.Missing += p.Missing
		t.Leave += p.Leave
	}
	return t
}

// Summary computes the attendance of the subtree of the organisation with
// code for the actor, who must be allowed to read it; the code defaults to
// the actor's organisation, the period to this week so far.
func (s *Service) Summary(ctx context.Context, actor *zwfw.Actor, orgCode, from, to string) (*Summary, error) {
	if err := mayReadAny(actor); err != nil {
		return nil, err
	}
	mon, today := ThisWeek(s.now())
	orgCode, from, to = cmp.Or(orgCode, actor.OrgCode), cmp.Or(from, mon), cmp.Or(to, today)
	var path string
	err := s.db.QueryRow(ctx, "SELECT path FROM orgs WHERE code = ?", orgCode).Scan(&path)
	if err != nil || !MayRead(actor, path) {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "机构“%s”不存在或您无权查看其考勤", orgCode)
	}
	f, err1 := calendar.ParseDate(from)
	t, err2 := calendar.ParseDate(to)
	if err1 != nil || err2 != nil || t.Before(f) || t.Sub(f) > 370*24*time.Hour {
		return nil, invalid("from", "请给出不超过一年的日期范围（YYYY-MM-DD）")
	}
	return s.Summarize(ctx, path, f, t)
}

// Summarize computes the attendance of the window staff under path from
// one day to another (inclusive), for the reports (no actor: the caller
// has decided who reads it).
func (s *Service) Summarize(ctx context.Context, path string, from, to time.Time) (*Summary, error) {
	cond, args := orgscope.Subtree(path).Cond("w.path")
	return s.summarize(ctx, from, to, cond, args...)
}

// Own is the actor's own attendance from one day to another: every staff
// member at a window sees their days.
func (s *Service) Own(ctx context.Context, actor *zwfw.Actor, from, to time.Time) (*Person, error) {
	if err := mayPunch(actor); err != nil {
		return nil, err
	}
	sum, err := s.summarize(ctx, from, to, "u.id = ?", actor.UserID)
	if err != nil || len(sum.People) == 0 {
		return nil, err
	}
	return sum.People[0], nil
}

func (s *Service) summarize(ctx context.Context, from, to time.Time, where string, args ...any) (*Summary, error) {
	from, to = calendar.Date(from), calendar.Date(to)
	out := &Summary{From: from.Format(calendar.DateLayout), To: to.Format(calendar.DateLayout), People: []*Person{}}
	rows, err := s.db.Reader().Query(ctx, `SELECT u.id, u.username, u.name, w.name, c.id, c.path, CASE WHEN c.full_name = '' THEN c.name ELSE c.full_name END
		FROM users u JOIN orgs w ON w.id = u.window_id JOIN orgs c ON c.id = w.parent_id
		WHERE u.kind = 'staff' AND u.active = ? AND `+where+` ORDER BY w.path, u.username`, append([]any{true}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("attendance: staff: %w", err)
	}
	type who struct {
		id         int64
		centreID   int64
		centrePath string
		p          *Person
	}
	var people []who
	for rows.Next() {
		var w who
		w.p = &Person{Days: []Day{}}
		if err := rows.Scan(&w.id, &w.p.Staff, &w.p.Name, &w.p.Window, &w.centreID, &w.centrePath, &w.p.Centre); err != nil {
			rows.Close()
			return nil, err
		}
		people = append(people, w)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ids := make([]int64, len(people))
	for i, w := range people {
		ids[i] = w.id
	}
	fromS, toS := out.From, out.To
	punches, err := s.punches(ctx, ids, fromS, toS)
	if err != nil {
		return nil, err
	}
	for _, days := range punches {
		for _, ps := range days {
			out.Punches += len(ps)
		}
	}
	leaves, err := s.effectiveLeaves(ctx, ids, from, to.AddDate(0, 0, 1))
	if err != nil {
		return nil, err
	}
	now := s.now()
	schedules := map[int64]Schedule{}
	workdays := map[string]bool{} // centre path + day
	for _, w := range people {
		sc, ok := schedules[w.centreID]
		if !ok {
			if sc, err = s.ScheduleOf(ctx, s.db.Reader(), w.centreID); err != nil {
				return nil, err
			}
			schedules[w.centreID] = sc
		}
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			key := w.centrePath + d.Format(calendar.DateLayout)
			work, seen := workdays[key]
			if !seen {
				if work, err = s.cal.IsWorkday(ctx, w.centrePath, d); err != nil {
					return nil, err
				}
				workdays[key] = work
			}
			if !work || d.After(now) {
				continue
			}
			day := judge(sc, d, punches[w.id][d.Format(calendar.DateLayout)], leaves[w.id], now)
			if day.Statuses[0] == DayOpen {
				w.p.Days = append(w.p.Days, day)
				continue
			}
			w.p.Workdays++
			for _, st := range day.Statuses {
				switch st {
				case DayNormal:
					w.p.Normal++
				case DayLate:
					w.p.Late++
				case DayEarly:
					w.p.Early++
				case DayAbsent:
					w.p.Absent++
				case DayMissing:
					w.p.Missing++
				case DayLeave:
					w.p.Leave++
				}
			}
			w.p.Days = append(w.p.Days, day)
		}
		out.People = append(out.People, w.p)
	}
	return out, nil
}

type span struct{ from, to time.Time }

// effectiveLeaves are the approved (or started, or ended) leaves of the
// people overlapping [from, to).
func (s *Service) effectiveLeaves(ctx context.Context, ids []int64, from, to time.Time) (map[int64][]span, error) {
	out := map[int64][]span{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.db.Reader().Query(ctx, `SELECT user_id, from_at, to_at, state, started_at, ended_at FROM attendance_leaves
		WHERE from_at < ? AND to_at > ?`, db.Millis(to), db.Millis(from))
	if err != nil {
		return nil, fmt.Errorf("attendance: leaves: %w", err)
	}
	defer rows.Close()
	want := map[int64]bool{}
	for _, id := range ids {
		want[id] = true
	}
	for rows.Next() {
		var id, f, t, started, ended int64
		var state string
		if err := rows.Scan(&id, &f, &t, &state, &started, &ended); err != nil {
			return nil, err
		}
		if !want[id] || !counts(state) {
			continue
		}
		sp := span{db.Time(f), db.Time(t)}
		// Back early (销假 before the end): the leave ends then.
		if ended != 0 && db.Time(ended).Before(sp.to) {
			sp.to = db.Time(ended)
		}
		out[id] = append(out[id], sp)
	}
	return out, rows.Err()
}

// covered reports whether leave covers the whole of [a, b].
func covered(leaves []span, a, b time.Time) bool {
	for _, l := range leaves {
		if !l.from.After(a) && !l.to.Before(b) {
			return true
		}
	}
	return false
}

// judge decides one working day from its punches (in time order) and the
// person's leave, by the centre's schedule (附件2（六）4): on duty by the
// opening less the early minutes, not before closing; the day's first
// punch is the arrival and its last the departure; leave over a stretch
// excuses it.
func judge(sc Schedule, d time.Time, punches []time.Time, leaves []span, now time.Time) Day {
	duty, opens, closes := sc.on(d)
	day := Day{Day: d.Format(calendar.DateLayout)}
	if len(punches) > 0 {
		day.First, day.Last = punches[0], punches[len(punches)-1]
	}
	var st []string
	finished := !now.Before(closes)
	switch {
	case covered(leaves, opens, closes):
		st = []string{DayLeave}
	case len(punches) == 0 && !finished:
		st = []string{DayOpen}
	case len(punches) == 0:
		st = []string{DayAbsent}
	case len(punches) == 1 && !finished:
		if day.First.After(duty) && !covered(leaves, duty, day.First) {
			st = append(st, DayLate)
		} else {
			st = []string{DayOpen}
		}
	case len(punches) == 1:
		// One punch: the arrival when leave covers the end of the day,
		// the departure when it covers the start; else one is missing.
		p := day.First
		switch {
		case covered(leaves, p, closes):
			if p.After(duty) && !covered(leaves, duty, p) {
				st = append(st, DayLate)
			}
		case covered(leaves, duty, p):
			if p.Before(closes) && !covered(leaves, p, closes) {
				st = append(st, DayEarly)
			}
		default:
			st = append(st, DayMissing)
			if p.After(duty) && p.Before(opens.Add(closes.Sub(opens)/2)) && !covered(leaves, duty, p) {
				st = append(st, DayLate)
			}
		}
	default:
		if day.First.After(duty) && !covered(leaves, duty, day.First) {
			st = append(st, DayLate)
		}
		if finished && day.Last.Before(closes) && !covered(leaves, day.Last, closes) {
			st = append(st, DayEarly)
		}
	}
	if len(st) == 0 {
		st = []string{DayNormal}
	}
	day.Statuses = st
	for i, x := range st {
		if i > 0 {
			day.Names += "、"
		}
		day.Names += DayName(x)
	}
	return day
}

// ThisWeek is Monday of t's week and t's day, as YYYY-MM-DD.
func ThisWeek(t time.Time) (from, to string) {
	d := calendar.Date(t)
	mon := d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
	return mon.Format(calendar.DateLayout), d.Format(calendar.DateLayout)
}
