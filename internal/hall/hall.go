// Package hall runs the service hall (大厅管理) of the county centre and the
// town centres: business categories (业务类别), tickets (取号), window
// calling (叫号) and the display screens (显示屏). The building standard
// for town centres asks every hall for a ticket machine, display screens
// and broadcast (attachment 2 (2)3), and for A and B posts so that no
// window is ever empty (attachment 2 (4)2-3); the hall's public display
// (attachment 2 (8)) shows what the windows are doing.
//
// The files are split by concern: hall.go (categories and who may do
// what), tickets.go (taking a ticket and where it stands), calls.go (a
// window's actions), board.go (what a display screen shows and how it
// hears of a call).
package hall

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/casework"
	"zwfw/internal/db"
	"zwfw/internal/org"
	"zwfw/internal/throttle"
)

// Category is a business category of a centre (业务类别), such as 综合受理
// or 不动产: the ticket machine offers one button per active category.
type Category struct {
	ID         int64  `json:"id"`
	CentreID   int64  `json:"-"`
	CentreCode string `json:"centre_code"`
	Name       string `json:"name"`
	Prefix     string `json:"prefix"` // the ticket's letter: A001
	Opens      string `json:"opens"`  // HH:MM, tickets are issued from
	Closes     string `json:"closes"` // HH:MM, until
	DailyMax   int    `json:"daily_max"`
	// Priority: the category has a priority channel (绿色通道) for the
	// elderly, the disabled and the pregnant; their tickets are called
	// before walk-ins.
	Priority bool `json:"priority"`
	// MaxRecalls is how many times a ticket is called again before the
	// window may mark it missed (过号).
	MaxRecalls int `json:"max_recalls"`
	// RequeuePlaces is how many waiting tickets a missed ticket is put
	// behind when it is re-queued (重新排队, once).
	RequeuePlaces int  `json:"requeue_places"`
	Minutes       int  `json:"minutes"` // average service time, for the estimated wait
	Sort          int  `json:"sort"`
	Active        bool `json:"active"`
	// SlotCapacity is how many appointments (预约) one half-hour slot of
	// the category takes (appointments.go).
	SlotCapacity int `json:"slot_capacity"`
	// Quotas cap the tickets taken in parts of the day
	// ("08:30-12:00=60,14:00-17:30=60", quotas.go); "" for none.
	Quotas string `json:"quotas"`
}

// CategoryInput is what an administrator sets on a category.
type CategoryInput struct {
	Name       string `json:"name"`
	Prefix     string `json:"prefix"`
	Opens      string `json:"opens"`
	Closes     string `json:"closes"`
	DailyMax   int    `json:"daily_max"`
	Priority   bool   `json:"priority"`
	MaxRecalls int    `json:"max_recalls"`
	// RequeuePlaces: 0 keeps the category's (DefaultRequeuePlaces for a
	// new one).
	RequeuePlaces int   `json:"requeue_places"`
	Minutes       int   `json:"minutes"`
	Sort          int   `json:"sort"`
	Active        *bool `json:"active,omitempty"`
	// SlotCapacity: appointments per half-hour slot (0: the default).
	SlotCapacity int `json:"slot_capacity"`
	// Quotas: tickets per part of the day, "08:30-12:00=60,14:00-17:30=60"
	// within the hours; "" for none.
	Quotas string `json:"quotas"`
}

// Defaults of a category.
const (
	DefaultMaxRecalls = 3
	// DefaultRequeuePlaces: a re-queued ticket waits behind three.
	DefaultRequeuePlaces = 3
	DefaultMinutes       = 10
	DefaultDailyMax      = 200
	// DefaultSlotCapacity is how many appointments a half-hour slot takes
	// unless the hall manager says otherwise.
	DefaultSlotCapacity = 2
)

var hhmm = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

func (in *CategoryInput) normalise() {
	in.Name = strings.TrimSpace(in.Name)
	in.Prefix = strings.ToUpper(strings.TrimSpace(in.Prefix))
	in.Opens, in.Closes = strings.TrimSpace(in.Opens), strings.TrimSpace(in.Closes)
	if in.Opens == "" {
		in.Opens = "08:30"
	}
	if in.Closes == "" {
		in.Closes = "18:00"
	}
	if in.MaxRecalls == 0 {
		in.MaxRecalls = DefaultMaxRecalls
	}
	if in.Minutes == 0 {
		in.Minutes = DefaultMinutes
	}
	if in.DailyMax == 0 {
		in.DailyMax = DefaultDailyMax
	}
	if in.SlotCapacity == 0 {
		in.SlotCapacity = DefaultSlotCapacity
	}
}

