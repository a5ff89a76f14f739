package attendance

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/calendar"
	"zwfw/internal/db"
	orgscope "zwfw/internal/scope"
)

// WindowPosts are the A and B posts of one window and who covers it today.
type WindowPosts struct {
	Window     string `json:"window"`
	WindowName string `json:"window_name"`
	A          string `json:"a,omitempty"` // username
	AName      string `json:"a_name,omitempty"`
	B          string `json:"b,omitempty"`
	BName      string `json:"b_name,omitempty"`
	// Covering is the name of whoever has taken over the window today and
	// not handed it back (顶岗).
	Covering string `json:"covering,omitempty"`
}

// PostsInput sets a window's posts: usernames, "" to leave a post empty.
type PostsInput struct {
	A string `json:"a"`
	B string `json:"b"`
}

// window reads a window by code with its centre.
func (s *Service) window(ctx context.Context, q db.Querier, code string) (id int64, name string, centreID int64, centrePath string, err error) {
	var kind string
	err = q.QueryRow(ctx, `SELECT w.id, w.name, w.kind, c.id, c.path FROM orgs w JOIN orgs c ON c.id = w.parent_id WHERE w.code = ?`, code).
		Scan(&id, &name, &kind, &centreID, &centrePath)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && kind != "window") {
		return 0, "", 0, "", zwfw.Errorf(zwfw.ENOTFOUND, "窗口“%s”不存在", code)
	}
	return id, name, centreID, centrePath, err
}

// SetPosts sets the A and B posts of a window (附件2（四）2): two different
// staff members of its centre, each working at that window.
func (s *Service) SetPosts(ctx context.Context, actor *zwfw.Actor, windowCode string, in PostsInput) (*WindowPosts, error) {
	wid, _, centreID, centrePath, err := s.window(ctx, s.db.Reader(), strings.TrimSpace(windowCode))
	if err != nil {
		return nil, err
	}
	if err := MayManage(actor, centrePath); err != nil {
		return nil, err
	}
	var v zwfw.Invalid
	ids := map[string]int64{}
	for _, p := range []struct{ post, user string }{{PostA, strings.TrimSpace(in.A)}, {PostB, strings.TrimSpace(in.B)}} {
		if p.user == "" {
			continue
		}
		st, err := s.staffBy(ctx, s.db.Reader(), "u.username = ?", p.user)
		if err != nil || st.centreID != centreID {
			v.Add(strings.ToLower(p.post), "工作人员“%s”不是本中心的窗口人员", p.user)
			continue
		}
		ids[p.post] = st.id
	}
	if ids[PostA] != 0 && ids[PostA] == ids[PostB] {
		v.Add("b", "A岗和B岗须是两个人")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM window_posts WHERE window_id = ?", wid); err != nil {
			return err
		}
		for _, p := range []string{PostA, PostB} {
			if ids[p] == 0 {
				continue
			}
			if _, err := tx.Exec(ctx, "INSERT INTO window_posts (window_id, post, user_id, since) VALUES (?, ?, ?, ?)", wid, p, ids[p], db.Millis(now)); err != nil {
				return fmt.Errorf("attendance: set posts: %w", err)
			}
		}
		return audit.Record(ctx, tx, now, actor, "window.posts", "org:"+windowCode, map[string]any{"a": in.A, "b": in.B})
	})
	if err != nil {
		return nil, err
	}
	list, err := s.posts(ctx, "w.id = ?", wid)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
}

// StaffChoice is a staff member offered for a post, named as people know
// them: 姓名（窗口）, never by user name alone.
type StaffChoice struct {
	Username   string `json:"username"`
	Name       string `json:"name"`
	WindowName string `json:"window_name"`
}

// Label is how a picker shows the staff member: 杨春梅（综合窗口A岗）.
func (c StaffChoice) Label() string {
	if c.WindowName == "" {
		return c.Name
	}
	return c.Name + "（" + c.WindowName + "）"
}

