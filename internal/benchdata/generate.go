// Package benchdata fills a seeded database with a county's worth of generated
// cases for benchmarks and load tests; no request path imports it.
package benchdata

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/casework/rollup"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/org"
	"zwfw/internal/pii"
)

// GenerateOptions say how many cases to generate, over how many years up to
// Now.
type GenerateOptions struct {
	Cases    int
	Years    int // default 3
	Now      time.Time
	Seed     uint64    // of the random numbers; the same seed gives the same county
	Progress io.Writer // a progress line (percent, rows/s, ETA); nil for none
}

// genCentre is a centre cases are filed at, with the weight of its share.
type genCentre struct {
	o       *org.Org
	level   string // county, town, village
	region  string // division code, for serial numbers
	windows map[string]int64
	general int64 // the comprehensive window
	items   []*catalog.Item
	weight  float64
}

// Generate fills the database (already seeded with the county's
// organisations and catalog) with a realistic county's cases: mostly
// closed, a few thousand open with deadlines, evaluations on most completed
// cases; then rebuilds the rollup. Cases get their rows in cases and
// evaluations only (no steps or notices): enough for supervision, and ten
// times fewer rows to write.
func Generate(ctx context.Context, d *db.DB, o GenerateOptions) error {
	if o.Years <= 0 {
		o.Years = 3
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x5a5a))
	now := o.Now.In(db.Zone)
	today := calendar.Date(now)
	first := today.AddDate(-o.Years, 0, 1)
	cal := calendar.New(d, func() time.Time { return now })
	span, err := cal.Span(ctx, first, today.AddDate(0, 0, 120))
	if err != nil {
		return err
	}
	// Working days as an index, for deadlines by arithmetic, on the
	// calendar of the top of the tree (the generated county's own
	// adjustments, if any, are not modelled).
	var workdays []time.Time
	widx := map[string]int{} // date → index of the first working day on or after it
	for dd := first.AddDate(0, 0, -1); !dd.After(today.AddDate(0, 0, 120)); dd = dd.AddDate(0, 0, 1) {
		if span.Between("/", dd.AddDate(0, 0, -1), dd) == 1 {
			workdays = append(workdays, dd)
		}
		widx[dd.Format(calendar.DateLayout)] = len(workdays) - 1 // the working day on or before
	}
	addWork := func(from time.Time, n int) time.Time {
		i := widx[from.Format(calendar.DateLayout)]
		if i+n >= len(workdays) {
			return workdays[len(workdays)-1]
		}
		if n == 0 {
			return from
		}
		return workdays[i+n]
	}

	centres, depts, err := genCentres(ctx, d, now)
	if err != nil {
		return err
	}
	var totalW float64
	for _, c := range centres {
		totalW += c.weight
	}
	var maxID int64
	if err := d.QueryRow(ctx, "SELECT COALESCE(MAX(id), 0) FROM cases").Scan(&maxID); err != nil {
		return err
	}
	var maxEval int64
	if err := d.QueryRow(ctx, "SELECT COALESCE(MAX(id), 0) FROM evaluations").Scan(&maxEval); err != nil {
		return err
	}

	// Volume per day: working days carry the load; weekends see a few
	// online applications; volume grows year on year.
	days := int(today.Sub(first).Hours()/24) + 1
	weights := make([]float64, days)
	var sumW float64
	for i := range days {
		dd := first.AddDate(0, 0, i)
		w := 0.06
		if span.Between("/", dd.AddDate(0, 0, -1), dd) == 1 {
			w = 1
		}
		w *= 0.8 + 0.4*float64(i)/float64(days)                  // growth
		w *= 1 + 0.15*float64((int(dd.Month())+9)%12)/11 - 0.075 // busier towards the year's end
		weights[i] = w
		sumW += w
	}

	g := &gen{d: d, rng: rng, depts: depts, progress: o.Progress, total: o.Cases, start: time.Now(), nextID: maxID + 1, nextEval: maxEval + 1}
	carry := 0.0
	for i := range days {
		dd := first.AddDate(0, 0, i)
		carry += weights[i] / sumW * float64(o.Cases)
		n := int(carry)
		if i == days-1 {
			n = o.Cases - g.made
		}
		carry -= float64(n)
		dayS := dd.Format(calendar.DateLayout)
		seq := map[string]int{}
		for range n {
			r := rng.Float64() * totalW
			c := centres[len(centres)-1]
			for _, x := range centres {
				if r < x.weight {
					c = x
					break
				}
				r -= x.weight
			}
			it := c.items[pick(rng, len(c.items))]
			seq[c.region]++
			g.add(c, it, dd, dayS, today, seq[c.region], addWork)
			if err := g.flushIfFull(ctx); err != nil {
				return err
			}
		}
	}
	if err := g.flush(ctx); err != nil {
		return err
	}
	if err := d.SyncIdentity(ctx, "cases"); err != nil {
		return err
	}
	if err := d.SyncIdentity(ctx, "evaluations"); err != nil {
		return err
	}
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, "\ngenerate: %d cases, %d evaluations in %s; rebuilding the supervision rollup …\n", g.made, g.evals, time.Since(g.start).Round(time.Second))
	}
	t0 := time.Now()
	if err := rollup.Rebuild(ctx, d); err != nil {
		return err
	}
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, "generate: rollup rebuilt in %s\n", time.Since(t0).Round(100*time.Millisecond))
	}
	// Fresh statistics for the planner after a bulk load (ANALYZE is the
	// same statement on both databases).
	if _, err := d.Exec(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("supervision: generate: analyze: %w", err)
	}
	return nil
}

