package apptest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/account/ident"
	"zwfw/internal/casework"
	"zwfw/internal/catalog"
	"zwfw/internal/files"
	"zwfw/internal/org"
)

// County is a second county seeded beside 宁陕县 under the same city, with
// the same shape: a county service centre with a window and a bank
// window, a department, a town with its centre and window, staff in every
// role, a registered resident, its own service items and cases in several
// statuses. Tests of scope use it as "another county": nothing in it may be
// seen or changed by 宁陕县's staff, and nothing of 宁陕县 by its staff.
type County struct {
	Code       string // the county (石泉县)
	Centre     string // 县政务服务中心
	Window     string // its comprehensive window
	PayWindow  string // its bank window (收缴分离)
	Dept       string // 市场监管局
	Town       string // 城关镇
	TownCentre string // 城关镇便民服务中心
	TownWindow string // its comprehensive window

	// Staff are the county's staff by role (zwfw.RoleWindow …), one each;
	// TownStaff the town's window clerk.
	Staff     map[string]string
	TownStaff string

	Applicant string // a resident registered in the county
	Item      string // a promised item of Dept, for county and town centres, without fee
	FeeItem   string // the same with a fee, to wait for payment

	// Cases are serials by status, filed online by Applicant at Centre for
	// Item (FeeItem for awaiting_payment); TownCase is one submitted at
	// TownCentre.
	Cases    map[string]string
	TownCase string
}

// SecondCountyStatuses are the statuses SecondCounty puts a case in.
var SecondCountyStatuses = []string{casework.Submitted, casework.SupplementRequired, casework.Accepted, casework.InProgress,
	casework.Suspended, casework.AwaitingPayment, casework.Completed, casework.Archived}

// SecondCounty seeds 石泉县 (610922) into e, through the services and as
// the system, as an administrator would set a county up. Call it once per
// instance.
func SecondCounty(t testing.TB, e *Env) *County {
	t.Helper()
	ctx := context.Background()
	c := &County{Code: "610922", Centre: "610922C", Window: "610922CW01", PayWindow: "610922CW11", Dept: "610922D01",
		Town: "610922100", TownCentre: "610922100C", TownWindow: "610922100CW01",
		Staff: map[string]string{}, TownStaff: "shiquan.town.window", Applicant: "shiquan.resident",
		Item: "019922000001", FeeItem: "019922000002", Cases: map[string]string{}}
	orgs := []org.Input{
		{Code: c.Code, ParentCode: "610900", Kind: org.KindCounty, Name: "石泉县", FullName: "石泉县人民政府", Sort: 2, Phone: "0915-6312345"},
		{Code: c.Dept, ParentCode: c.Code, Kind: org.KindDept, Name: "市场监管局", FullName: "石泉县市场监督管理局", Sort: 1, Phone: "0915-6311125"},
		{Code: c.Centre, ParentCode: c.Code, Kind: org.KindCentre, Name: "县政务服务中心", FullName: "石泉县政务服务中心", Sort: 100, Phone: "0915-6316789", Address: "石泉县城关镇"},
		{Code: c.Window, ParentCode: c.Centre, Kind: org.KindWindow, Name: "综合受理窗口一", WindowType: org.WindowComprehensive, Sort: 1},
		{Code: c.PayWindow, ParentCode: c.Centre, Kind: org.KindWindow, Name: "银行收费窗口", WindowType: org.WindowPayment, Sort: 11},
		{Code: c.Town, ParentCode: c.Code, Kind: org.KindTown, Name: "城关镇", FullName: "石泉县城关镇人民政府", Sort: 200, Phone: "0915-6321120"},
		{Code: c.TownCentre, ParentCode: c.Town, Kind: org.KindCentre, Name: "城关镇便民服务中心", FullName: "石泉县城关镇便民服务中心", Sort: 100, Phone: "0915-6321120"},
		{Code: c.TownWindow, ParentCode: c.TownCentre, Kind: org.KindWindow, Name: "综合窗口", WindowType: org.WindowComprehensive, Sort: 1},
	}
	for _, in := range orgs {
		if _, err := e.App.Orgs.Create(ctx, zwfw.System, in); err != nil {
			t.Fatalf("second county: org %s: %v", in.Code, err)
		}
	}
	staff := []account.UserInput{
		{Username: "shiquan.window", Name: "石窗口", Roles: []string{zwfw.RoleWindow}, OrgCode: c.Centre, WindowCode: c.Window},
		{Username: "shiquan.reviewer", Name: "石审核", Roles: []string{zwfw.RoleReviewer}, OrgCode: c.Dept},
		{Username: "shiquan.supervisor", Name: "石监察", Roles: []string{zwfw.RoleSupervisor}, OrgCode: c.Code},
		{Username: "shiquan.catalog", Name: "石事项", Roles: []string{zwfw.RoleCatalogAdmin}, OrgCode: c.Code},
		{Username: "shiquan.cashier", Name: "石收费", Roles: []string{zwfw.RoleCashier}, OrgCode: c.Centre, WindowCode: c.PayWindow},
		{Username: "shiquan.admin", Name: "石管理", Roles: []string{zwfw.RoleAdmin}, OrgCode: c.Code},
		{Username: c.TownStaff, Name: "石镇窗口", Roles: []string{zwfw.RoleWindow}, OrgCode: c.TownCentre, WindowCode: c.TownWindow},
	}
	for _, in := range staff {
		in.Password, in.Phone, in.Post = DemoPassword, "0915-6316789", "测试岗位"
		if _, err := e.App.Users.CreateStaff(ctx, zwfw.System, in); err != nil {
			t.Fatalf("second county: staff %s: %v", in.Username, err)
		}
		if in.Username != c.TownStaff {
			c.Staff[in.Roles[0]] = in.Username
		}
	}
	id := "61092219900101002"
	if _, err := e.App.Users.RegisterTrusted(ctx, account.RegisterInput{Username: c.Applicant, Password: DemoPassword, Name: "陈石泉",
		Phone: "13991560022", IDNumber: id + string(ident.IDCheckDigit(id))}); err != nil {
		t.Fatalf("second county: applicant: %v", err)
	}
	for _, it := range []*catalog.Item{TestItem(c.Item, "石泉县测试经营许可", c.Dept, false), TestItem(c.FeeItem, "石泉县测试收费许可", c.Dept, true)} {
		if _, err := e.App.Catalog.Create(ctx, zwfw.System, it, "测试用的第二个县的事项"); err != nil {
			t.Fatalf("second county: item %s: %v", it.Code, err)
		}
	}
	for _, st := range SecondCountyStatuses {
		item := c.Item
		if st == casework.AwaitingPayment {
			item = c.FeeItem
		}
		c.Cases[st] = e.Case(t, c.Applicant, item, c.Centre, st)
	}
	c.TownCase = e.Case(t, c.Applicant, c.Item, c.TownCentre, casework.Submitted)
	return c
}