func (in *CategoryInput) check() error {
	var v zwfw.Invalid
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 20 {
		v.Add("name", "请填写业务类别名称（不超过 20 个字）")
	}
	if len(in.Prefix) != 1 || in.Prefix[0] < 'A' || in.Prefix[0] > 'Z' {
		v.Add("prefix", "号码字母须是一个大写英文字母（A–Z）")
	}
	if !hhmm.MatchString(in.Opens) {
		v.Add("opens", "取号开始时间须写成 08:30 的形式")
	}
	if !hhmm.MatchString(in.Closes) {
		v.Add("closes", "取号结束时间须写成 18:00 的形式")
	}
	if hhmm.MatchString(in.Opens) && hhmm.MatchString(in.Closes) && in.Opens >= in.Closes {
		v.Add("closes", "取号结束时间须晚于开始时间")
	}
	if in.DailyMax < 1 || in.DailyMax > 999 {
		v.Add("daily_max", "每日取号上限须在 1 到 999 之间（号码为三位数）")
	}
	if in.MaxRecalls < 1 || in.MaxRecalls > 10 {
		v.Add("max_recalls", "过号前的重呼次数须在 1 到 10 之间")
	}
	if in.RequeuePlaces < 0 || in.RequeuePlaces > 50 {
		v.Add("requeue_places", "过号重新排队后移的位数须在 1 到 50 之间")
	}
	if in.Minutes < 1 || in.Minutes > 240 {
		v.Add("minutes", "平均办理时间须在 1 到 240 分钟之间")
	}
	if in.SlotCapacity < 1 || in.SlotCapacity > 50 {
		v.Add("slot_capacity", "每个预约时段可约人数须在 1 到 50 之间")
	}
	if hhmm.MatchString(in.Opens) && hhmm.MatchString(in.Closes) {
		if qs, err := ParseQuotas(in.Quotas, in.Opens, in.Closes); err != nil {
			v.Add("quotas", "%s", err)
		} else {
			in.Quotas = FormatQuotas(qs)
		}
	}
	return v.Err()
}

// Topic is what db.OnChange calls a change to a hall's queue; the key is
// the centre's code. Display screens listen to it (board.go).
const Topic = "hall"

// Service runs the halls.
type Service struct {
	db    *db.DB
	now   func() time.Time
	board *broadcaster
	cases *broadcaster // the centres' case changes, for the public rolling displays (screens.go)

	shareMu sync.Mutex
	shared  map[string]*sharedBoard // BoardJSON's, per centre

	takeLimit throttle.Limit // tickets per client address (limit.go)

	ratings casework.RatingHook // 差评 work orders (served.go)

	stop     sync.Once
	stopping chan struct{}
}

// NewService returns the hall service on d; now is the clock (never
// time.Now directly: a ticket's day is the clock's day in China Standard
// Time).
func NewService(d *db.DB, now func() time.Time) *Service {
	s := &Service{db: d, now: now, board: newBroadcaster(), shared: map[string]*sharedBoard{}, stopping: make(chan struct{})}
	d.OnChange(Topic, s.board.notify)
	s.cases = newBroadcaster()
	d.OnChange(casework.Topic, s.cases.notify)
	return s
}

// Stop tells the screens' event streams to end: the server is shutting
// down, and a stream held open would keep it waiting.
func (s *Service) Stop() { s.stop.Do(func() { close(s.stopping) }) }

// Stopping is closed once Stop is called.
func (s *Service) Stopping() <-chan struct{} { return s.stopping }

// today is the clock's date, YYYY-MM-DD, in the county's time zone: the
// ticket sequence restarts with it.
func (s *Service) today() (string, time.Time) {
	t := s.now().In(zwfw.Zone)
	return t.Format("2006-01-02"), t
}

// MayManage says whether the actor may set up the halls of centre: the
// centre's managers (大厅管理员) and the system administrators whose subtree
// holds it (the county's for the county and its towns, a town's for its
// own).
func MayManage(actor *zwfw.Actor, centre *org.Org) error {
	if actor == nil {
		return zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	if actor.Kind != zwfw.KindSystem && (actor.Kind != zwfw.KindStaff || !actor.HasAny(zwfw.RoleHallManager, zwfw.RoleAdmin)) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有大厅管理员或系统管理员可以设置大厅的业务类别")
	}
	if centre != nil && !actor.InScope(centre.Path) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "%s不在您的管辖范围内", centre.Name)
	}
	return nil
}

