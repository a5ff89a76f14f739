package attendance_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	pngenc "image/png"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"
	_ "zwfw/internal/account/cheaphash" // the demo accounts hash at the smallest cost

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/attendance"
	"zwfw/internal/calendar"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/files"
	"zwfw/internal/hall"
	"zwfw/internal/org"
	"zwfw/internal/seed"
)

type env struct {
	t     testing.TB
	d     *db.DB
	users *account.Service
	att   *attendance.Service
	hall  *hall.Service
	now   time.Time
	ctx   context.Context
}

// at sets the clock to hh:mm on day (county time).
func (e *env) at(day, hm string) {
	e.t.Helper()
	d, err := calendar.ParseDate(day)
	if err != nil {
		e.t.Fatal(err)
	}
	t, err := time.ParseInLocation("2006-01-02 15:04", day+" "+hm, zwfw.Zone)
	if err != nil {
		e.t.Fatal(err)
	}
	_ = d
	e.now = t
}

func setup(t testing.TB, d *db.DB) *env {
	t.Helper()
	e := &env{t: t, d: d, ctx: context.Background()}
	e.at("2026-11-30", "08:00")
	clock := func() time.Time { return e.now }
	fs, err := files.NewStore(filepath.Join(t.TempDir(), "files"), d, clock)
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	orgs := org.NewService(d, clock)
	cat := catalog.NewService(d, orgs, fs, clock)
	e.users = account.NewService(d, orgs, clock, account.Policy{})
	e.hall = hall.NewService(d, clock)
	dp := seed.Deps{DB: d, Orgs: orgs, Catalog: cat, Users: e.users, Files: fs, Hall: e.hall, Now: clock, Log: quiet}
	if err := seed.Base(e.ctx, dp); err != nil {
		t.Fatal(err)
	}
	if err := seed.Demo(e.ctx, dp); err != nil {
		t.Fatal(err)
	}
	e.att = attendance.New(d, calendar.New(d, clock), clock)
	return e
}

func (e *env) actor(username string) *zwfw.Actor {
	e.t.Helper()
	u, err := e.users.ByUsername(e.ctx, username)
	if err != nil {
		e.t.Fatal(err)
	}
	return u.Actor()
}

func (e *env) punch(who, day, hm string) {
	e.t.Helper()
	e.at(day, hm)
	if _, err := e.att.Punch(e.ctx, e.actor(who)); err != nil {
		e.t.Fatalf("punch %s %s %s: %v", who, day, hm, err)
	}
}

func code(err error) string { return zwfw.ErrorCode(err) }

