package seed

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/files"
	"zwfw/internal/notify"
)

// demoStep is one action of a demo case, taken some days after filing.
type demoStep struct {
	who    string
	action string
	in     casework.ActionInput
	after  int // calendar days after the previous step
}

// demoCase is a case of the demo county: who files it where, and how far it
// has gone.
type demoCase struct {
	item, centre string
	by           string // a window clerk (walk-in) or an applicant account (online)
	ago          int    // filed this many days before today
	// on, when set, is the day the case was filed instead, so that its
	// serial number is the same in every demo (README's 办件查询 example);
	// a demo seeded before that day files it ago days back as the others.
	on    string
	steps []demoStep
}

func s(who, action string, after int, in casework.ActionInput) demoStep {
	return demoStep{who: who, action: action, in: in, after: after}
}

// demoCases put one case or more in every status and of every kind, so that
// each page has something to show.
var demoCases = []demoCase{
	// 承诺件 食品经营许可, online by an enterprise, waiting for pre-review.
	{item: "010100100000", centre: "610923C", by: "enterprise.qinling", ago: 0},
	// Online, told once what to supplement.
	{item: "010100300000", centre: "610923C", by: "resident.wang", ago: 2, steps: []demoStep{
		s("county.window", casework.ActNotifySupplement, 1, casework.ActionInput{Items: []string{"食品小作坊登记申请表未由经营者本人签字", "从业人员健康证明已过有效期，请提供有效期内的健康证明"}}),
	}},
	// 即办件 at the window: done the same day, evaluated on the pad; the licence waits to be collected.
	{item: "010100200000", centre: "610923C", by: "county.window", ago: 6, steps: []demoStep{
		s("county.window", casework.ActAccept, 0, casework.ActionInput{}),
		s("county.window", casework.ActApprove, 0, casework.ActionInput{Opinion: "材料齐全，当场办结"}),
		s("county.window", casework.ActComplete, 0, casework.ActionInput{}),
		s("county.window", casework.ActEvaluate, 0, casework.ActionInput{Level: 1, Channel: "pad"}),
	}},
	// Accepted, waiting for review.
	{item: "010100100000", centre: "610923C", by: "county.window", ago: 1, steps: []demoStep{
		s("county.window", casework.ActAccept, 0, casework.ActionInput{}),
	}},
	// In progress after the first review.
	{item: "010900200000", centre: "610923C", by: "county.window", ago: 5, steps: []demoStep{
		s("county.window", casework.ActAccept, 0, casework.ActionInput{}),
		s("weijian.reviewer", casework.ActReview, 2, casework.ActionInput{Opinion: "申报材料符合要求，拟安排现场核查"}),
	}},
	// Suspended for an expert review; an extension waits for the supervisor.
	{item: "010200600000", centre: "610923C", by: "county.window", ago: 9, steps: []demoStep{
		s("county.window", casework.ActAccept, 0, casework.ActionInput{}),
		s("minzheng.reviewer", casework.ActRequestExtension, 3, casework.ActionInput{Days: 5, Opinion: "拟成立社团业务范围涉及多个行业，需征求相关部门意见"}),
		s("minzheng.reviewer", casework.ActSuspend, 1, casework.ActionInput{Kind: "expert", Opinion: "章程草案需组织专家论证"}),
	}},
	// Approved with a fee, waiting for payment at the bank window.
	{item: "071500100000", centre: "610923C", by: "county.window", ago: 4, steps: []demoStep{
		s("county.window", casework.ActAccept, 0, casework.ActionInput{}),
		s("gongan.reviewer", casework.ActApprove, 2, casework.ActionInput{Opinion: "核对户籍信息无误，准予换领"}),
	}},
	// Paid and completed, result posted.
	{item: "070500400000", centre: "610923C", by: "enterprise.qinling", ago: 12, steps: []demoStep{
		s("county.window", casework.ActAccept, 1, casework.ActionInput{}),
		s("ziran.reviewer", casework.ActApprove, 1, casework.ActionInput{Opinion: "准予登记", FeeItems: []string{"不动产登记费（非住宅类）"}}),
		s("county.cashier", casework.ActConfirmPayment, 0, casework.ActionInput{Reference: "ICBC6109230012"}),
		s("county.window", casework.ActComplete, 1, casework.ActionInput{}),
		s("county.window", casework.ActDeliver, 0, casework.ActionInput{Delivery: &casework.Delivery{Method: "post", Tracking: "EMS1176543210", Address: "宁陕县城关镇东关社区长安路12号"}}),
	}},
	// Approved, result not yet issued.
	{item: "010600100000", centre: "610923C", by: "county.window", ago: 3, steps: []demoStep{
		s("county.window", casework.ActAccept, 0, casework.ActionInput{}),
		s("linye.reviewer", casework.ActApprove, 2, casework.ActionInput{Opinion: "采伐地点、面积、蓄积与伐区调查设计一致，准予采伐"}),
	}},
	// Denied with reasons; the decision letter is not yet handed over.
	{item: "010500100000", centre: "610923C", by: "county.window", ago: 10, steps: []demoStep{
		s("county.window", casework.ActAccept, 0, casework.ActionInput{}),
		s("ziran.reviewer", casework.ActDeny, 4, casework.ActionInput{Opinion: "建设项目位于城镇开发边界以外，不符合国土空间规划", Basis: "《中华人民共和国城乡规划法》第四十条"}),
	}},
	// Not accepted (不予受理), with the legal basis.
	{item: "011000100000", centre: "610923C", by: "county.window", ago: 7, steps: []demoStep{
		s("county.window", casework.ActReject, 0, casework.ActionInput{Opinion: "举办者为个人，拟设立的学校属于义务教育阶段民办学校，不属于县级审批权限", Basis: "《中华人民共和国民办教育促进法》第十八条"}),
	}},
	// 上报件 at a town, forwarded to the county department.
	{item: "050200100000", centre: "610923100C", by: "chengguan.window", ago: 8, steps: []demoStep{
		s("chengguan.window", casework.ActAccept, 0, casework.ActionInput{}),
		s("chengguan.window", casework.ActForward, 2, casework.ActionInput{Opinion: "已完成入户调查和民主评议，报县民政局审批"}),
	}},
	// 联办件 at the county: the co-department has given its opinion.
	{item: "050200400000", centre: "610923C", by: "county.window", ago: 6, steps: []demoStep{
		s("county.window", casework.ActAccept, 0, casework.ActionInput{}),
		s("canlian.reviewer", casework.ActTaskApprove, 2, casework.ActionInput{Opinion: "残疾等级为肢体二级，属重度残疾，同意享受护理补贴"}),
	}},
	// 即办件 online at a town, delivered and rated.
	{item: "200300200000", centre: "610923100C", by: "resident.wang", ago: 15, steps: []demoStep{
		s("chengguan.window", casework.ActAccept, 0, casework.ActionInput{}),
		s("chengguan.window", casework.ActApprove, 0, casework.ActionInput{}),
		s("chengguan.window", casework.ActComplete, 0, casework.ActionInput{}),
		s("chengguan.window", casework.ActDeliver, 0, casework.ActionInput{Delivery: &casework.Delivery{Method: "onsite"}}),
		s("resident.wang", casework.ActEvaluate, 1, casework.ActionInput{Level: 2, Comment: "窗口工作人员讲解清楚，当天就拿到了证"}),
	}},
	// Archived: README's example of the public progress page, 610923100-20261106-00001.
	{item: "200300100000", centre: "610923100C", by: "chengguan.window", ago: 20, on: "2026-11-06", steps: []demoStep{
		s("chengguan.window", casework.ActAccept, 0, casework.ActionInput{}),
		s("chengguan.window", casework.ActApprove, 0, casework.ActionInput{}),
		s("chengguan.window", casework.ActComplete, 0, casework.ActionInput{}),
		s("chengguan.window", casework.ActDeliver, 0, casework.ActionInput{Delivery: &casework.Delivery{Method: "onsite"}}),
		s("chengguan.window", casework.ActArchive, 1, casework.ActionInput{}),
	}},
	// Withdrawn by the applicant.
	{item: "071500200000", centre: "610923100C", by: "resident.wang", ago: 11, steps: []demoStep{
		s("chengguan.window", casework.ActAccept, 1, casework.ActionInput{}),
		s("resident.wang", casework.ActWithdraw, 1, casework.ActionInput{Opinion: "家庭计划调整，暂不迁移户口"}),
	}},
	// Overdue: accepted long ago and still under review.
	{item: "011300100000", centre: "610923C", by: "county.window", ago: 24, steps: []demoStep{
		s("county.window", casework.ActAccept, 0, casework.ActionInput{}),
	}},
	// A town 上报件 still waiting for acceptance.
	{item: "050200500000", centre: "610923100C", by: "chengguan.window", ago: 0},
	// A county 上报件 forwarded to the city.
	{item: "010700100000", centre: "610923C", by: "county.window", ago: 5, steps: []demoStep{
		s("county.window", casework.ActAccept, 0, casework.ActionInput{}),
		s("county.window", casework.ActForward, 1, casework.ActionInput{Opinion: "取水量超过县级审批权限，报安康市审批"}),
	}},
}