// MayServe says whether the actor may call tickets at window: window staff
// (窗口人员) whose subtree holds the window — a town's staff only their own
// centre's windows. Windows and centres are public (the display names
// them), so a window out of reach is refused (403), not hidden.
func MayServe(actor *zwfw.Actor, window *org.Org) error {
	if err := MayCall(actor); err != nil {
		return err
	}
	if !actor.InScope(window.Path) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "%s不是您所在服务中心的窗口，不能在此叫号", window.Name)
	}
	return nil
}

// MayCall says whether the actor calls tickets at any window at all:
// window staff (窗口人员). The workbench shows its calling panel on it;
// MayServe adds the window's reach.
func MayCall(actor *zwfw.Actor) error {
	if actor == nil {
		return zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	if actor.Kind != zwfw.KindSystem && (actor.Kind != zwfw.KindStaff || !actor.Has(zwfw.RoleWindow)) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有窗口人员可以叫号")
	}
	return nil
}

// Centre returns the active service centre with code (404 otherwise).
func (s *Service) Centre(ctx context.Context, code string) (*org.Org, error) {
	o, err := org.Lookup(ctx, s.db.Reader(), code)
	if err != nil && !org.ErrNotFound(err) {
		return nil, err
	}
	if o == nil || err != nil || o.Kind != org.KindCentre || !o.Active {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "服务中心 %s 不存在", code)
	}
	return o, nil
}

// Window returns the active window with code and its centre (404
// otherwise).
func (s *Service) Window(ctx context.Context, code string) (*org.Org, *org.Org, error) {
	w, err := org.Lookup(ctx, s.db.Reader(), code)
	if err != nil && !org.ErrNotFound(err) {
		return nil, nil, err
	}
	if w == nil || err != nil || w.Kind != org.KindWindow || !w.Active {
		return nil, nil, zwfw.Errorf(zwfw.ENOTFOUND, "窗口 %s 不存在", code)
	}
	c, err := org.Lookup(ctx, s.db.Reader(), w.ParentCode)
	if err != nil {
		return nil, nil, fmt.Errorf("hall: centre of window %s: %w", code, err)
	}
	return w, c, nil
}

// WindowNumber is the number a window is called by ("3号窗口"): the digits
// its code ends with (610923CW03 → 3).
func WindowNumber(code string) int {
	i := len(code)
	for i > 0 && code[i-1] >= '0' && code[i-1] <= '9' {
		i--
	}
	n, _ := strconv.Atoi(code[i:])
	return n
}

const categoryCols = `SELECT c.id, c.centre_id, o.code, c.name, c.prefix, c.opens, c.closes, c.daily_max, c.priority, c.max_recalls,
	c.minutes, c.sort, c.active, c.requeue_places, c.slot_capacity, c.quotas FROM hall_categories c JOIN orgs o ON o.id = c.centre_id`

func scanCategory(row interface{ Scan(...any) error }) (*Category, error) {
	var c Category
	err := row.Scan(&c.ID, &c.CentreID, &c.CentreCode, &c.Name, &c.Prefix, &c.Opens, &c.Closes, &c.DailyMax, &c.Priority,
		&c.MaxRecalls, &c.Minutes, &c.Sort, &c.Active, &c.RequeuePlaces, &c.SlotCapacity, &c.Quotas)
	return &c, err
}

// Categories lists a centre's categories in their order; all includes the
// inactive ones (the administration page).
func (s *Service) Categories(ctx context.Context, centreCode string, all bool) (*org.Org, []*Category, error) {
	centre, err := s.Centre(ctx, centreCode)
	if err != nil {
		return nil, nil, err
	}
	list, err := categories(ctx, s.db.Reader(), centre.ID, all)
	return centre, list, err
}

