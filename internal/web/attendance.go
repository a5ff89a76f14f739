package web

import (
	"cmp"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"zwfw"
	"zwfw/internal/attendance"
	"zwfw/internal/calendar"
	"zwfw/internal/files"
)

// The attendance page (考勤与请假): the person's punches, week, leave and
// corrections, the B post's take-over, and for the centre's manager the
// pending approvals, the posts and the centre's week. internal/attendance
// decides; this parses and renders.

func init() { pages = append(pages, "attendance") }

type attendancePage struct {
	base
	Week        *attendance.Person
	Today       []attendance.Day
	Leaves      []*attendance.Leave
	Corrections []*attendance.Correction
	Covers      []*attendance.WindowPosts
	LeaveKinds  []struct{ Code, Name string }
	// The manager's part (attendance.MayRead on the account's own
	// organisation): the centre's posts and week.
	Reads   bool
	Manages bool
	Posts   []*attendance.WindowPosts
	// Candidates are, by window, the staff its posts may be given to.
	Candidates map[string][]attendance.StaffChoice
	Windows    []*attendance.WindowState
	// Serving is what each window of the manager's own centre is serving
	// now (the service hall's calls: ticket number and since when).
	Serving  map[string]*serving      // nil for a window serving nobody
	Board    []*attendance.BoardEntry // the centre's public board, to edit (managers of a centre)
	Centre   *attendance.Summary
	From, To string
	Totals   attendance.Person
	ActName  func(string) string
	Message  string
	// The centre's fingerprint or face devices (考勤机), for its manager;
	// NewDevice is the one just registered, with its token shown this once.
	Devices   []*attendance.Device
	NewDevice *attendance.Device
}

func (s *server) attendancePage(w http.ResponseWriter, r *http.Request) error {
	return s.renderAttendance(w, r, nil)
}

// renderAttendance renders the attendance page; dev is a device just
// registered, whose token the page shows once.
func (s *server) renderAttendance(w http.ResponseWriter, r *http.Request, dev *attendance.Device) error {
	a := actor(r)
	ctx := r.Context()
	from, to := attendance.ThisWeek(s.now())
	f, _ := calendar.ParseDate(from)
	t, _ := calendar.ParseDate(to)
	p := attendancePage{base: s.workBase(w, r, "考勤与请假"), LeaveKinds: attendance.LeaveKinds, From: from, To: to, ActName: attendance.LeaveActionName}
	p.Nav = "attendance"
	var err error
	if p.Week, err = s.d.Attendance.Own(ctx, a, f, t); err != nil {
		return err
	}
	if p.Leaves, err = s.d.Attendance.Leaves(ctx, a, 50); err != nil {
		return err
	}
	if p.Corrections, err = s.d.Attendance.Corrections(ctx, a); err != nil {
		return err
	}
	if p.Covers, err = s.d.Attendance.Covers(ctx, a); err != nil {
		return err
	}
	p.Reads = attendance.MayRead(a, a.OrgPath)
	p.Manages = attendance.MayManage(a, a.OrgPath) == nil
	if p.Reads {
		if p.Posts, err = s.d.Attendance.Posts(ctx, a); err != nil {
			return err
		}
		if p.Manages {
			if p.Candidates, err = s.d.Attendance.PostCandidates(ctx, a); err != nil {
				return err
			}
		}
		if p.Windows, err = s.d.Attendance.WindowStates(ctx, a); err != nil {
			return err
		}
		if p.Serving, err = s.serving(r, a.OrgCode); err != nil {
			return err
		}
		if p.Centre, err = s.d.Attendance.Summary(ctx, a, "", from, to); err != nil {
			return err
		}
		p.Totals = p.Centre.Totals()
	}
	if p.Manages {
		// A centre's manager edits its board (a manager above a centre sees
		// the board on the centre's public page).
		if _, p.Board, err = s.d.Attendance.Board(ctx, a.OrgCode); zwfw.ErrorCode(err) == zwfw.ENOTFOUND {
			p.Board, err = nil, nil
		}
		if err != nil {
			return err
		}
		if p.Devices, err = s.d.Attendance.Devices(ctx, a); err != nil {
			return err
		}
		p.NewDevice = dev
	}
	s.render(w, r, http.StatusOK, "attendance", p)
	return nil
}

// attendanceDevice registers a fingerprint or face device (考勤机) in the
// manager's centre and shows its token once, on the page itself: it is
// never stored in clear, so it cannot travel in a redirect.
func (s *server) attendanceDevice(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	d, err := s.d.Attendance.RegisterDevice(r.Context(), a, cmp.Or(r.PostFormValue("centre"), a.OrgCode), r.PostFormValue("name"))
	if err != nil {
		return s.attendanceDone(w, r, err, "")
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.renderAttendance(w, r, d)
}

func (s *server) attendanceDeviceRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return zwfw.Errorf(zwfw.ENOTFOUND, "考勤机不存在")
	}
	err = s.d.Attendance.RevokeDevice(r.Context(), actor(r), id)
	return s.attendanceDone(w, r, err, "考勤机已停用：它的令牌从此不能再上传打卡记录，已上传的记录保留。")
}

