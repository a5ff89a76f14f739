package hall

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"zwfw/internal/db"
)

// Board is what a centre's display screen (显示屏) shows: each window's
// current call, the latest calls and who waits per category. It carries
// ticket numbers and window names only, never a person.
type Board struct {
	CentreCode string           `json:"centre_code"`
	CentreName string           `json:"centre_name"`
	Windows    []BoardWindow    `json:"windows"`
	Latest     []Call           `json:"latest"` // newest first
	Waiting    []*CategoryCount `json:"waiting"`
	// LastCall is the id of the newest call: a screen announces the calls
	// newer than the last one it announced.
	LastCall int64     `json:"last_call"`
	Updated  time.Time `json:"updated"`
}

// BoardWindow is one window on the screen.
type BoardWindow struct {
	Code   string `json:"code"`
	No     int    `json:"no"`
	Name   string `json:"name"`
	Number string `json:"number,omitempty"` // the ticket called there, if any
	Status string `json:"status,omitempty"`
}

// Call is one call or recall, with the sentence a screen speaks.
type Call struct {
	ID       int64     `json:"id"`
	Number   string    `json:"number"`
	WindowNo int       `json:"window_no"`
	Window   string    `json:"window"`
	At       time.Time `json:"at"`
	Speech   string    `json:"speech"`
	// Clips say Speech with the recorded clips, for a screen whose
	// browser has no Mandarin voice (voice.go).
	Clips []string `json:"clips"`
}

// Speech is the announcement of a call, as halls say it.
func Speech(number string, windowNo int) string {
	return "请" + number + "号到" + strconv.Itoa(windowNo) + "号窗口办理"
}

// latestCalls is how many calls the screen lists.
const latestCalls = 8