// pick chooses an index with a skew towards the first ones (a few items
// make most of a centre's cases).
func pick(rng *rand.Rand, n int) int {
	x := rng.Float64()
	return min(n-1, int(x*x*float64(n)))
}

// genCentres reads the centres of the seeded county with their windows and
// the items each may handle.
func genCentres(ctx context.Context, d *db.DB, now time.Time) ([]*genCentre, map[string]*org.Org, error) {
	orgs, err := org.NewService(d, func() time.Time { return now }).List(ctx, "/")
	if err != nil {
		return nil, nil, err
	}
	byID := map[int64]*org.Org{}
	for _, o := range orgs {
		byID[o.ID] = o
	}
	cat := catalog.NewService(d, org.NewService(d, func() time.Time { return now }), nil, func() time.Time { return now })
	rows, err := d.Query(ctx, "SELECT code FROM items WHERE status = 'active' ORDER BY code")
	if err != nil {
		return nil, nil, err
	}
	var codes []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return nil, nil, err
		}
		codes = append(codes, c)
	}
	rows.Close()
	var items []*catalog.Item
	for _, c := range codes {
		it, err := cat.Get(ctx, c)
		if err != nil {
			return nil, nil, err
		}
		items = append(items, it)
	}
	byCode := map[string]*org.Org{}
	for _, o := range orgs {
		byCode[o.Code] = o
	}
	var out []*genCentre
	for _, o := range orgs {
		if o.Kind != org.KindCentre || !o.Active {
			continue
		}
		region := byID[o.ParentID]
		if region == nil || region.Kind == org.KindCity {
			continue // the city's centre: upward cases only
		}
		c := &genCentre{o: o, region: region.Code, windows: map[string]int64{}}
		switch region.Kind {
		case org.KindCounty:
			c.level, c.weight = catalog.LevelCounty, 55
		case org.KindTown:
			c.level, c.weight = catalog.LevelTown, 6
		default:
			c.level, c.weight = catalog.LevelVillage, 0.6
		}
		for _, w := range orgs {
			if w.ParentID != o.ID || w.Kind != org.KindWindow {
				continue
			}
			if w.DeptCode != "" {
				c.windows[w.DeptCode] = w.ID
			} else if c.general == 0 && w.WindowType != org.WindowPayment && !strings.Contains(w.Name, "出件") {
				c.general = w.ID
			}
		}
		for _, it := range items {
			if it.HasLevel(c.level) && byCode[it.Dept] != nil {
				c.items = append(c.items, it)
			}
		}
		if len(c.items) == 0 || c.general == 0 {
			continue
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, nil, fmt.Errorf("supervision: generate: no centres with items: seed the county first")
	}
	depts := map[string]*org.Org{}
	for _, o := range orgs {
		if o.Kind == org.KindDept {
			depts[o.Code] = o
		}
	}
	return out, depts, nil
}

// gen builds and writes the generated rows in batches.
type gen struct {
	d        *db.DB
	rng      *rand.Rand
	depts    map[string]*org.Org
	progress io.Writer
	total    int
	made     int
	evals    int
	start    time.Time
	lastShow time.Time
	nextID   int64
	nextEval int64
	cases    []any // flattened column values of the pending case rows
	ncases   int
	evalRows []any
	nevals   int
}