// demoQueryCode is the query code (查询码) of the i-th demo case: with its
// serial number it opens the public progress page. The demo's codes are
// known, so README can give one; a real case's is random.
func demoQueryCode(i int) string { return fmt.Sprintf("8%05d", (i+1)*1237%100000) }

// demoOrder is the order demo cases are filed in: those filed on a fixed
// day first, so each is its centre's first case that day (-00001) however
// the others' days fall.
func demoOrder() []int {
	var first, rest []int
	for i, dc := range demoCases {
		if dc.on != "" {
			first = append(first, i)
		} else {
			rest = append(rest, i)
		}
	}
	return append(first, rest...)
}

// demoApplicants are the walk-in applicants the windows file for.
var demoApplicants = []casework.ApplicantInput{
	{Name: "陈家明", IDNumber: "610923197806150032", Phone: "13991568899"}, // his own number: one ID number is one person
	{Name: "宁陕县秦岭人家餐饮有限公司", CreditCode: "91610923MA70XJ1K16", Phone: "13709151234"},
	{Name: "刘桂芳", IDNumber: "61092319620708004X", Phone: "13891527766"},
	{Name: "张德厚", IDNumber: "61092319551123001X", Phone: "15929153321"},
}

// demoApplicantFor picks the i-th walk-in applicant the item serves: a
// company does not apply for an old person's allowance.
func demoApplicantFor(it *catalog.Item, i int) casework.ApplicantInput {
	for k := range demoApplicants {
		a := demoApplicants[(i+k)%len(demoApplicants)]
		kind := catalog.AudiencePerson
		if a.CreditCode != "" {
			kind = catalog.AudienceEnterprise
		}
		if len(it.Audience) == 0 || slices.Contains(it.Audience, kind) {
			return a
		}
	}
	return demoApplicants[i%len(demoApplicants)]
}