// TestItem is a complete, valid promised item of dept for county, town and
// village centres, with one required material (the application form) and,
// when fee is set, a fee of ten yuan.
func TestItem(code, name, dept string, fee bool) *catalog.Item {
	it := &catalog.Item{
		Code: code, ImplCode: code + "-" + dept + "-1-00",
		Name: name, Type: "01", Kind: catalog.KindPromised, Dept: dept,
		Levels: []string{catalog.LevelCounty, catalog.LevelTown, catalog.LevelVillage}, Audience: []string{"person", "enterprise"},
		Basis:      []catalog.Basis{{Law: "《中华人民共和国行政许可法》", Article: "第十二条"}},
		Conditions: "申请人应当具有相应的经营场所。",
		Materials: []catalog.Material{
			{Name: "申请书", Form: "original", Copies: 1, Source: "applicant", Required: "required", Signature: true},
		},
		LegalLimitDays: 20, PromisedLimitDays: 10,
		Steps: []catalog.Step{
			{Name: "受理", Post: "受理窗口", Person: "受理员", Phone: "0915-6826789", LimitDays: 1},
			{Name: "审查", Post: "审查股", Person: "审查员", Phone: "0915-6821125", LimitDays: 6},
			{Name: "决定", Post: "分管副局长", Person: "决定人", Phone: "0915-6821125", LimitDays: 3},
		},
		Fees: []catalog.Fee{}, Visits: 1, OnlineDepth: []int{1, 2, 3, 4},
		Place: "政务服务中心一楼", Hours: "周一至周五 上午8:30—12:00，下午14:30—18:00",
		ConsultPhone: "0915-6821125", ComplaintPhone: "12345", ResultName: "许可证", ResultType: "证照",
	}
	if fee {
		it.Fees = []catalog.Fee{{Name: "工本费", Standard: "每证 10 元", Basis: "陕价费调发〔2004〕44号", AmountCents: 1000, Unit: "证"}}
	}
	return it
}

// Actor is the actor of username, as a session of that account would be.
func (e *Env) Actor(t testing.TB, username string) *zwfw.Actor {
	t.Helper()
	u, err := e.App.Users.ByUsername(context.Background(), username)
	if err != nil {
		t.Fatalf("account %s: %v", username, err)
	}
	return u.Actor()
}

// uploads numbers the material files Case uploads, so that each is new.
var uploads atomic.Int64

