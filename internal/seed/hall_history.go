package seed

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	mrand "math/rand/v2"
	"slices"
	"time"

	"zwfw/internal/calendar"
	"zwfw/internal/db"
	"zwfw/internal/hall"
)

// demoQueueCentres are the centres whose last working week of queue history
// the demo makes up, and how many numbers a day each hands out (issue 10
// items 9 and 11: the statistics need a history to show).
var demoQueueCentres = []struct {
	centre   string
	min, max int
}{
	{"610923C", 80, 120},
	{"610923100C", 40, 70},
	{"610923101C", 30, 50},
}

// demoHourWeights is how the numbers are taken over the day, by the hour
// they are taken in (the hall opens at 08:30): a morning peak from 9 to 11,
// a quiet lunch, a smaller afternoon peak.
var demoHourWeights = map[int]int{8: 3, 9: 10, 10: 10, 11: 5, 12: 2, 13: 2, 14: 5, 15: 5, 16: 3, 17: 1}

// DemoQueueHistory puts the 7 working days before today (the county's
// calendar) of queue history into the demo halls: tickets taken mostly in
// the morning, waits of 2–30 minutes, services of 3–20, a few missed,
// served at the windows that serve the category by the window's A or B
// post. The days' counters are set to the numbers handed out, so today's
// numbering is untouched. One transaction per day; it runs once, after
// DemoAttendance (which gives the windows their posts).
func DemoQueueHistory(ctx context.Context, d Deps) error {
	claimed := false
	if err := d.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		claimed, err = claim(ctx, tx, "seed.demo_queue_history", d.Now())
		return err
	}); err != nil || !claimed {
		return err
	}
	r := d.DB.Reader()
	var countyPath string
	if err := r.QueryRow(ctx, "SELECT path FROM orgs WHERE code = ?", RootCode).Scan(&countyPath); err != nil {
		return fmt.Errorf("seed: queue history: %w", err)
	}
	cal := calendar.New(d.DB, d.Now)
	today := calendar.Date(d.Now())
	var days []time.Time
	for day := today.AddDate(0, 0, -1); len(days) < 7 && day.After(today.AddDate(0, 0, -30)); day = day.AddDate(0, 0, -1) {
		work, err := cal.IsWorkday(ctx, countyPath, day)
		if err != nil {
			return err
		}
		if work {
			days = append(days, day)
		}
	}
	var halls []*demoQueueHall
	for _, c := range demoQueueCentres {
		h, err := loadDemoQueueHall(ctx, d.DB, c.centre)
		if err != nil {
			return err
		}
		if h != nil {
			h.min, h.max = c.min, c.max
			halls = append(halls, h)
		}
	}
	n := 0
	for _, day := range days {
		err := d.DB.InTx(ctx, func(tx *db.Tx) error {
			for _, h := range halls {
				k, err := h.day(ctx, tx, day)
				if err != nil {
					return err
				}
				n += k
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("seed: queue history of %s: %w", day.Format(calendar.DateLayout), err)
		}
	}
	d.Log.Info("seeded the demo halls' queue history", "days", len(days), "tickets", n)
	return nil
}

type demoQueueCategory struct {
	id            int64
	prefix        string
	opens, closes string
	priority      bool
	weight        int
	windows       []int64
}

type demoQueueHall struct {
	code       string
	id         int64
	min, max   int
	categories []*demoQueueCategory
	posts      map[int64][]int64 // window → A post, B post (or its staff)
}

func loadDemoQueueHall(ctx context.Context, d *db.DB, code string) (*demoQueueHall, error) {
	r := d.Reader()
	h := &demoQueueHall{code: code, posts: map[int64][]int64{}}
	if err := r.QueryRow(ctx, "SELECT id FROM orgs WHERE code = ?", code).Scan(&h.id); err != nil {
		return nil, nil // not in this county's seed
	}
	rows, err := r.Query(ctx, "SELECT id, prefix, opens, closes, priority FROM hall_categories WHERE centre_id = ? AND active = ? ORDER BY sort, id", h.id, true)
	if err != nil {
		return nil, err
	}
	for i := 0; rows.Next(); i++ {
		c := &demoQueueCategory{weight: max(1, 6-2*i)}
		if err := rows.Scan(&c.id, &c.prefix, &c.opens, &c.closes, &c.priority); err != nil {
			rows.Close()
			return nil, err
		}
		h.categories = append(h.categories, c)
	}
	rows.Close()
	if len(h.categories) == 0 {
		return nil, nil
	}
	// The windows and what they serve: a window with none listed serves
	// every category (hall_categories' rule).
	var windows []int64
	rows, err = r.Query(ctx, "SELECT id FROM orgs WHERE parent_id = ? AND kind = 'window' AND active = ? ORDER BY code", h.id, true)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		windows = append(windows, id)
	}
	rows.Close()
	var open []int64
	for _, w := range windows {
		var listed []int64
		rows, err := r.Query(ctx, "SELECT category_id FROM hall_window_categories WHERE window_id = ?", w)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			listed = append(listed, id)
		}
		rows.Close()
		// Who serves there: the A and B posts, or else the window staff
		// assigned to it.
		rows, err = r.Query(ctx, `SELECT user_id FROM window_posts WHERE window_id = ? ORDER BY post`, w)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			h.posts[w] = append(h.posts[w], id)
		}
		rows.Close()
		if len(h.posts[w]) == 0 {
			rows, err = r.Query(ctx, `SELECT id FROM users WHERE window_id = ? AND active = ? AND roles LIKE '%,window,%' ORDER BY id`, w, true)
			if err != nil {
				return nil, err
			}
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return nil, err
				}
				h.posts[w] = append(h.posts[w], id)
			}
			rows.Close()
		}
		for _, c := range h.categories {
			if slices.Contains(listed, c.id) {
				c.windows = append(c.windows, w)
			}
		}
		if len(listed) == 0 {
			open = append(open, w)
		}
	}
	// A window with none listed serves every category, but the demo's
	// such windows are the bank's and the cashier's: the queue goes to
	// them only for a category no listed window serves.
	for _, c := range h.categories {
		if len(c.windows) == 0 {
			c.windows = open
		}
	}
	return h, nil
}