// attendanceDone returns to the attendance page with what happened: a
// refusal on the input or the state as a warning (nothing changed), or
// msg; a refusal of the person (403, 404) is the error page.
func (s *server) attendanceDone(w http.ResponseWriter, r *http.Request, err error, msg string) error {
	if err != nil {
		switch zwfw.ErrorCode(err) {
		case zwfw.EINVALID, zwfw.ECONFLICT:
			s.redirect(w, r, "/attendance", "warn", zwfw.ErrorMessage(err))
			return nil
		}
		return err
	}
	s.redirect(w, r, "/attendance", "ok", msg)
	return nil
}

func (s *server) attendancePunch(w http.ResponseWriter, r *http.Request) error {
	p, err := s.d.Attendance.Punch(r.Context(), actor(r))
	if err != nil {
		return s.attendanceDone(w, r, err, "")
	}
	return s.attendanceDone(w, r, nil, "已打卡："+p.At.In(zwfw.Zone).Format("15:04:05"))
}

func (s *server) attendanceLeave(w http.ResponseWriter, r *http.Request) error {
	l, err := s.d.Attendance.RequestLeave(r.Context(), actor(r), attendance.LeaveInput{Kind: r.PostFormValue("kind"),
		From: r.PostFormValue("from"), To: r.PostFormValue("to"), Reason: r.PostFormValue("reason")})
	if err != nil {
		return s.attendanceDone(w, r, err, "")
	}
	return s.attendanceDone(w, r, nil, fmt.Sprintf("已提交%s申请，待中心负责人审批。", l.KindName))
}

func (s *server) attendanceLeaveAct(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return zwfw.Errorf(zwfw.ENOTFOUND, "请假记录不存在")
	}
	v, _ := strconv.Atoi(r.PostFormValue("version"))
	action := r.PathValue("action")
	l, err := s.d.Attendance.ActOnLeave(r.Context(), actor(r), id, action, attendance.LeaveActionInput{Opinion: r.PostFormValue("opinion"), Version: v})
	if err != nil {
		return s.attendanceDone(w, r, err, "")
	}
	return s.attendanceDone(w, r, nil, fmt.Sprintf("已%s：%s的%s，当前状态：%s。", attendance.LeaveActionName(action), l.StaffName, l.KindName, l.StateName))
}

func (s *server) attendanceCorrection(w http.ResponseWriter, r *http.Request) error {
	_, err := s.d.Attendance.RequestCorrection(r.Context(), actor(r), attendance.CorrectionInput{At: r.PostFormValue("at"), Reason: r.PostFormValue("reason")})
	return s.attendanceDone(w, r, err, "已提交补卡申请，待中心负责人审批。")
}

func (s *server) attendanceCorrectionAct(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return zwfw.Errorf(zwfw.ENOTFOUND, "补卡申请不存在")
	}
	k, err := s.d.Attendance.DecideCorrection(r.Context(), actor(r), id, r.PathValue("action"), r.PostFormValue("opinion"))
	if err != nil {
		return s.attendanceDone(w, r, err, "")
	}
	return s.attendanceDone(w, r, nil, fmt.Sprintf("%s的补卡申请：%s。", k.StaffName, k.StateName))
}

func (s *server) attendancePosts(w http.ResponseWriter, r *http.Request) error {
	p, err := s.d.Attendance.SetPosts(r.Context(), actor(r), r.PathValue("window"), attendance.PostsInput{A: r.PostFormValue("a"), B: r.PostFormValue("b")})
	if err != nil {
		return s.attendanceDone(w, r, err, "")
	}
	return s.attendanceDone(w, r, nil, fmt.Sprintf("%s：A岗 %s，B岗 %s。", p.WindowName, cmp.Or(p.AName, "未设"), cmp.Or(p.BName, "未设")))
}

func (s *server) attendanceCover(w http.ResponseWriter, r *http.Request) error {
	p, err := s.d.Attendance.TakeOver(r.Context(), actor(r), r.PathValue("window"))
	if err != nil {
		return s.attendanceDone(w, r, err, "")
	}
	return s.attendanceDone(w, r, nil, fmt.Sprintf("已在%s接岗（顶岗）。", p.WindowName))
}

func (s *server) attendanceHandBack(w http.ResponseWriter, r *http.Request) error {
	err := s.d.Attendance.HandBack(r.Context(), actor(r), r.PathValue("window"))
	return s.attendanceDone(w, r, err, "已结束顶岗。")
}

// attendanceExport downloads the centre's attendance (?from=&to=, this
// week by default) as Excel.
func (s *server) attendanceExport(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	sum, err := s.d.Attendance.Summary(r.Context(), actor(r), q.Get("org"), q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	b, err := sum.XLSX("考勤统计")
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", files.Attachment("attendance.xlsx", "考勤统计_"+sum.From+"_"+sum.To+".xlsx"))
	_, _ = w.Write(b)
	return nil
}

// serving is a window's current ticket on the hall view.
type serving struct {
	Number string
	Since  time.Time
}

// serving reads the service hall's board of the centre with code (none
// when the code is not a centre's): the ticket each window is serving and
// when it was called.
func (s *server) serving(r *http.Request, code string) (map[string]*serving, error) {
	if s.d.Hall == nil {
		return nil, nil
	}
	b, err := s.d.Hall.Board(r.Context(), code)
	if zwfw.ErrorCode(err) == zwfw.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := map[string]*serving{}
	for _, w := range b.Windows {
		if w.Number == "" {
			continue
		}
		sv := &serving{Number: w.Number}
		for _, c := range b.Latest { // newest first
			if c.Window == w.Name && c.Number == w.Number {
				sv.Since = c.At
				break
			}
		}
		out[w.Code] = sv
	}
	return out, nil
}