// step is one action the system takes on a case.
type step struct {
	action string
	in     casework.ActionInput
}

var (
	accept   = step{casework.ActAccept, casework.ActionInput{}}
	approve  = step{casework.ActApprove, casework.ActionInput{Opinion: "准予许可"}}
	complete = step{casework.ActComplete, casework.ActionInput{}}
	deliver  = step{casework.ActDeliver, casework.ActionInput{Delivery: &casework.Delivery{Method: "onsite"}}}
)

// statusPath is how the system takes a new case to each status.
var statusPath = map[string][]step{
	casework.Submitted:          nil,
	casework.SupplementRequired: {{casework.ActNotifySupplement, casework.ActionInput{Items: []string{"申请书未签字"}}}},
	casework.Rejected:           {{casework.ActReject, casework.ActionInput{Opinion: "不属于本机关职权范围", Basis: "《中华人民共和国行政许可法》第三十二条"}}},
	casework.Withdrawn:          {{casework.ActWithdraw, casework.ActionInput{Opinion: "不再办理"}}},
	casework.Accepted:           {accept},
	casework.InProgress:         {accept, {casework.ActReview, casework.ActionInput{Opinion: "材料符合要求"}}},
	casework.Suspended:          {accept, {casework.ActSuspend, casework.ActionInput{Kind: "expert", Opinion: "需组织专家论证"}}},
	casework.AwaitingPayment:    {accept, approve},
	casework.Approved:           {accept, approve},
	casework.Denied:             {accept, {casework.ActDeny, casework.ActionInput{Opinion: "不符合法定条件", Basis: "《中华人民共和国行政许可法》第三十八条"}}},
	casework.Completed:          {accept, approve, complete},
	casework.Delivered:          {accept, approve, complete, deliver},
	casework.Archived:           {accept, approve, complete, deliver, {casework.ActArchive, casework.ActionInput{}}},
}

// Case files a case for item at centre, by username — an applicant
// online, with each required material uploaded as a PDF, or a window clerk
// for a walk-in applicant, with the paper handed in — and takes it as the
// system to status (submitted, supplement_required, rejected, withdrawn,
// accepted, in_progress, suspended, awaiting_payment — the item must have a
// fee —, approved, denied, completed, delivered, archived). It returns the
// serial.
func (e *Env) Case(t testing.TB, username, item, centre, status string) string {
	t.Helper()
	ctx := context.Background()
	path, ok := statusPath[status]
	if !ok {
		t.Fatalf("apptest.Case: no way to status %q", status)
	}
	by := e.Actor(t, username)
	// The centre's county's item when several counties share the code.
	within := ""
	if o, err := e.App.Orgs.ByCode(ctx, centre); err == nil {
		within = o.Path
	}
	it, err := e.App.Catalog.Resolve(ctx, item, within)
	if err != nil {
		t.Fatalf("apptest.Case: item %s: %v", item, err)
	}
	in := casework.ApplyInput{ItemCode: item, OrgCode: centre, Form: casework.Form{Description: "申请办理" + it.Name}}
	if by.IsStaff() {
		id := "61092319800101001"
		in.Applicant = &casework.ApplicantInput{Name: "代办测试", IDNumber: id + string(ident.IDCheckDigit(id)), Phone: "13991561111"}
	}
	for _, m := range it.Materials {
		if m.Required != "required" {
			continue
		}
		if by.IsStaff() {
			in.Materials = append(in.Materials, casework.MaterialInput{Name: m.Name, HandedIn: "window"})
			continue
		}
		pdf := fmt.Appendf(nil, "%%PDF-1.4\n%% %s %d\n%%%%EOF\n", m.Name, uploads.Add(1))
		f, err := e.App.Files.PutBytes(ctx, by, m.Name+".pdf", pdf, files.PurposeCase)
		if err != nil {
			t.Fatalf("apptest.Case: upload %s: %v", m.Name, err)
		}
		in.Materials = append(in.Materials, casework.MaterialInput{Name: m.Name, FileID: f.ID})
	}
	c, err := e.App.Cases.Apply(ctx, by, in)
	if err != nil {
		t.Fatalf("apptest.Case: apply for %s at %s as %s: %v", item, centre, username, err)
	}
	for _, st := range path {
		serial := c.Serial
		if c, err = e.App.Cases.Act(ctx, zwfw.System, serial, st.action, st.in); err != nil {
			t.Fatalf("apptest.Case: %s %s on the way to %s: %v", st.action, serial, status, err)
		}
	}
	if c.Status != status {
		t.Fatalf("apptest.Case: %s is %s, want %s", c.Serial, c.Status, status)
	}
	return c.Serial
}
