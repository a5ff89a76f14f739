package attendance

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"zwfw"
)

// Duty is who serves at a window now, for the small screen above it: the
// board's entry of the person at the window (附件2（八）3: name, number,
// photo), or 暂停服务 when nobody is there. Public, like the board.
type Duty struct {
	Window     string      `json:"window"`
	WindowName string      `json:"window_name"`
	State      string      `json:"state"`
	StateName  string      `json:"state_name"`
	Paused     bool        `json:"paused"`          // 暂停服务: nobody at the window in opening hours, or closed
	Staff      *BoardEntry `json:"staff,omitempty"` // who is at the window, when known
}

// OnDuty reads the duty of the window with code in the centre with
// centreCode (a window of another centre is not found). The A post when
// in; the B post when covering or when only B is in; nobody named when
// tickets are called there without a punch.
func (s *Service) OnDuty(ctx context.Context, centreCode, windowCode string) (*Duty, error) {
	windowCode = strings.TrimSpace(windowCode)
	var inCentre string
	err := s.db.Reader().QueryRow(ctx, `SELECT c.code FROM orgs w JOIN orgs c ON c.id = w.parent_id WHERE w.code = ? AND w.kind = 'window' AND w.active = ?`,
		windowCode, true).Scan(&inCentre)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && inCentre != centreCode) {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "窗口“%s”不在服务中心“%s”", windowCode, centreCode)
	}
	if err != nil {
		return nil, err
	}
	list, err := s.states(ctx, s.now(), "w.code = ?", windowCode)
	if err != nil {
		return nil, err
	}
	if len(list) != 1 {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "窗口“%s”不存在", windowCode)
	}
	w := list[0]
	d := &Duty{Window: w.Window, WindowName: w.WindowName, State: w.State, StateName: w.StateName,
		Paused: w.State == WindowUnattended || w.State == WindowClosed}
	var who string
	switch w.State {
	case WindowA:
		who = w.A
	case WindowCovered, WindowB:
		who = w.B
	}
	if who == "" {
		return d, nil
	}
	_, board, err := s.Board(ctx, centreCode)
	if err != nil {
		return nil, err
	}
	// The B post is often another window's staff: their board entry is
	// found under that window.
	for _, e := range board {
		if e.Username == who && (d.Staff == nil || e.Window == windowCode) {
			d.Staff = e
		}
	}
	return d, nil
}
