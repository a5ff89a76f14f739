package app_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	pngenc "image/png"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/account/ident"
	"zwfw/internal/app/apptest"
	"zwfw/internal/attendance"
	"zwfw/internal/casework"
	"zwfw/internal/db"
	"zwfw/internal/files"
	"zwfw/internal/org"
	"zwfw/internal/supervision"
)

// fixtures are the objects the matrix calls routes on, one set per scope,
// made through the services before the first call. Objects an allowed call
// uses up (a case accepted, a draft deleted, an item cancelled) come from
// take: after a call that succeeded, the next one gets a new object.
type fixtures struct {
	t   *testing.T
	e   *apptest.Env
	c2  *apptest.County
	ctx context.Context

	region    map[scope]string // the region node: county, town, town, county
	centre    map[scope]string // the service centre cases are filed at
	window    map[scope]string // a comprehensive window of that centre
	supervise map[scope]string // a supervisor whose subtree holds the scope
	applicant map[scope]string // who files the scope's online cases
	item      map[scope]string // the item those cases are for
	feeItem   map[scope]string // the same with a fee
	user      map[scope]string // a staff account of the scope to administer
	paths     map[string]string

	cases    map[scope]map[string]string // stable cases by status, only read
	overdue  map[scope]string            // a case accepted long ago, with its red warning
	notice   map[scope]int64             // a notice of cases[sc][accepted]
	file     map[scope]int64             // a material file of cases[sc][submitted]
	report   map[scope]int64             // a published daily report of the region
	errorRec map[scope]int64             // a registered error at the scope's window
	evidence map[scope]int64             // its evidence file
	leave    map[scope]int64             // a pending leave of the scope's window staff (matrix.<scope>)
	punchFix map[scope]int64             // a pending 补卡 request of the same
	photo    string                      // a board photo (matrix.county's)
	device   map[scope]int64             // an attendance device of the scope's centre
	itemSHA  string                      // a catalog attachment
	asset    string                      // a static asset URL

	fresh   map[string]string // consumable objects by key
	used    []string          // keys the current call took
	windows map[string]string // the window of each staff account
	seq     int               // numbers new codes
}

// The county's own items for the matrix (宁陕县市场监管局): the seed's
// items are kept out of the way of the demo pages.
const (
	matrixItem    = "019923000001"
	matrixFeeItem = "019923000002"
)