// demoTicket is one made-up ticket of a day.
type demoTicket struct {
	cat                           *demoQueueCategory
	seq                           int
	priority                      bool
	channel, status               string
	window, staff                 int64
	taken, called, started, ended time.Time
	recalls                       int
}

// day writes one day of the hall's history and its counters; the same
// centre and day always give the same history.
func (h *demoQueueHall) day(ctx context.Context, tx *db.Tx, day time.Time) (int, error) {
	f := fnv.New64a()
	fmt.Fprintf(f, "%s %s", h.code, day.Format(calendar.DateLayout))
	rnd := mrand.New(mrand.NewPCG(f.Sum64(), 10))
	n := h.min + rnd.IntN(h.max-h.min+1)
	total := 0
	for _, c := range h.categories {
		total += c.weight
	}
	var hourTotal int
	for _, w := range demoHourWeights {
		hourTotal += w
	}
	pickHour := func() int {
		x := rnd.IntN(hourTotal)
		for hr := 8; hr <= 17; hr++ {
			if x -= demoHourWeights[hr]; x < 0 {
				return hr
			}
		}
		return 17
	}
	var list []*demoTicket
	for len(list) < n {
		x := rnd.IntN(total)
		var c *demoQueueCategory
		for _, cc := range h.categories {
			if x -= cc.weight; x < 0 {
				c = cc
				break
			}
		}
		hr := pickHour()
		at := day.Add(time.Duration(hr)*time.Hour + time.Duration(rnd.IntN(3600))*time.Second)
		if hm := at.Format("15:04"); hm < c.opens || hm >= c.closes {
			continue // the machine was not issuing this category then
		}
		t := &demoTicket{cat: c, taken: at, channel: hall.ChannelKiosk, status: hall.Done, priority: c.priority && rnd.IntN(20) == 0}
		if rnd.IntN(10) < 3 {
			t.channel = hall.ChannelPhone
		}
		t.called = at.Add(time.Duration(120+rnd.IntN(28*60)) * time.Second) // waits of 2–30 minutes
		if len(c.windows) > 0 {
			t.window = c.windows[rnd.IntN(len(c.windows))]
			// The A post mostly, the B post now and then; a window the demo
			// gives nobody records no staff.
			if posts := h.posts[t.window]; len(posts) > 0 {
				t.staff = posts[0]
				if len(posts) > 1 && rnd.IntN(4) == 0 {
					t.staff = posts[1]
				}
			}
		}
		switch {
		case t.window == 0: // no window serves it: never called
			t.status, t.called = hall.Missed, time.Time{}
		case rnd.IntN(25) == 0: // 过号: called three more times, nobody came
			t.status, t.recalls = hall.Missed, 3
		default:
			t.started = t.called.Add(time.Duration(20+rnd.IntN(70)) * time.Second)
			t.ended = t.started.Add(time.Duration(180+rnd.IntN(17*60)) * time.Second) // services of 3–20 minutes
		}
		list = append(list, t)
	}
	slices.SortFunc(list, func(a, b *demoTicket) int { return a.taken.Compare(b.taken) })
	seqs := map[int64]int{}
	ds := day.Format(calendar.DateLayout)
	for _, t := range list {
		seqs[t.cat.id]++
		t.seq = seqs[t.cat.id]
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return 0, err
		}
		ms := func(x time.Time) any {
			if x.IsZero() {
				return nil
			}
			return db.Millis(x)
		}
		var window, staff any
		if t.window != 0 {
			window = t.window
		}
		if t.staff != 0 {
			staff = t.staff
		}
		// Queued (db.Tx.Later): on PostgreSQL a day's tickets and calls go
		// as one batch instead of a round trip each — the demo seeds every
		// test instance. A call finds its ticket by the ticket's token.
		token := hex.EncodeToString(b[:])
		if err := tx.Later(ctx, nil, `INSERT INTO hall_tickets (centre_id, category_id, day, seq, number, priority, channel, token, status, window_id, staff_id,
			recalls, taken_at, queue_at, called_at, started_at, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			h.id, t.cat.id, ds, t.seq, fmt.Sprintf("%s%03d", t.cat.prefix, t.seq), t.priority, t.channel, token,
			t.status, window, staff, t.recalls, db.Millis(t.taken), db.Millis(t.taken), ms(t.called), ms(t.started), ms(t.ended)); err != nil {
			return 0, err
		}
		if t.called.IsZero() {
			continue
		}
		for i := range t.recalls + 1 {
			if err := tx.Later(ctx, nil, "INSERT INTO hall_calls (centre_id, ticket_id, window_id, at) SELECT ?, id, ?, ? FROM hall_tickets WHERE token = ?",
				h.id, t.window, db.Millis(t.called.Add(time.Duration(i)*time.Minute)), token); err != nil {
				return 0, err
			}
		}
	}
	ids := make([]int64, 0, len(seqs))
	for id := range seqs {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, cmp.Compare)
	for _, id := range ids {
		if _, err := tx.Exec(ctx, `INSERT INTO hall_counters (category_id, day, last) VALUES (?, ?, ?)
			ON CONFLICT (category_id, day) DO UPDATE SET last = excluded.last`, id, ds, seqs[id]); err != nil {
			return 0, err
		}
	}
	return len(list), nil
}