func categories(ctx context.Context, q db.Querier, centreID int64, all bool) ([]*Category, error) {
	query := categoryCols + " WHERE c.centre_id = ?"
	if !all {
		query += " AND c.active"
	}
	rows, err := q.Query(ctx, query+" ORDER BY c.sort, c.prefix", centreID)
	if err != nil {
		return nil, fmt.Errorf("hall: categories: %w", err)
	}
	defer rows.Close()
	var out []*Category
	for rows.Next() {
		c, err := scanCategory(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Category returns one category.
func (s *Service) Category(ctx context.Context, id int64) (*Category, error) {
	return category(ctx, s.db.Reader(), id)
}

func category(ctx context.Context, q db.Querier, id int64) (*Category, error) {
	c, err := scanCategory(q.QueryRow(ctx, categoryCols+" WHERE c.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "业务类别不存在")
	}
	if err != nil {
		return nil, fmt.Errorf("hall: category %d: %w", id, err)
	}
	return c, nil
}

// CreateCategory adds a category to a centre.
func (s *Service) CreateCategory(ctx context.Context, actor *zwfw.Actor, centreCode string, in CategoryInput) (*Category, error) {
	centre, err := s.Centre(ctx, centreCode)
	if err != nil {
		return nil, err
	}
	if err := admitCategory(actor, centre, &in); err != nil {
		return nil, err
	}
	active := in.Active == nil || *in.Active
	if in.RequeuePlaces == 0 {
		in.RequeuePlaces = DefaultRequeuePlaces
	}
	var id int64
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		now := db.Millis(s.now())
		err := tx.QueryRow(ctx, `INSERT INTO hall_categories (centre_id, name, prefix, opens, closes, daily_max, priority, max_recalls,
			minutes, sort, active, created_at, updated_at, requeue_places, slot_capacity, quotas) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			centre.ID, in.Name, in.Prefix, in.Opens, in.Closes, in.DailyMax, in.Priority, in.MaxRecalls, in.Minutes, in.Sort, active, now, now,
			in.RequeuePlaces, in.SlotCapacity, in.Quotas).Scan(&id)
		if err != nil {
			return db.Conflict(db.MapError(err), "本中心已有号码字母为 "+in.Prefix+" 的业务类别")
		}
		if err := audit.RecordFor(ctx, tx, centre.ID, s.now(), actor, "hall.category_create", "hall_category:"+strconv.FormatInt(id, 10), in); err != nil {
			return err
		}
		return tx.Changed(ctx, Topic, centre.Code)
	})
	if err != nil {
		return nil, err
	}
	return s.Category(ctx, id)
}

// admitCategory lets a category's input through for centre: its manager,
// then the input itself (normalised first).
func admitCategory(actor *zwfw.Actor, centre *org.Org, in *CategoryInput) error {
	if err := MayManage(actor, centre); err != nil {
		return err
	}
	in.normalise()
	return in.check()
}

// UpdateCategory changes a category. Tickets already taken keep their
// numbers.
func (s *Service) UpdateCategory(ctx context.Context, actor *zwfw.Actor, id int64, in CategoryInput) (*Category, error) {
	cur, err := s.Category(ctx, id)
	if err != nil {
		return nil, err
	}
	centre, err := s.Centre(ctx, cur.CentreCode)
	if err != nil {
		return nil, err
	}
	if err := admitCategory(actor, centre, &in); err != nil {
		return nil, err
	}
	active := cur.Active
	if in.Active != nil {
		active = *in.Active
	}
	if in.RequeuePlaces == 0 {
		in.RequeuePlaces = cur.RequeuePlaces
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE hall_categories SET name = ?, prefix = ?, opens = ?, closes = ?, daily_max = ?, priority = ?,
			max_recalls = ?, minutes = ?, sort = ?, active = ?, updated_at = ?, requeue_places = ?, slot_capacity = ?, quotas = ? WHERE id = ?`,
			in.Name, in.Prefix, in.Opens, in.Closes, in.DailyMax, in.Priority, in.MaxRecalls, in.Minutes, in.Sort, active, db.Millis(s.now()),
			in.RequeuePlaces, in.SlotCapacity, in.Quotas, id)
		if err != nil {
			return db.Conflict(db.MapError(err), "本中心已有号码字母为 "+in.Prefix+" 的业务类别")
		}
		if err := audit.RecordFor(ctx, tx, centre.ID, s.now(), actor, "hall.category_update", "hall_category:"+strconv.FormatInt(id, 10), in); err != nil {
			return err
		}
		return tx.Changed(ctx, Topic, centre.Code)
	})
	if err != nil {
		return nil, err
	}
	return s.Category(ctx, id)
}

// SetWindowCategories sets the categories a window serves, in the order
// it calls them (the first with someone waiting is called first).
func (s *Service) SetWindowCategories(ctx context.Context, actor *zwfw.Actor, windowCode string, ids []int64) error {
	w, centre, err := s.Window(ctx, windowCode)
	if err != nil {
		return err
	}
	if err := MayManage(actor, centre); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM hall_window_categories WHERE window_id = ?", w.ID); err != nil {
			return err
		}
		seen := map[int64]bool{}
		for i, id := range ids {
			c, err := category(ctx, tx, id)
			if err != nil || c.CentreID != centre.ID {
				return zwfw.Errorf(zwfw.EINVALID, "业务类别 %d 不属于%s", id, centre.Name)
			}
			if seen[id] {
				return zwfw.Errorf(zwfw.EINVALID, "业务类别“%s”重复", c.Name)
			}
			seen[id] = true
			if _, err := tx.Exec(ctx, "INSERT INTO hall_window_categories (window_id, category_id, position) VALUES (?, ?, ?)", w.ID, id, i); err != nil {
				return err
			}
		}
		return audit.RecordFor(ctx, tx, centre.ID, s.now(), actor, "hall.window_categories", "org:"+w.Code, map[string]any{"categories": ids})
	})
}