// The leave rule (附件2（六）4): a leave of half a day or more starts only
// after the B post has clocked in and taken over the window; a shorter one
// at once; the manager of another centre cannot decide it.
func TestLeaveRule(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		hall, a, b := e.actor("county.hall"), e.actor("county.window"), e.actor("county.windowb")
		if _, err := e.att.SetPosts(e.ctx, hall, "610923CW01", attendance.PostsInput{A: "county.window", B: "county.windowb"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.att.SetPosts(e.ctx, e.actor("chengguan.hall"), "610923CW01", attendance.PostsInput{A: "county.window"}); code(err) != zwfw.ENOTFOUND {
			t.Fatalf("a town's manager set the county's posts: %v", err)
		}
		if _, err := e.att.SetPosts(e.ctx, a, "610923CW01", attendance.PostsInput{A: "county.window"}); code(err) != zwfw.EFORBIDDEN {
			t.Fatalf("window staff set posts: %v", err)
		}
		e.punch("county.window", "2026-12-01", "08:40")
		lv, err := e.att.RequestLeave(e.ctx, a, attendance.LeaveInput{Kind: "personal", From: "2026-12-01T09:00", To: "2026-12-01T17:00", Reason: "家中有事"})
		if err != nil {
			t.Fatal(err)
		}
		if !lv.HalfDay || lv.State != attendance.LeavePending {
			t.Fatalf("leave = %+v", lv)
		}
		if _, err := e.att.ActOnLeave(e.ctx, a, lv.ID, attendance.LeaveStart, attendance.LeaveActionInput{}); code(err) != zwfw.ECONFLICT {
			t.Fatalf("started before approval: %v", err)
		}
		if _, err := e.att.ActOnLeave(e.ctx, e.actor("chengguan.hall"), lv.ID, attendance.LeaveApprove, attendance.LeaveActionInput{}); code(err) != zwfw.ENOTFOUND {
			t.Fatalf("another centre's manager approved: %v", err)
		}
		if _, err := e.att.ActOnLeave(e.ctx, a, lv.ID, attendance.LeaveApprove, attendance.LeaveActionInput{}); code(err) != zwfw.EFORBIDDEN {
			t.Fatalf("the person approved their own leave: %v", err)
		}
		if lv, err = e.att.ActOnLeave(e.ctx, hall, lv.ID, attendance.LeaveApprove, attendance.LeaveActionInput{Opinion: "同意"}); err != nil {
			t.Fatal(err)
		}
		e.at("2026-12-01", "09:05")
		_, err = e.att.ActOnLeave(e.ctx, a, lv.ID, attendance.LeaveStart, attendance.LeaveActionInput{})
		if code(err) != zwfw.ECONFLICT || !strings.Contains(err.Error(), "尚未打卡") {
			t.Fatalf("leave started before B clocked in: %v", err)
		}
		if _, err := e.att.TakeOver(e.ctx, b, "610923CW01"); code(err) != zwfw.ECONFLICT {
			t.Fatalf("B took over without clocking in: %v", err)
		}
		e.punch("county.windowb", "2026-12-01", "09:06")
		_, err = e.att.ActOnLeave(e.ctx, a, lv.ID, attendance.LeaveStart, attendance.LeaveActionInput{})
		if code(err) != zwfw.ECONFLICT || !strings.Contains(err.Error(), "接岗") {
			t.Fatalf("leave started before B took over: %v", err)
		}
		if _, err := e.att.TakeOver(e.ctx, a, "610923CW01"); code(err) != zwfw.EFORBIDDEN {
			t.Fatalf("the A post took over as B: %v", err)
		}
		wp, err := e.att.TakeOver(e.ctx, b, "610923CW01")
		if err != nil || wp.Covering != "王丽" {
			t.Fatalf("take over = %+v, %v", wp, err)
		}
		if lv, err = e.att.ActOnLeave(e.ctx, a, lv.ID, attendance.LeaveStart, attendance.LeaveActionInput{}); err != nil || lv.State != attendance.LeaveStarted || lv.CoveredBy != "王丽" {
			t.Fatalf("leave after B took over = %+v, %v", lv, err)
		}
		// Under half a day: no B needed.
		short, err := e.att.RequestLeave(e.ctx, a, attendance.LeaveInput{Kind: "official", From: "2026-12-02T14:00", To: "2026-12-02T15:00", Reason: "到县局送材料"})
		if err != nil || short.HalfDay {
			t.Fatalf("short leave = %+v, %v", short, err)
		}
		if _, err = e.att.ActOnLeave(e.ctx, hall, short.ID, attendance.LeaveApprove, attendance.LeaveActionInput{}); err != nil {
			t.Fatal(err)
		}
		e.at("2026-12-02", "14:00")
		if _, err = e.att.ActOnLeave(e.ctx, a, short.ID, attendance.LeaveStart, attendance.LeaveActionInput{}); err != nil {
			t.Fatalf("a short leave waited for B: %v", err)
		}
		// Bad input changes nothing.
		if _, err := e.att.RequestLeave(e.ctx, a, attendance.LeaveInput{Kind: "holiday", From: "2026-12-03T17:00", To: "2026-12-03T09:00"}); code(err) != zwfw.EINVALID {
			t.Fatalf("bad leave = %v", err)
		}
		list, err := e.att.Leaves(e.ctx, a, 0)
		if err != nil || len(list) != 2 {
			t.Fatalf("leaves = %d, %v", len(list), err)
		}
	})
}