// DemoCases files the demo cases when there are none yet.
func DemoCases(ctx context.Context, d Deps) error {
	var n int
	if err := d.DB.QueryRow(ctx, "SELECT COUNT(*) FROM cases").Scan(&n); err != nil || n > 0 {
		return err
	}
	// Claim the step so that a second server process starting at the same
	// moment does not file the demo cases twice.
	claimed := false
	if err := d.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		claimed, err = claim(ctx, tx, "seed.demo_cases", d.Now())
		return err
	}); err != nil || !claimed {
		return err
	}
	today := calendar.Date(d.Now())
	var clock time.Time
	now := func() time.Time { return clock }
	cases := casework.NewService(d.DB, d.Catalog, calendar.New(d.DB, now), now)
	if d.Licences != nil {
		cases.SetLicenceIssuer(d.Licences) // the completed demo cases' 电子证照
	}
	actor := func(username string) (*zwfw.Actor, error) {
		u, err := d.Users.ByUsername(ctx, username)
		if err != nil {
			return nil, fmt.Errorf("demo account %s: %w", username, err)
		}
		return u.Actor(), nil
	}
	var serials []string
	for _, i := range demoOrder() {
		dc := demoCases[i]
		filed := today.AddDate(0, 0, -dc.ago)
		if on, err := calendar.ParseDate(dc.on); err == nil && !on.After(today) {
			filed = on
		}
		clock = filed.Add(time.Duration(9*60+10+i*7) * time.Minute)
		by, err := actor(dc.by)
		if err != nil {
			return err
		}
		// The item as the case's centre sees it: on a city platform the
		// city implements some of the same 基本编码 (seedCity).
		centre, err := d.Orgs.ByCode(ctx, dc.centre)
		if err != nil {
			return fmt.Errorf("demo case centre %s: %w", dc.centre, err)
		}
		it, err := d.Catalog.Resolve(ctx, dc.item, centre.Path)
		if err != nil {
			return fmt.Errorf("demo case item %s: %w", dc.item, err)
		}
		in := casework.ApplyInput{ItemCode: dc.item, OrgCode: dc.centre, Form: casework.Form{Description: "申请办理" + it.Name}}
		if it.Investment { // 全国投资项目统一代码 of a project registered in the county (审批, 房屋建筑业)
			in.ProjectCode = fmt.Sprintf("%d-610923-47-01-%06d", filed.Year(), 100+i)
		}
		if by.IsStaff() {
			a := demoApplicantFor(it, i)
			in.Applicant = &a
		}
		in.Materials, err = demoMaterials(ctx, d, by, it)
		if err != nil {
			return err
		}
		in.Form.Data = demoFormData(it)
		c, err := cases.Apply(ctx, by, in)
		if err != nil {
			return fmt.Errorf("demo case %s: %w", it.Name, err)
		}
		// A known query code, before any notice prints it; a new version,
		// as every change of a case has (cached copies are kept by version).
		if _, err := d.DB.Exec(ctx, "UPDATE cases SET query_code = ?, version = version + 1 WHERE serial = ?", demoQueryCode(i), c.Serial); err != nil {
			return err
		}
		for _, st := range dc.steps {
			clock = clock.Add(time.Duration(st.after)*24*time.Hour + 37*time.Minute)
			if clock.After(d.Now()) {
				clock = d.Now()
			}
			who, err := actor(st.who)
			if err != nil {
				return err
			}
			if c, err = cases.Act(ctx, who, c.Serial, st.action, st.in); err != nil {
				return fmt.Errorf("demo case %s %s: %w", it.Name, st.action, err)
			}
		}
		serials = append(serials, c.Serial)
	}
	// The invented applicants get their in-app messages, but no SMS.
	var held int64
	if err := d.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		held, err = notify.Withhold(ctx, tx, serials, "演示办件，不发送")
		return err
	}); err != nil {
		return err
	}
	d.Log.Info("filed demo cases", "cases", len(serials), "sms_withheld", held)
	return nil
}

// demoMaterials hands in every required material: online applicants upload
// the filled-in sample of the application form and post the rest; windows
// take the paper.
func demoMaterials(ctx context.Context, d Deps, by *zwfw.Actor, it *catalog.Item) ([]casework.MaterialInput, error) {
	var out []casework.MaterialInput
	for _, m := range it.Materials {
		if m.Required != "required" {
			continue
		}
		mi := casework.MaterialInput{Name: m.Name, HandedIn: "window"}
		if !by.IsStaff() {
			mi.HandedIn = "post"
			if m.Sample != nil {
				f, err := d.Files.Open(m.Sample.SHA256)
				if err != nil {
					return nil, err
				}
				b, err := io.ReadAll(f)
				f.Close()
				if err != nil {
					return nil, err
				}
				up, err := d.Files.PutBytes(ctx, by, m.Name+".xlsx", b, files.PurposeCase)
				if err != nil {
					return nil, err
				}
				mi = casework.MaterialInput{Name: m.Name, FileID: up.ID}
			}
		}
		out = append(out, mi)
	}
	return out, nil
}