// PostCandidates lists, for each window whose posts the actor may set, the
// staff SetPosts accepts there: the active window staff of the window's
// centre (附件2（四）2), by name. Managers pick from it instead of typing a
// user name (issue 12 item 4).
func (s *Service) PostCandidates(ctx context.Context, actor *zwfw.Actor) (map[string][]StaffChoice, error) {
	if actor == nil || !actor.HasAny(zwfw.RoleHallManager, zwfw.RoleAdmin) {
		return nil, nil
	}
	cond, args := orgscope.Of(actor).Cond("w.path")
	rows, err := s.db.Reader().Query(ctx, `SELECT w.code, u.username, u.name, uw.name
		FROM orgs w JOIN orgs uw ON uw.parent_id = w.parent_id AND uw.kind = 'window' JOIN users u ON u.window_id = uw.id
		WHERE w.kind = 'window' AND w.active = ? AND u.kind = ? AND u.active = ? AND `+cond+`
		ORDER BY w.code, uw.path, u.name, u.username`, append([]any{true, zwfw.KindStaff, true}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("attendance: post candidates: %w", err)
	}
	defer rows.Close()
	out := map[string][]StaffChoice{}
	for rows.Next() {
		var w string
		var c StaffChoice
		if err := rows.Scan(&w, &c.Username, &c.Name, &c.WindowName); err != nil {
			return nil, err
		}
		out[w] = append(out[w], c)
	}
	return out, rows.Err()
}

// Posts lists the windows of the centres in the actor's reach with their
// posts.
func (s *Service) Posts(ctx context.Context, actor *zwfw.Actor) ([]*WindowPosts, error) {
	if actor == nil || actor.Kind != zwfw.KindStaff {
		return nil, zwfw.Errorf(zwfw.EFORBIDDEN, "只有工作人员可以查看窗口岗位")
	}
	cond, args := orgscope.Of(actor).Cond("w.path")
	return s.posts(ctx, "w.kind = 'window' AND w.active = ? AND "+cond, append([]any{true}, args...)...)
}

func (s *Service) posts(ctx context.Context, where string, args ...any) ([]*WindowPosts, error) {
	day := calendar.Date(s.now()).Format(calendar.DateLayout)
	rows, err := s.db.Reader().Query(ctx, `SELECT w.code, w.name, COALESCE(ua.username, ''), COALESCE(ua.name, ''), COALESCE(ub.username, ''), COALESCE(ub.name, ''),
		COALESCE((SELECT u.name FROM attendance_covers c JOIN users u ON u.id = c.user_id WHERE c.window_id = w.id AND c.day = ? AND c.ended_at = 0 ORDER BY c.id DESC LIMIT 1), '')
		FROM orgs w LEFT JOIN window_posts pa ON pa.window_id = w.id AND pa.post = 'A' LEFT JOIN users ua ON ua.id = pa.user_id
		LEFT JOIN window_posts pb ON pb.window_id = w.id AND pb.post = 'B' LEFT JOIN users ub ON ub.id = pb.user_id
		WHERE `+where+` ORDER BY w.path`, append([]any{day}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("attendance: posts: %w", err)
	}
	defer rows.Close()
	var out []*WindowPosts
	for rows.Next() {
		var p WindowPosts
		if err := rows.Scan(&p.Window, &p.WindowName, &p.A, &p.AName, &p.B, &p.BName, &p.Covering); err != nil {
			return nil, err
		}
		out = append(out, &p)
	}
	return out, rows.Err()
}

// TakeOver records that the actor, the B post of a window, is at the
// window and has taken it over (顶岗) — after clocking in today. It is what
// lets the A post's leave of half a day or more start.
func (s *Service) TakeOver(ctx context.Context, actor *zwfw.Actor, windowCode string) (*WindowPosts, error) {
	if err := mayPunch(actor); err != nil {
		return nil, err
	}
	wid, wname, _, _, err := s.window(ctx, s.db.Reader(), strings.TrimSpace(windowCode))
	if err != nil {
		return nil, err
	}
	now := s.now()
	day := calendar.Date(now).Format(calendar.DateLayout)
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var post string
		err := tx.QueryRow(ctx, "SELECT post FROM window_posts WHERE window_id = ? AND user_id = ?", wid, actor.UserID).Scan(&post)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && post != PostB) {
			return zwfw.Errorf(zwfw.EFORBIDDEN, "您不是窗口“%s”的B岗，不能顶岗", wname)
		}
		if err != nil {
			return err
		}
		var punched int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM attendance_punches WHERE user_id = ? AND day = ?", actor.UserID, day).Scan(&punched); err != nil {
			return err
		}
		if punched == 0 {
			return zwfw.Errorf(zwfw.ECONFLICT, "请先打卡到岗，再到窗口“%s”顶岗", wname)
		}
		var open int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM attendance_covers WHERE window_id = ? AND user_id = ? AND day = ? AND ended_at = 0",
			wid, actor.UserID, day).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			return nil // already at the window: taking over twice changes nothing
		}
		if _, err := tx.Exec(ctx, "INSERT INTO attendance_covers (window_id, user_id, day, started_at) VALUES (?, ?, ?, ?)",
			wid, actor.UserID, day, db.Millis(now)); err != nil {
			return fmt.Errorf("attendance: take over: %w", err)
		}
		return audit.Record(ctx, tx, now, actor, "window.cover", "org:"+windowCode, nil)
	})
	if err != nil {
		return nil, err
	}
	list, err := s.posts(ctx, "w.id = ?", wid)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
}

// HandBack ends the actor's cover of a window today.
func (s *Service) HandBack(ctx context.Context, actor *zwfw.Actor, windowCode string) error {
	if err := mayPunch(actor); err != nil {
		return err
	}
	wid, _, _, _, err := s.window(ctx, s.db.Reader(), strings.TrimSpace(windowCode))
	if err != nil {
		return err
	}
	now := s.now()
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE attendance_covers SET ended_at = ? WHERE window_id = ? AND user_id = ? AND ended_at = 0",
			db.Millis(now), wid, actor.UserID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return zwfw.Errorf(zwfw.ECONFLICT, "您当前没有在该窗口顶岗")
		}
		return audit.Record(ctx, tx, now, actor, "window.hand_back", "org:"+windowCode, nil)
	})
}

// Covers lists the windows where the actor is the B post, with who covers
// each today: the take-over buttons of the attendance page.
func (s *Service) Covers(ctx context.Context, actor *zwfw.Actor) ([]*WindowPosts, error) {
	if err := mayPunch(actor); err != nil {
		return nil, err
	}
	return s.posts(ctx, "w.id IN (SELECT window_id FROM window_posts WHERE user_id = ? AND post = 'B')", actor.UserID)
}