// A device's punch sent twice is counted once; a wrong token, a future
// time or a person of another centre changes nothing.
func TestDevicePunches(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		hall := e.actor("county.hall")
		if _, err := e.att.RegisterDevice(e.ctx, e.actor("county.window"), "610923C", "一楼指纹机"); code(err) != zwfw.EFORBIDDEN {
			t.Fatalf("window staff registered a device: %v", err)
		}
		dev, err := e.att.RegisterDevice(e.ctx, hall, "610923C", "一楼指纹机")
		if err != nil || len(dev.Token) < 32 {
			t.Fatalf("device = %+v, %v", dev, err)
		}
		e.at("2026-12-01", "18:00")
		batch := []attendance.DevicePunchInput{{Staff: "county.window", At: "2026-12-01T08:41:07+08:00"}, {Staff: "county.window", At: "2026-12-01T17:02:00+08:00"}}
		if n, err := e.att.DevicePunch(e.ctx, dev.Token, batch); err != nil || n != 2 {
			t.Fatalf("first upload = %d, %v", n, err)
		}
		if n, err := e.att.DevicePunch(e.ctx, dev.Token, batch); err != nil || n != 0 {
			t.Fatalf("replayed upload = %d, %v", n, err)
		}
		if _, err := e.att.DevicePunch(e.ctx, "wrong", batch); code(err) != zwfw.EUNAUTHORIZED {
			t.Fatalf("wrong token = %v", err)
		}
		for _, bad := range [][]attendance.DevicePunchInput{
			{{Staff: "chengguan.window", At: "2026-12-01T08:41:00+08:00"}},
			{{Staff: "county.window", At: "2026-12-02T08:41:00+08:00"}},
			{{Staff: "county.window", At: "昨天"}},
			{{Staff: "county.window", At: "2026-12-01T09:00:00+08:00"}, {Staff: "nobody", At: "2026-12-01T09:00:00+08:00"}},
		} {
			if _, err := e.att.DevicePunch(e.ctx, dev.Token, bad); code(err) != zwfw.EINVALID {
				t.Fatalf("bad upload %v = %v", bad, err)
			}
		}
		sum, err := e.att.Summary(e.ctx, hall, "610923C", "2026-12-01", "2026-12-01")
		if err != nil {
			t.Fatal(err)
		}
		if sum.Punches != 2 {
			t.Fatalf("punches counted = %d, want 2", sum.Punches)
		}
		if _, err := e.att.Summary(e.ctx, e.actor("chengguan.hall"), "610923C", "2026-12-01", "2026-12-01"); code(err) != zwfw.ENOTFOUND {
			t.Fatalf("a town's manager read the county centre's attendance: %v", err)
		}
		// A lost device is revoked: its token is refused from then on, its
		// punches stay; another centre's manager cannot revoke it.
		if err := e.att.RevokeDevice(e.ctx, e.actor("chengguan.hall"), dev.ID); code(err) != zwfw.ENOTFOUND {
			t.Fatalf("another centre's manager revoked the device: %v", err)
		}
		if err := e.att.RevokeDevice(e.ctx, hall, dev.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.att.RevokeDevice(e.ctx, hall, dev.ID); code(err) != zwfw.ECONFLICT {
			t.Fatalf("revoked twice: %v", err)
		}
		if _, err := e.att.DevicePunch(e.ctx, dev.Token, batch); code(err) != zwfw.EUNAUTHORIZED {
			t.Fatalf("a revoked device punched: %v", err)
		}
		list, err := e.att.Devices(e.ctx, hall)
		if err != nil || len(list) != 1 || list[0].Active || list[0].Token != "" {
			t.Fatalf("devices = %+v, %v", list, err)
		}
	})
}