const caseInsertCols = `id, serial, item_code, item_version, item_name, kind, org_id, org_path, dept_id, dept_path, channel,
	applicant_kind, applicant_name, applicant_ident, applicant_digest, applicant_phone, form, status, decision, version, promised_days, cur_step,
	deadline, window_id, result, query_code, day, submitted_at, accepted_at, decided_at, completed_at, closed_at, updated_at,
	extras, completed_on, handled_days`

const caseInsertN = 36

// Rows per INSERT statement and per transaction.
const (
	rowsPerInsert = 400
	rowsPerTx     = 5000
)

var surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈")
var given = []rune("明华建国秀兰丽强军平伟芳娟敏静磊洋勇艳杰涛超霞刚桂英玉梅红春海燕志文斌辉")

func (g *gen) name() string {
	r := g.rng
	n := string(surnames[r.IntN(len(surnames))]) + string(given[r.IntN(len(given))])
	if r.IntN(3) > 0 {
		n += string(given[r.IntN(len(given))])
	}
	return n
}

// ident is a well-formed resident ID number (GB 11643: check digit).
func (g *gen) ident(born time.Time) string {
	b := []byte(fmt.Sprintf("610923%s%03d", born.Format("20060102"), g.rng.IntN(1000)))
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, c := range b {
		sum += int(c-'0') * w[i]
	}
	return string(b) + string("10X98765432"[sum%11])
}

// add makes one case filed at centre c for item it on day dd.
func (g *gen) add(c *genCentre, it *catalog.Item, dd time.Time, dayS string, today time.Time, seq int,
	addWork func(time.Time, int) time.Time) {
	r := g.rng
	id := g.nextID
	g.nextID++
	dept := g.depts[it.Dept]
	// Online applications grow from a quarter to over half.
	age := today.Sub(dd).Hours() / 24
	online := r.Float64() < 0.55-0.3*age/1100
	channel := casework.ChannelWindow
	if online {
		channel = casework.ChannelOnline
	}
	window := c.general
	if w, ok := c.windows[it.Dept]; ok {
		window = w
	}
	submitted := dd.Add(time.Duration(8*60+30+r.IntN(9*60)) * time.Minute)
	accDay := dd
	if online {
		accDay = addWork(dd, 1)
	}
	promised := it.PromisedLimitDays
	status, decision := casework.Archived, "approved"
	var deadline, completedOn string
	var acceptedAt, decidedAt, completedAt, closedAt int64
	var handled int
	windowID := any(window)
	extras := 0
	x := r.Float64()
	switch {
	case x < 0.035: // 不予受理
		status, decision = casework.Rejected, ""
		closedAt = db.Millis(submitted.Add(40 * time.Minute))
	case x < 0.06: // withdrawn before acceptance
		status, decision = casework.Withdrawn, ""
		closedAt = db.Millis(submitted.Add(3 * time.Hour))
		if online {
			windowID = nil
		}
	case accDay.After(today): // filed online today, accepted tomorrow
		status, decision, windowID = casework.Submitted, "", nil
	default:
		acc := accDay.Add(9*time.Hour + time.Duration(r.IntN(400))*time.Minute)
		acceptedAt = db.Millis(acc)
		dl := addWork(accDay, promised)
		deadline = dl.Format(calendar.DateLayout)
		// Most cases finish well within the limit; a few run late.
		switch y := r.Float64(); {
		case promised == 0:
			handled = 0
		case y < 0.03:
			handled = promised + 1 + r.IntN(5)
		default:
			handled = max(0, int(float64(promised)*r.Float64()*r.Float64()*1.1))
			handled = min(handled, promised)
		}
		done := addWork(accDay, handled)
		if done.After(today) || (done.Equal(today) && r.IntN(2) == 0) {
			// Still running today.
			open := []string{casework.Accepted, casework.InProgress, casework.InProgress, casework.InProgress, casework.Suspended, casework.Approved, casework.AwaitingPayment}
			status, decision = open[r.IntN(len(open))], ""
			if status == casework.Approved || status == casework.AwaitingPayment {
				decision = "approved"
				decidedAt = db.Millis(today.Add(9 * time.Hour))
			}
			break
		}
		if r.Float64() < 0.04 {
			decision = "denied"
		}
		comp := done.Add(10*time.Hour + time.Duration(r.IntN(360))*time.Minute)
		decidedAt, completedAt = db.Millis(comp.Add(-time.Hour)), db.Millis(comp)
		completedOn = done.Format(calendar.DateLayout)
		closedAt = db.Millis(comp.AddDate(0, 0, 2))
		switch ago := today.Sub(done).Hours() / 24; {
		case ago < 2:
			status = casework.Completed
		case ago < 5:
			status = casework.Delivered
		}
		if status == casework.Completed || status == casework.Delivered {
			closedAt = 0
		}
		// 好差评 on most completed cases (一次一评).
		if r.Float64() < 0.7 {
			lv := 1
			switch z := r.Float64(); {
			case z < 0.74:
			case z < 0.90:
				lv = 2
			case z < 0.96:
				lv = 3
			case z < 0.99:
				lv = 4
			default:
				lv = 5
			}
			ch := "pad"
			if online {
				ch = "pc"
			}
			g.evalRows = append(g.evalRows, g.nextEval, id, lv, "", ch, window, db.Millis(comp.Add(20*time.Minute)))
			extras = 8 // casework's hasEvaluations
			g.nextEval++
			g.nevals++
		}
	}
	if online && acceptedAt == 0 {
		windowID = nil // no window has touched it
	}
	born := time.Date(1950+r.IntN(55), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, db.Zone)
	kind := "person"
	ident := g.ident(born)
	result := ""
	if completedAt != 0 {
		result = `{"name":"` + it.ResultName + `","number":"G` + fmt.Sprint(id) + `","issuer":"` + dept.DisplayName() + `","approved":` + fmt.Sprint(decision == "approved") + `}`
	}
	updated := max(db.Millis(submitted), acceptedAt, completedAt, closedAt)
	ring := pii.Of(g.d) // sealed as the services seal them
	g.cases = append(g.cases, id, fmt.Sprintf("%s-%s-9%04d", c.region, dd.Format("20060102"), seq), it.Code, it.Version, it.Name, it.Kind,
		c.o.ID, c.o.Path, dept.ID, dept.Path, channel, kind, g.name(), ring.Seal(pii.CaseIdent.Label(), ident), ring.Digest(ident),
		ring.Seal(pii.CasePhone.Label(), fmt.Sprintf("139%08d", r.IntN(100000000))),
		ring.Seal(pii.CaseForm.Label(), `{"description":"申请办理`+it.Name+`"}`), status, decision, 1+r.IntN(6), promised, 1, deadline, windowID, result,
		fmt.Sprintf("%06d", r.IntN(1000000)), dayS, db.Millis(submitted), acceptedAt, decidedAt, completedAt, closedAt, updated,
		extras, completedOn, handled)
	g.ncases++
	g.made++
}