// Board reads the display of a centre.
func (s *Service) Board(ctx context.Context, centreCode string) (*Board, error) {
	centre, err := s.Centre(ctx, centreCode)
	if err != nil {
		return nil, err
	}
	day, now := s.today()
	b := &Board{CentreCode: centre.Code, CentreName: centre.DisplayName(), Updated: now, Windows: []BoardWindow{}, Latest: []Call{}, Waiting: []*CategoryCount{}}
	err = s.db.ReadTx(ctx, func(q db.Querier) error {
		rows, err := q.Query(ctx, `SELECT w.code, w.name, COALESCE(t.number, ''), COALESCE(t.status, '') FROM orgs w
			LEFT JOIN hall_tickets t ON t.window_id = w.id AND t.status IN (?, ?) AND t.day = ?
			WHERE w.parent_id = ? AND w.kind = 'window' AND w.active AND w.window_type <> 'payment' ORDER BY w.sort, w.code`, Called, Serving, day, centre.ID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var bw BoardWindow
			if err := rows.Scan(&bw.Code, &bw.Name, &bw.Number, &bw.Status); err != nil {
				rows.Close()
				return err
			}
			bw.No = WindowNumber(bw.Code)
			if n := len(b.Windows); n > 0 && b.Windows[n-1].Code == bw.Code {
				continue // a window shows one ticket
			}
			b.Windows = append(b.Windows, bw)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = q.Query(ctx, `SELECT k.id, t.number, w.code, w.name, k.at FROM hall_calls k JOIN hall_tickets t ON t.id = k.ticket_id
			JOIN orgs w ON w.id = k.window_id WHERE k.centre_id = ? AND t.day = ? ORDER BY k.id DESC LIMIT ?`, centre.ID, day, latestCalls)
		if err != nil {
			return err
		}
		for rows.Next() {
			var c Call
			var code string
			var at int64
			if err := rows.Scan(&c.ID, &c.Number, &code, &c.Window, &at); err != nil {
				rows.Close()
				return err
			}
			c.WindowNo, c.At = WindowNumber(code), db.Time(at)
			c.Speech = Speech(c.Number, c.WindowNo)
			c.Clips = Clips(c.Number, c.WindowNo)
			b.Latest = append(b.Latest, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(b.Latest) > 0 {
			b.LastCall = b.Latest[0].ID
		}
		cats, err := categories(ctx, q, centre.ID, false)
		if err != nil {
			return err
		}
		counts, err := waitingCounts(ctx, q, centre.ID, day)
		if err != nil {
			return err
		}
		for _, c := range cats {
			cc := counts[c.ID]
			if cc == nil {
				cc = &CategoryCount{ID: c.ID}
			}
			cc.Name, cc.Prefix = c.Name, c.Prefix
			b.Waiting = append(b.Waiting, cc)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("hall: board %s: %w", centreCode, err)
	}
	return b, nil
}

// Subscribe returns a channel that receives a value whenever a centre's
// queue changes, in this process or (PostgreSQL) any other on the
// database, and a function that ends the subscription. A value means
// "read the board again"; several changes in a row may arrive as one.
func (s *Service) Subscribe(centreCode string) (<-chan struct{}, func()) {
	return s.board.subscribe(centreCode)
}

// broadcaster fans a centre's changes out to the screens connected to
// this process. The changes arrive through db.OnChange: on PostgreSQL a
// pg_notify sent in the transaction of the call and heard by every
// process's listener, on SQLite right after the commit.
type broadcaster struct {
	mu   sync.Mutex
	subs map[string]map[chan struct{}]struct{}
	gen  map[string]uint64 // changes heard per centre, for the shared board
	all  uint64            // changes that may concern every centre ("")
}

func newBroadcaster() *broadcaster {
	return &broadcaster{subs: map[string]map[chan struct{}]struct{}{}, gen: map[string]uint64{}}
}

// generation counts the changes heard for a centre: a board read after
// the count was taken reflects them.
func (b *broadcaster) generation(centre string) uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.gen[centre] + b.all
}

func (b *broadcaster) subscribe(centre string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	b.mu.Lock()
	if b.subs[centre] == nil {
		b.subs[centre] = map[chan struct{}]struct{}{}
	}
	b.subs[centre][ch] = struct{}{}
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		delete(b.subs[centre], ch)
		if len(b.subs[centre]) == 0 {
			delete(b.subs, centre)
		}
		b.mu.Unlock()
	}
}

// notify wakes the subscribers of centre; "" (a listener that may have
// missed changes) wakes every one. It never blocks: a subscriber that has
// not read the last wake-up yet will read the board once for both.
func (b *broadcaster) notify(centre string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if centre == "" {
		b.all++
	} else {
		b.gen[centre]++
	}
	wake := func(set map[chan struct{}]struct{}) {
		for ch := range set {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}
	if centre == "" {
		for _, set := range b.subs {
			wake(set)
		}
		return
	}
	wake(b.subs[centre])
}

// Subscribers is how many screens are connected to this process (metrics
// and tests).
func (s *Service) Subscribers() int {
	s.board.mu.Lock()
	defer s.board.mu.Unlock()
	n := 0
	for _, set := range s.board.subs {
		n += len(set)
	}
	return n
}

// sharedBoardAge bounds how long a shared board is served without a change:
// the keep-alive reads between changes see the clock and a new day.
const sharedBoardAge = 5 * time.Second

// sharedBoard is a centre's encoded board as its screens receive it.
type sharedBoard struct {
	mu   sync.Mutex // held while the board is read: one read per change
	gen  uint64
	at   time.Time
	body []byte
}

// BoardJSON is the encoded board of a centre (a canonical code, as Board
// returns it) for the display screens' event stream. Every screen
// connected to this process shares one read per change: a call wakes a
// thousand screens, and the first of them reads the board while the rest
// wait for its answer, instead of a thousand reads of the same rows.
func (s *Service) BoardJSON(ctx context.Context, centreCode string) ([]byte, error) {
	s.shareMu.Lock()
	sb := s.shared[centreCode]
	if sb == nil {
		sb = &sharedBoard{}
		s.shared[centreCode] = sb
	}
	s.shareMu.Unlock()
	sb.mu.Lock()
	defer sb.mu.Unlock()
	gen := s.board.generation(centreCode)
	if sb.body != nil && sb.gen == gen && s.now().Sub(sb.at) < sharedBoardAge {
		return sb.body, nil
	}
	b, err := s.Board(ctx, centreCode)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(b)
	if err != nil {
		return nil, err
	}
	sb.gen, sb.at, sb.body = gen, s.now(), body
	return body, nil
}