// 周考勤 computed from punches and leave equals a week counted by hand
// (schedule 09:00–17:00, on duty 10 minutes before opening).
func TestWeekCountedByHand(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		hall := e.actor("county.hall")
		leave := func(who, from, to string) {
			t.Helper()
			lv, err := e.att.RequestLeave(e.ctx, e.actor(who), attendance.LeaveInput{Kind: "personal", From: from, To: to, Reason: "事假"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.att.ActOnLeave(e.ctx, hall, lv.ID, attendance.LeaveApprove, attendance.LeaveActionInput{}); err != nil {
				t.Fatal(err)
			}
		}
		e.at("2026-11-27", "10:00")
		leave("county.windowb", "2026-11-30T09:00", "2026-11-30T17:00")
		leave("county.windowb", "2026-12-01T08:50", "2026-12-01T09:30")
		// A rejected leave excuses nothing.
		lv, err := e.att.RequestLeave(e.ctx, e.actor("county.window"), attendance.LeaveInput{Kind: "sick", From: "2026-12-03T08:00", To: "2026-12-03T18:00", Reason: "病假"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.att.ActOnLeave(e.ctx, hall, lv.ID, attendance.LeaveReject, attendance.LeaveActionInput{Opinion: "窗口无人顶岗"}); err != nil {
			t.Fatal(err)
		}
		for _, p := range []struct{ who, day, hm string }{
			{"county.window", "2026-11-30", "08:45"}, {"county.window", "2026-11-30", "17:05"}, // normal
			{"county.window", "2026-12-01", "08:55"}, {"county.window", "2026-12-01", "17:01"}, // late
			{"county.window", "2026-12-02", "08:40"}, {"county.window", "2026-12-02", "16:30"}, // early
			// 12-03: nothing — absent
			{"county.window", "2026-12-04", "08:45"}, // missing
			// t.windowb: 11-30 on leave all day
			{"county.windowb", "2026-12-01", "09:20"}, {"county.windowb", "2026-12-01", "17:10"}, // late, excused by leave: normal
			{"county.windowb", "2026-12-02", "08:30"}, {"county.windowb", "2026-12-02", "16:00"}, {"county.windowb", "2026-12-02", "16:10"}, // early
			{"county.windowb", "2026-12-03", "08:49"}, {"county.windowb", "2026-12-03", "17:00"}, // normal
			{"county.windowb", "2026-12-04", "09:10"}, {"county.windowb", "2026-12-04", "16:50"}, // late and early
		} {
			e.punch(p.who, p.day, p.hm)
		}
		e.at("2026-12-05", "10:00")
		sum, err := e.att.Summary(e.ctx, hall, "610923C", "2026-11-30", "2026-12-06")
		if err != nil {
			t.Fatal(err)
		}
		type counts struct{ work, normal, late, early, absent, missing, leave int }
		want := map[string]counts{
			"county.window":  {5, 1, 1, 1, 1, 1, 0},
			"county.windowb": {5, 2, 1, 2, 0, 0, 1},
			"county.cashier": {5, 0, 0, 0, 5, 0, 0},
		}
		if len(sum.People) != len(want) {
			t.Fatalf("people = %d, want %d", len(sum.People), len(want))
		}
		for _, p := range sum.People {
			got := counts{p.Workdays, p.Normal, p.Late, p.Early, p.Absent, p.Missing, p.Leave}
			if got != want[p.Staff] {
				t.Errorf("%s: got %+v, want %+v (days %+v)", p.Staff, got, want[p.Staff], p.Days)
			}
		}
		if sum.Punches != 16 {
			t.Errorf("punches = %d, want 16", sum.Punches)
		}
		tot := sum.Totals()
		if tot.Absent != 6 || tot.Late != 2 || tot.Early != 3 {
			t.Errorf("totals = %+v", tot)
		}
		// A 补卡 approved fills the missing punch of Friday.
		e.at("2026-12-05", "10:00")
		k, err := e.att.RequestCorrection(e.ctx, e.actor("county.window"), attendance.CorrectionInput{At: "2026-12-04T17:05", Reason: "指纹机故障未记录"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.att.DecideCorrection(e.ctx, e.actor("county.window"), k.ID, "approve", ""); code(err) != zwfw.EFORBIDDEN {
			t.Fatalf("self-approved correction: %v", err)
		}
		if _, err := e.att.DecideCorrection(e.ctx, hall, k.ID, "approve", "情况属实"); err != nil {
			t.Fatal(err)
		}
		sum, err = e.att.Summary(e.ctx, hall, "610923C", "2026-12-04", "2026-12-04")
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range sum.People {
			if p.Staff == "county.window" && (p.Missing != 0 || p.Normal != 1) {
				t.Errorf("after the correction: %+v", p)
			}
		}
	})
}

// A punch sent twice in the same second is one punch.
func TestPunchTwiceInOneSecond(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		e.at("2026-12-01", "08:45")
		a := e.actor("county.window")
		p1, err1 := e.att.Punch(e.ctx, a)
		p2, err2 := e.att.Punch(e.ctx, a)
		if err1 != nil || err2 != nil || p1.ID != p2.ID {
			t.Fatalf("punches %+v %v, %+v %v", p1, err1, p2, err2)
		}
		if _, err := e.att.Punch(e.ctx, e.actor("resident.wang")); code(err) != zwfw.EFORBIDDEN {
			t.Fatalf("an applicant punched: %v", err)
		}
	})
}

// A window with neither its A nor its B post present in opening hours
// raises a warning to the centre's manager (once), cleared when someone is
// back; a B post covering keeps it attended; outside opening hours nothing.
func TestUnattendedWindowWarning(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		hall := e.actor("county.hall")
		if _, err := e.att.SetPosts(e.ctx, hall, "610923CW01", attendance.PostsInput{A: "county.window", B: "county.windowb"}); err != nil {
			t.Fatal(err)
		}
		notes := func() int {
			var n int
			if err := d.QueryRow(e.ctx, `SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id
				WHERE u.username = 'county.hall' AND n.subject = '窗口无人值守'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		watch := func(wantRaised, wantCleared int) {
			t.Helper()
			r, c, err := e.att.Watch(e.ctx)
			if err != nil || r != wantRaised || c != wantCleared {
				t.Fatalf("watch at %s = raised %d cleared %d (%v), want %d %d", e.now.Format("01-02 15:04"), r, c, err, wantRaised, wantCleared)
			}
		}
		e.at("2026-12-01", "08:30") // before opening
		watch(0, 0)
		e.at("2026-12-01", "09:01")
		watch(1, 0)
		e.at("2026-12-01", "09:02")
		watch(0, 0) // still standing: not raised again
		if notes() != 1 {
			t.Fatalf("manager told %d times, want 1", notes())
		}
		list, err := e.att.WindowStates(e.ctx, hall)
		if err != nil {
			t.Fatal(err)
		}
		var cw01 *attendance.WindowState
		for _, w := range list {
			if w.Window == "610923CW01" {
				cw01 = w
			}
		}
		if cw01 == nil || cw01.State != attendance.WindowUnattended || cw01.Since.IsZero() {
			t.Fatalf("hall view = %+v", cw01)
		}
		if _, err := e.att.WindowStates(e.ctx, e.actor("county.window")); code(err) != zwfw.EFORBIDDEN {
			t.Fatalf("window staff read the hall view: %v", err)
		}
		e.punch("county.windowb", "2026-12-01", "09:05") // B is in: attended
		watch(0, 1)
		// A on leave that has started, B covering: attended.
		e.punch("county.window", "2026-12-01", "09:10")
		lv, err := e.att.RequestLeave(e.ctx, e.actor("county.window"), attendance.LeaveInput{Kind: "sick", From: "2026-12-01T09:30", To: "2026-12-01T17:00", Reason: "就医"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.att.ActOnLeave(e.ctx, hall, lv.ID, attendance.LeaveApprove, attendance.LeaveActionInput{}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.att.TakeOver(e.ctx, e.actor("county.windowb"), "610923CW01"); err != nil {
			t.Fatal(err)
		}
		e.at("2026-12-01", "09:31")
		if _, err := e.att.ActOnLeave(e.ctx, e.actor("county.window"), lv.ID, attendance.LeaveStart, attendance.LeaveActionInput{}); err != nil {
			t.Fatal(err)
		}
		watch(0, 0)
		// B hands back while A is away: nobody at the window.
		if err := e.att.HandBack(e.ctx, e.actor("county.windowb"), "610923CW01"); err != nil {
			t.Fatal(err)
		}
		e.at("2026-12-02", "10:00") // next day: nobody punched yet
		watch(1, 0)
		e.at("2026-12-02", "18:00") // closed: the warning is cleared
		watch(0, 1)
	})
}

// The staff board (公示牌): the manager sets a staff number and a photo,
// which the server crops to 3:4 and shrinks to 300×400; anything that is
// not a photo, or claims a giant picture, is refused and changes nothing;
// another centre's manager cannot touch it.
func TestStaffBoard(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		fs, err := files.NewStore(filepath.Join(t.TempDir(), "board-files"), d, func() time.Time { return e.now })
		if err != nil {
			t.Fatal(err)
		}
		hall := e.actor("county.hall")
		if err := e.att.SetProfile(e.ctx, hall, "county.window", attendance.ProfileInput{StaffNo: "NS-0101", Qualifications: "政务服务职业技能等级证书"}); err != nil {
			t.Fatal(err)
		}
		if err := e.att.SetProfile(e.ctx, e.actor("chengguan.hall"), "county.window", attendance.ProfileInput{StaffNo: "X"}); code(err) != zwfw.ENOTFOUND {
			t.Fatalf("another centre's manager set the profile: %v", err)
		}
		wide := image.NewRGBA(image.Rect(0, 0, 800, 600))
		var png bytes.Buffer
		if err := pngenc.Encode(&png, wide); err != nil {
			t.Fatal(err)
		}
		sha, err := e.att.SetPhoto(e.ctx, hall, fs, "county.window", png.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		f, err := fs.Open(sha)
		if err != nil {
			t.Fatal(err)
		}
		cfg, format, err := image.DecodeConfig(f)
		f.Close()
		if err != nil || format != "jpeg" || cfg.Width != 300 || cfg.Height != 400 {
			t.Fatalf("stored photo %s %dx%d (%v)", format, cfg.Width, cfg.Height, err)
		}
		if !e.att.IsBoardPhoto(e.ctx, sha) {
			t.Fatal("the photo is not served as a board photo")
		}
		// A PNG header claiming 100000×100000 pixels, and a text file.
		giant := append([]byte{}, png.Bytes()[:33]...)
		binary.BigEndian.PutUint32(giant[16:], 100000)
		binary.BigEndian.PutUint32(giant[20:], 100000)
		for name, b := range map[string][]byte{"giant": giant, "text": []byte("不是照片，是一段文字"), "empty": nil} {
			if _, err := e.att.SetPhoto(e.ctx, hall, fs, "county.window", b); code(err) != zwfw.EINVALID {
				t.Errorf("%s photo: %v", name, err)
			}
		}
		_, list, err := e.att.Board(e.ctx, "610923C")
		if err != nil {
			t.Fatal(err)
		}
		var me *attendance.BoardEntry
		for _, b := range list {
			if b.Username == "county.window" {
				me = b
			}
		}
		if me == nil || me.StaffNo != "NS-0101" || me.Photo != "/boards/photos/"+sha || me.Post != "" {
			t.Fatalf("board entry = %+v", me)
		}
	})
}

// A window whose staff call tickets without having punched in is being
// worked: the watch shows it as such and raises no warning.
func TestCallingWindowIsAttended(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		e.att.SetActivity(e.hall.Busy)
		if _, err := e.att.SetPosts(e.ctx, e.actor("county.hall"), "610923CW01", attendance.PostsInput{A: "county.window", B: "county.windowb"}); err != nil {
			t.Fatal(err)
		}
		e.at("2026-12-01", "09:20")
		_, cats, err := e.hall.Categories(e.ctx, "610923C", false)
		if err != nil || len(cats) == 0 {
			t.Fatalf("categories: %v", err)
		}
		if _, err := e.hall.Take(e.ctx, "610923C", hall.TakeInput{CategoryID: cats[0].ID, Channel: "kiosk"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.hall.Act(e.ctx, e.actor("county.window"), "610923CW01", hall.ActNext); err != nil {
			t.Fatal(err)
		}
		if r, _, err := e.att.Watch(e.ctx); err != nil || r != 0 {
			t.Fatalf("watch raised %d (%v) at a window calling tickets", r, err)
		}
		list, err := e.att.WindowStates(e.ctx, e.actor("county.hall"))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range list {
			if w.Window == "610923CW01" && w.State != attendance.WindowBusy {
				t.Fatalf("window state %s, want %s", w.State, attendance.WindowBusy)
			}
		}
	})
}