func newFixtures(t *testing.T, e *apptest.Env) *fixtures {
	t.Helper()
	ctx := context.Background()
	x := &fixtures{t: t, e: e, ctx: ctx, paths: map[string]string{}, fresh: map[string]string{}, windows: map[string]string{},
		cases: map[scope]map[string]string{}, notice: map[scope]int64{}, file: map[scope]int64{},
		report: map[scope]int64{}, errorRec: map[scope]int64{}, evidence: map[scope]int64{}, overdue: map[scope]string{},
		leave: map[scope]int64{}, punchFix: map[scope]int64{}, device: map[scope]int64{}}
	x.c2 = apptest.SecondCounty(t, e)
	for _, it := range []struct {
		code, name string
		fee        bool
	}{{matrixItem, "矩阵测试经营许可", false}, {matrixFeeItem, "矩阵测试收费许可", true}} {
		if _, err := e.App.Catalog.Create(ctx, zwfw.System, apptest.TestItem(it.code, it.name, "610923D01", it.fee), "授权矩阵测试事项"); err != nil {
			t.Fatal(err)
		}
	}
	// A resident of 四亩地镇, whose cases nobody of the matrix owns.
	id := "61092319910101003"
	if _, err := e.App.Users.RegisterTrusted(ctx, account.RegisterInput{Username: "sidimu.resident", Password: apptest.DemoPassword,
		Name: "李四亩", Phone: "13991560033", IDNumber: id + string(ident.IDCheckDigit(id))}); err != nil {
		t.Fatal(err)
	}
	x.region = map[scope]string{inCounty: "610923", inTown: "610923100", inTown2: "610923101", inCounty2: x.c2.Code}
	x.centre = map[scope]string{inCounty: "610923C", inTown: "610923100C", inTown2: "610923101C", inCounty2: x.c2.Centre}
	x.window = map[scope]string{inCounty: "610923CW01", inTown: "610923100CW01", inTown2: "610923101CW01", inCounty2: x.c2.Window}
	x.supervise = map[scope]string{inCounty: "county.supervisor", inTown: "chengguan.supervisor", inTown2: "county.supervisor",
		inCounty2: x.c2.Staff[zwfw.RoleSupervisor]}
	x.applicant = map[scope]string{inCounty: "resident.wang", inTown: "enterprise.qinling", inTown2: "sidimu.resident", inCounty2: x.c2.Applicant}
	x.item = map[scope]string{inCounty: matrixItem, inTown: matrixItem, inTown2: matrixItem, inCounty2: x.c2.Item}
	x.feeItem = map[scope]string{inCounty: matrixFeeItem, inTown: matrixFeeItem, inTown2: matrixFeeItem, inCounty2: x.c2.FeeItem}

	// A staff account per scope for the administration routes.
	x.user = map[scope]string{}
	for _, sc := range allScopes {
		name := "matrix." + string(sc)
		if _, err := e.App.Users.CreateStaff(ctx, zwfw.System, account.UserInput{Username: name, Password: apptest.DemoPassword,
			Name: "矩阵" + string(sc), Phone: "0915-6826789", Roles: []string{zwfw.RoleWindow}, OrgCode: x.centre[sc], WindowCode: x.window[sc], Post: "测试"}); err != nil {
			t.Fatal(err)
		}
		x.user[sc] = name
	}

	// The account the sign-in rows sign in (no other row changes it).
	if _, err := e.App.Users.CreateStaff(ctx, zwfw.System, account.UserInput{Username: "matrix.login", Password: apptest.DemoPassword,
		Name: "矩阵登录", Phone: "0915-6826789", Roles: []string{zwfw.RoleWindow}, OrgCode: x.centre[inCounty], WindowCode: x.window[inCounty], Post: "测试"}); err != nil {
		t.Fatal(err)
	}
	// 四亩地镇's supervisor.
	if _, err := e.App.Users.CreateStaff(ctx, zwfw.System, account.UserInput{Username: "sidimu.supervisor", Password: apptest.DemoPassword,
		Name: "四亩地监察", Phone: "0915-6826789", Roles: []string{zwfw.RoleSupervisor}, OrgCode: x.region[inTown2], Post: "镇纪委"}); err != nil {
		t.Fatal(err)
	}

	for _, sc := range allScopes {
		x.cases[sc] = map[string]string{}
		for _, st := range []string{casework.Submitted, casework.SupplementRequired, casework.Accepted, casework.InProgress, casework.Completed} {
			x.cases[sc][st] = e.Case(t, x.applicant[sc], x.item[sc], x.centre[sc], st)
		}
		c, err := e.App.Cases.Get(ctx, zwfw.System, x.cases[sc][casework.Accepted])
		if err != nil || len(c.Notices) == 0 {
			t.Fatalf("%s: accepted case without notice: %v", sc, err)
		}
		x.notice[sc] = c.Notices[0].ID
		c, err = e.App.Cases.Get(ctx, zwfw.System, x.cases[sc][casework.Submitted])
		if err != nil || len(c.Materials) == 0 || c.Materials[0].FileID == 0 {
			t.Fatalf("%s: submitted case without a material file: %v", sc, err)
		}
		x.file[sc] = c.Materials[0].FileID

		rep, err := e.App.Reports.GenerateReport(ctx, zwfw.System, supervision.Daily, "2026-09-28", x.region[sc])
		if err != nil {
			t.Fatalf("%s: report: %v", sc, err)
		}
		x.report[sc] = rep.ID
		sup := e.Actor(t, x.supervise[sc])
		f, err := e.App.Files.PutBytes(ctx, sup, "evidence.pdf", fmt.Appendf(nil, "%%PDF-1.4\n%% evidence %s\n%%%%EOF\n", sc), files.PurposeEvidence)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := e.App.Errors.Register(ctx, sup, supervision.ErrorInput{Kind: "attitude", Window: x.window[sc],
			Description: "授权矩阵测试登记的差错", Evidence: []int64{f.ID}})
		if err != nil {
			t.Fatalf("%s: register error: %v", sc, err)
		}
		x.errorRec[sc] = rec.ID
		if len(rec.Evidence) == 0 {
			t.Fatalf("%s: error without evidence", sc)
		}
		x.evidence[sc] = rec.Evidence[0].ID

		staff := e.Actor(t, x.user[sc])
		lv, err := e.App.Attendance.RequestLeave(ctx, staff, attendance.LeaveInput{Kind: "personal",
			From: "2026-10-12T09:00", To: "2026-10-12T17:00", Reason: "授权矩阵测试请假"})
		if err != nil {
			t.Fatalf("%s: leave: %v", sc, err)
		}
		x.leave[sc] = lv.ID
		k, err := e.App.Attendance.RequestCorrection(ctx, staff, attendance.CorrectionInput{At: e.App.Now().Add(-24 * time.Hour).Format(time.RFC3339), Reason: "授权矩阵测试补卡"})
		if err != nil {
			t.Fatalf("%s: correction: %v", sc, err)
		}
		x.punchFix[sc] = k.ID
		dev, err := e.App.Attendance.RegisterDevice(ctx, e.Actor(t, "admin"), x.centre[sc], "矩阵考勤机")
		if err != nil {
			t.Fatalf("%s: device: %v", sc, err)
		}
		x.device[sc] = dev.ID
	}
	// A photo on the county centre's board.
	img := image.NewRGBA(image.Rect(0, 0, 120, 160))
	var png bytes.Buffer
	if err := pngenc.Encode(&png, img); err != nil {
		t.Fatal(err)
	}
	photo, err := e.App.Attendance.SetPhoto(ctx, e.Actor(t, "county.hall"), e.App.Files, x.user[inCounty], png.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	x.photo = photo
	x.moveVillage()

	// An overdue case per scope, filed forty days ago, and the warnings
	// the scan gives them.
	clockOffset.Store(int64(-40 * 24 * time.Hour))
	for _, sc := range allScopes {
		x.overdue[sc] = e.Case(t, x.applicant[sc], x.item[sc], x.centre[sc], casework.Accepted)
	}
	clockOffset.Store(0)
	if _, err := e.App.Warnings.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	it, err := e.App.Catalog.Get(ctx, "010100100000")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range it.Materials {
		if m.BlankForm != nil {
			x.itemSHA = m.BlankForm.SHA256
			break
		}
	}
	if x.itemSHA == "" {
		t.Fatal("no catalog attachment to download")
	}
	_, body, _ := (&actor{web: httpClient()}).do(t, x, request{method: "GET", path: "/"})
	m := regexp.MustCompile(`/static/[^"/]+/[^"]+\.css`).FindString(body)
	if m == "" {
		t.Fatal("no static asset on the home page")
	}
	x.asset = m
	x.prepareLicences() // 电子证照 (authz_licence_test.go)
	return x
}

// moveVillage files cases at 东关社区 (a village of 城关镇), reads them so
// that every cache holds them, then moves the village under 四亩地镇 as
// the city's administrator would: the scope inMoved.
func (x *fixtures) moveVillage() {
	const village = "610923100001"
	x.region[inMoved], x.centre[inMoved], x.window[inMoved] = village, village+"C", village+"CW01"
	x.applicant[inMoved], x.item[inMoved] = "sidimu.resident", matrixItem
	x.cases[inMoved] = map[string]string{}
	for _, st := range []string{casework.Submitted, casework.Accepted} {
		s := x.e.Case(x.t, x.applicant[inMoved], x.item[inMoved], x.centre[inMoved], st)
		x.cases[inMoved][st] = s
		c, err := x.e.App.Cases.Get(x.ctx, zwfw.System, s)
		if err != nil {
			x.t.Fatal(err)
		}
		if st == casework.Submitted {
			x.file[inMoved] = c.Materials[0].FileID
		} else {
			x.notice[inMoved] = c.Notices[0].ID
		}
	}
	in := x.orgInput(village, true)
	in.ParentCode = x.region[inTown2]
	if _, err := x.e.App.Orgs.Update(x.ctx, zwfw.System, village, in); err != nil {
		x.t.Fatalf("move %s: %v", village, err)
	}
}

// path is the materialised path of an organisation.
func (x *fixtures) path(code string) string {
	if p, ok := x.paths[code]; ok {
		return p
	}
	o, err := x.e.App.Orgs.ByCode(x.ctx, code)
	if err != nil {
		x.t.Fatalf("org %s: %v", code, err)
	}
	x.paths[code] = o.Path
	return o.Path
}

// take returns the consumable object of key, making it with make when there
// is none; a call that succeeds uses up every object it took.
func (x *fixtures) take(key string, make func() string) string {
	v, ok := x.fresh[key]
	if !ok {
		v = make()
		x.fresh[key] = v
	}
	x.used = append(x.used, key)
	return v
}

// consume forgets the objects the last call took.
func (x *fixtures) consume() {
	for _, k := range x.used {
		delete(x.fresh, k)
	}
}

// caseIn is a fresh case of the scope in status (for actions that change
// it).
func (x *fixtures) caseIn(sc scope, status string) string {
	return x.take("case:"+string(sc)+":"+status, func() string {
		item := x.item[sc]
		if status == casework.AwaitingPayment {
			item = x.feeItem[sc]
		}
		if status != "extension" {
			return x.e.Case(x.t, x.applicant[sc], item, x.centre[sc], status)
		}
		// Accepted, with an extension waiting for the supervisor.
		serial := x.e.Case(x.t, x.applicant[sc], item, x.centre[sc], casework.Accepted)
		if _, err := x.e.App.Cases.Act(x.ctx, zwfw.System, serial, casework.ActRequestExtension,
			casework.ActionInput{Days: 5, Opinion: "需征求相关部门意见"}); err != nil {
			x.t.Fatal(err)
		}
		return serial
	})
}

// draftOf is a fresh draft of the scope's applicant.
func (x *fixtures) draftOf(sc scope) string {
	return x.take("draft:"+string(sc), func() string {
		d, err := x.e.App.Cases.SaveDraft(x.ctx, x.e.Actor(x.t, x.applicant[sc]), 0,
			casework.ApplyInput{ItemCode: x.item[sc], OrgCode: x.centre[sc], Form: casework.Form{Description: "草稿"}})
		if err != nil {
			x.t.Fatalf("draft of %s: %v", x.applicant[sc], err)
		}
		return strconv.FormatInt(d.ID, 10)
	})
}

// windowOrg is a fresh window of the scope's centre, to change or
// deactivate.
func (x *fixtures) windowOrg(sc scope) string {
	return x.take("window:"+string(sc), func() string {
		n := len(x.fresh) + len(x.paths)
		code := fmt.Sprintf("%sW9%d", x.centre[sc], n)
		for {
			if _, err := x.e.App.Orgs.ByCode(x.ctx, code); err != nil {
				break
			}
			n++
			code = fmt.Sprintf("%sW9%d", x.centre[sc], n)
		}
		if _, err := x.e.App.Orgs.Create(x.ctx, zwfw.System, org.Input{Code: code, ParentCode: x.centre[sc], Kind: org.KindWindow,
			Name: "矩阵窗口", WindowType: org.WindowComprehensive, Sort: 90}); err != nil {
			x.t.Fatal(err)
		}
		return code
	})
}

// itemOf is a fresh item of the scope's department, to change or cancel.
func (x *fixtures) itemOf(sc scope) string {
	return x.take("item:"+string(sc), func() string {
		code := x.newItemCode(sc)
		if _, err := x.e.App.Catalog.Create(x.ctx, zwfw.System, apptest.TestItem(code, "矩阵可变事项"+code, x.dept(sc), false), "授权矩阵测试事项"); err != nil {
			x.t.Fatal(err)
		}
		return code
	})
}

// dept is the department the scope's items belong to.
func (x *fixtures) dept(sc scope) string {
	if sc == inCounty2 {
		return x.c2.Dept
	}
	return "610923D01"
}

// worksAt is the window code of a staff account ("" when none).
func (x *fixtures) worksAt(username string) string {
	if w, ok := x.windows[username]; ok {
		return w
	}
	u, err := x.e.App.Users.ByUsername(x.ctx, username)
	if err != nil {
		x.t.Fatal(err)
	}
	x.windows[username] = u.WindowCode
	return u.WindowCode
}

// newCode is a code (or username) with prefix that nothing uses yet.
func (x *fixtures) newCode(prefix string) string {
	x.seq++
	return fmt.Sprintf("%s%d", prefix, x.seq)
}

// newItemCode is a new item code of the scope's department.
func (x *fixtures) newItemCode(sc scope) string {
	x.seq++
	return fmt.Sprintf("0198%s%06d", map[scope]string{inCounty: "23", inTown: "24", inTown2: "25", inCounty2: "22"}[sc], x.seq)
}

// newApplicant is a valid registration nobody has used.
func (x *fixtures) newApplicant() map[string]string {
	x.seq++
	id := fmt.Sprintf("6109231990%02d%02d%03d", 1+x.seq%12, 1+x.seq%28, 100+x.seq)
	phone := fmt.Sprintf("139915%05d", x.seq)
	return map[string]string{"username": fmt.Sprintf("matrix.reg%d", x.seq), "password": "Matrix@2026pw", "name": "矩阵注册",
		"phone": phone, "id_number": id + string(ident.IDCheckDigit(id)),
		// The phone verified by its code, the privacy notice agreed to.
		"sms_code": x.e.SMSCode(x.t, account.CodeRegister, phone), "privacy_version": account.PrivacyVersion}
}

// orgInput is an organisation as it is, for a change that changes nothing
// but (when active is false) deactivates it.
func (x *fixtures) orgInput(code string, active bool) org.Input {
	o, err := x.e.App.Orgs.ByCode(x.ctx, code)
	if err != nil {
		x.t.Fatal(err)
	}
	return org.Input{Code: o.Code, ParentCode: o.ParentCode, Kind: o.Kind, Name: o.Name, FullName: o.FullName, Sort: o.Sort,
		CreditCode: o.CreditCode, DeptCode: o.DeptCode, WindowType: o.WindowType, Phone: o.Phone, Address: o.Address,
		Hours: o.Hours, Active: &active}
}

// orgForm is the edit form of an organisation as it is.
func (x *fixtures) orgForm(code string) url.Values {
	in := x.orgInput(code, true)
	return url.Values{"code": {in.Code}, "kind": {in.Kind}, "name": {in.Name}, "full_name": {in.FullName}, "sort": {strconv.Itoa(in.Sort)},
		"credit_code": {in.CreditCode}, "phone": {in.Phone}, "address": {in.Address}, "hours": {in.Hours}, "active": {"1"},
		"window_type": {in.WindowType}, "dept_code": {in.DeptCode}}
}

// reactivate turns an organisation deactivated by an allowed call on again.
func (x *fixtures) reactivate(code string) {
	if _, err := x.e.App.Orgs.Update(x.ctx, zwfw.System, code, x.orgInput(code, true)); err != nil {
		x.t.Fatalf("reactivate %s: %v", code, err)
	}
}

// userInput is the scope's staff account as it is.
func (x *fixtures) userInput(sc scope) account.UserInput {
	u, err := x.e.App.Users.ByUsername(x.ctx, x.user[sc])
	if err != nil {
		x.t.Fatal(err)
	}
	yes := true
	return account.UserInput{Username: u.Username, Name: u.Name, Phone: u.Phone, Roles: u.Roles, OrgCode: u.OrgCode,
		WindowCode: u.WindowCode, Post: u.Post, Active: &yes}
}

// userForm is its edit form.
func (x *fixtures) userForm(sc scope) url.Values {
	in := x.userInput(sc)
	return url.Values{"username": {in.Username}, "name": {in.Name}, "phone": {in.Phone}, "roles": in.Roles, "org_code": {in.OrgCode},
		"window_code": {in.WindowCode}, "post": {in.Post}, "active": {"1"}}
}

// itemVersion is the current version of an item.
func (x *fixtures) itemVersion(code string) int {
	v, err := x.e.App.Catalog.CurrentVersion(x.ctx, code)
	if err != nil {
		x.t.Fatal(err)
	}
	return v
}

// version is the current version of a case.
func (x *fixtures) version(serial string) int {
	c, err := x.e.App.Cases.Get(x.ctx, zwfw.System, serial)
	if err != nil {
		x.t.Fatal(err)
	}
	return c.Version
}

// queryCode is the query code of a case.
func (x *fixtures) queryCode(serial string) string {
	c, err := x.e.App.Cases.Get(x.ctx, zwfw.System, serial)
	if err != nil {
		x.t.Fatal(err)
	}
	return c.QueryCode
}

// reportNumber is the number (文号) of the scope's report, as lists show it.
func (x *fixtures) reportNumber(sc scope) string {
	rep, err := x.e.App.Reports.Get(x.ctx, zwfw.System, x.report[sc])
	if err != nil {
		x.t.Fatal(err)
	}
	return rep.Number
}

// applyBody is an application at the scope's centre: online (the
// materials posted), or with walkIn a window's for a walk-in applicant
// (the paper handed in).
func (x *fixtures) applyBody(sc scope, walkIn bool) map[string]any {
	b := map[string]any{"item_code": x.item[sc], "org_code": x.centre[sc], "form": map[string]any{"description": "矩阵测试申请"},
		"materials": []map[string]string{{"name": "申请书", "handed_in": "post"}}}
	if walkIn {
		id := "61092319800101001"
		b["applicant"] = map[string]string{"name": "代办测试", "id_number": id + string(ident.IDCheckDigit(id)), "phone": "13991561111"}
		b["materials"] = []map[string]string{{"name": "申请书", "handed_in": "window"}}
	}
	return b
}

// errorIn is a fresh registered error at the scope's window (for a
// decision that closes it).
func (x *fixtures) errorIn(sc scope) string {
	return x.take("error:"+string(sc), func() string {
		rec, err := x.e.App.Errors.Register(x.ctx, x.e.Actor(x.t, x.supervise[sc]), supervision.ErrorInput{Kind: "attitude",
			Window: x.window[sc], Description: "授权矩阵测试登记的差错"})
		if err != nil {
			x.t.Fatal(err)
		}
		return strconv.FormatInt(rec.ID, 10)
	})
}

// freshUser is a fresh staff account of the scope (to move elsewhere).
func (x *fixtures) freshUser(sc scope) string {
	return x.take("user:"+string(sc), func() string {
		name := x.newCode("matrix.move")
		if _, err := x.e.App.Users.CreateStaff(x.ctx, zwfw.System, account.UserInput{Username: name, Password: apptest.DemoPassword,
			Name: "矩阵调动", Phone: "0915-6826789", Roles: []string{zwfw.RoleWindow}, OrgCode: x.centre[sc], WindowCode: x.window[sc], Post: "测试"}); err != nil {
			x.t.Fatal(err)
		}
		return name
	})
}

// expiredUser is a staff account of the scope's centre whose password
// was set 100 days ago (made once; nothing changes it).
func (x *fixtures) expiredUser(sc scope) string {
	name := "matrix.expired." + string(sc)
	if _, err := x.e.App.Users.ByUsername(x.ctx, name); err == nil {
		return name
	}
	if _, err := x.e.App.Users.CreateStaff(x.ctx, zwfw.System, account.UserInput{Username: name, Password: apptest.DemoPassword,
		Name: "矩阵过期", Phone: "0915-6826789", Roles: []string{zwfw.RoleWindow}, OrgCode: x.centre[sc], WindowCode: x.window[sc], Post: "测试"}); err != nil {
		x.t.Fatal(err)
	}
	if _, err := x.e.App.DB.Exec(x.ctx, "UPDATE users SET password_changed_at = ? WHERE username = ?",
		db.Millis(fixedNow().AddDate(0, 0, -100)), name); err != nil {
		x.t.Fatal(err)
	}
	return name
}

// auditMark writes an audit entry about the scope's case (the system
// reveals its applicant's number with a unique reason) and returns the
// reason, to find the entry in the log.
func (x *fixtures) auditMark(sc scope) string {
	reason := x.newCode("矩阵审计标记")
	if _, err := x.e.App.Cases.RevealIdent(x.ctx, zwfw.System, x.cases[sc][casework.Submitted], reason); err != nil {
		x.t.Fatal(err)
	}
	return reason
}

func httpClient() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// seesCaseOf reports whether the staff account user sees a case of the
// applicant (casework's list, searched by the applicant's name). It is
// asked at the time of the call: rows before may have filed the applicant's
// cases elsewhere (an applicant applies online anywhere).
func (x *fixtures) seesCaseOf(user, applicant string) bool {
	u, err := x.e.App.Users.ByUsername(x.ctx, applicant)
	if err != nil {
		x.t.Fatalf("applicant %s: %v", applicant, err)
	}
	n, err := x.e.App.Cases.Count(x.ctx, x.e.Actor(x.t, user), casework.Query{Q: u.Name})
	if err != nil {
		x.t.Fatalf("cases of %s seen by %s: %v", applicant, user, err)
	}
	return n > 0
}