func (g *gen) flushIfFull(ctx context.Context) error {
	if g.ncases >= rowsPerTx {
		return g.flush(ctx)
	}
	return nil
}

// flush writes the pending rows in one transaction, several rows per
// statement.
func (g *gen) flush(ctx context.Context) error {
	if g.ncases == 0 {
		return nil
	}
	err := g.d.InTx(ctx, func(tx *db.Tx) error {
		if err := insertRows(ctx, tx, "cases", caseInsertCols, caseInsertN, g.cases); err != nil {
			return err
		}
		return insertRows(ctx, tx, "evaluations", "id, case_id, level, comment, channel, window_id, created_at", 7, g.evalRows)
	})
	if err != nil {
		return fmt.Errorf("supervision: generate: %w", err)
	}
	g.evals += g.nevals
	g.cases, g.evalRows, g.ncases, g.nevals = g.cases[:0], g.evalRows[:0], 0, 0
	if g.progress != nil && (time.Since(g.lastShow) > time.Second || g.made == g.total) {
		g.lastShow = time.Now()
		el := time.Since(g.start).Seconds()
		rate := float64(g.made) / max(el, 0.001)
		eta := time.Duration(float64(g.total-g.made)/max(rate, 1)) * time.Second
		fmt.Fprintf(g.progress, "\rgenerate: %3d%% %d/%d cases, %.0f rows/s, ETA %s   ", 100*g.made/max(g.total, 1), g.made, g.total, rate, eta.Round(time.Second))
	}
	return nil
}

// insertRows writes rows of n columns with multi-row INSERTs.
func insertRows(ctx context.Context, tx *db.Tx, table, cols string, n int, vals []any) error {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
	for len(vals) > 0 {
		k := min(len(vals)/n, rowsPerInsert)
		q := "INSERT INTO " + table + " (" + cols + ") VALUES " + strings.TrimSuffix(strings.Repeat(one+", ", k), ", ")
		if _, err := tx.Exec(ctx, q, vals[:k*n]...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
		vals = vals[k*n:]
	}
	return nil
}