// WindowCategories are the categories a window serves, in order.
func (s *Service) WindowCategories(ctx context.Context, windowCode string) ([]*Category, error) {
	w, centre, err := s.Window(ctx, windowCode)
	if err != nil {
		return nil, err
	}
	return windowCategories(ctx, s.db.Reader(), w.ID, centre.ID)
}

func windowCategories(ctx context.Context, q db.Querier, windowID, centreID int64) ([]*Category, error) {
	rows, err := q.Query(ctx, categoryCols+` JOIN hall_window_categories wc ON wc.category_id = c.id
		WHERE wc.window_id = ? AND c.active ORDER BY wc.position`, windowID)
	if err != nil {
		return nil, err
	}
	var out []*Category
	for rows.Next() {
		c, err := scanCategory(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return categories(ctx, q, centreID, false)
	}
	return out, nil
}

// WindowSetup is a window of a centre with the categories it calls, in
// order (none: all of the centre's).
type WindowSetup struct {
	Code     string
	Name     string
	No       int
	Prefixes []string
}

// Windows lists the windows of a centre that call tickets (not the
// payment windows) with their categories, for the administration page.
func (s *Service) Windows(ctx context.Context, centreCode string) ([]*WindowSetup, error) {
	centre, err := s.Centre(ctx, centreCode)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT w.code, w.name, COALESCE(c.prefix, '') FROM orgs w
		LEFT JOIN hall_window_categories wc ON wc.window_id = w.id LEFT JOIN hall_categories c ON c.id = wc.category_id
		WHERE w.parent_id = ? AND w.kind = 'window' AND w.active AND w.window_type <> 'payment' ORDER BY w.sort, w.code, wc.position`, centre.ID)
	if err != nil {
		return nil, fmt.Errorf("hall: windows of %s: %w", centreCode, err)
	}
	defer rows.Close()
	var out []*WindowSetup
	for rows.Next() {
		var code, name, prefix string
		if err := rows.Scan(&code, &name, &prefix); err != nil {
			return nil, err
		}
		if n := len(out); n == 0 || out[n-1].Code != code {
			out = append(out, &WindowSetup{Code: code, Name: name, No: WindowNumber(code)})
		}
		if prefix != "" {
			w := out[len(out)-1]
			w.Prefixes = append(w.Prefixes, prefix)
		}
	}
	return out, rows.Err()
}

// SetWindowPrefixes is SetWindowCategories with the categories named by
// their letters ("A", "B"), as the administration page takes them.
func (s *Service) SetWindowPrefixes(ctx context.Context, actor *zwfw.Actor, windowCode string, prefixes []string) error {
	_, centre, err := s.Window(ctx, windowCode)
	if err != nil {
		return err
	}
	if err := MayManage(actor, centre); err != nil {
		return err
	}
	cats, err := categories(ctx, s.db.Reader(), centre.ID, true)
	if err != nil {
		return err
	}
	var ids []int64
	for _, p := range prefixes {
		p = strings.ToUpper(strings.TrimSpace(p))
		if p == "" {
			continue
		}
		var id int64
		for _, c := range cats {
			if c.Prefix == p {
				id = c.ID
			}
		}
		if id == 0 {
			return zwfw.Errorf(zwfw.EINVALID, "%s没有号码字母为 %s 的业务类别", centre.Name, p)
		}
		ids = append(ids, id)
	}
	return s.SetWindowCategories(ctx, actor, windowCode, ids)
}
