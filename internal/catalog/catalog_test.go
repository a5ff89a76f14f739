package catalog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/org"
)

var clock = func() time.Time { return time.Date(2026, 11, 26, 10, 0, 0, 0, db.Zone) }

type noFiles struct{}

func (noFiles) HasFor(context.Context, string, string) bool { return false }

// fixture builds a small tree: 市 → 县 (two departments, a town) and
// returns the catalog service.
func fixture(t *testing.T, d *db.DB) (*catalog.Service, *org.Service) {
	t.Helper()
	ctx := context.Background()
	orgs := org.NewService(d, clock)
	for _, in := range []org.Input{
		{Code: "610900", Kind: org.KindCity, Name: "安康市"},
		{Code: "610923", ParentCode: "610900", Kind: org.KindCounty, Name: "宁陕县"},
		{Code: "610923D01", ParentCode: "610923", Kind: org.KindDept, Name: "市场监管局", FullName: "宁陕县市场监督管理局"},
		{Code: "610923D02", ParentCode: "610923", Kind: org.KindDept, Name: "民政局", FullName: "宁陕县民政局"},
		{Code: "610923100", ParentCode: "610923", Kind: org.KindTown, Name: "城关镇"},
	} {
		if _, err := orgs.Create(ctx, zwfw.System, in); err != nil {
			t.Fatalf("create %s: %v", in.Code, err)
		}
	}
	return catalog.NewService(d, orgs, noFiles{}, clock), orgs
}

// foodLicence is a complete, valid item.
func foodLicence() *catalog.Item {
	return &catalog.Item{
		Code: "010100100000", ImplCode: "010100100000-610923000000-000-11610923MB00001700-1-00",
		Name: "食品经营许可", Type: "01", Kind: catalog.KindPromised, Dept: "610923D01",
		Levels: []string{"county"}, Audience: []string{"person", "enterprise"}, Themes: []string{"经营许可"},
		Basis:      []catalog.Basis{{Law: "《中华人民共和国食品安全法》", Article: "第三十五条", Text: "国家对食品生产经营实行许可制度。"}},
		Conditions: "申请人应当具有与经营的食品品种、数量相适应的食品原料处理和食品加工、销售、贮存等场所。",
		Materials: []catalog.Material{
			{Name: "食品经营许可申请书", Form: "original", Copies: 1, Source: "applicant", Required: "required", Signature: true},
			{Name: "营业执照", Form: "copy", Copies: 1, Source: "government", Issuer: "市场监督管理部门", Required: "required"},
		},
		LegalLimitDays: 20, PromisedLimitDays: 10,
		Steps: []catalog.Step{
			{Name: "受理", Post: "市场准入窗口", Person: "李晓燕", Phone: "0915-6826789", LimitDays: 1},
			{Name: "审查", Post: "食品经营许可股", Person: "周建国", Phone: "0915-6821125", LimitDays: 6},
			{Name: "决定", Post: "分管副局长", Person: "陈立新", Phone: "0915-6821125", LimitDays: 3},
		},
		Fees: []catalog.Fee{}, Visits: 1, OnlineDepth: []int{1, 2, 3, 4, 5, 6},
		Place: "宁陕县政务服务中心一楼市场准入窗口", Hours: "周一至周五 上午8:30—12:00，下午14:30—18:00",
		ConsultPhone: "0915-6821125", ComplaintPhone: "12345", ResultName: "食品经营许可证", ResultType: "证照",
	}
}

func TestValidationRules(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(*catalog.Item)
		field string
		msg   string
	}{
		{"promise not 30% shorter", func(it *catalog.Item) { it.PromisedLimitDays = 15 }, "promised_limit_days", "压缩 30%"},
		{"promise over legal", func(it *catalog.Item) { it.PromisedLimitDays = 25 }, "promised_limit_days", "不能超过法定"},
		{"immediate with days", func(it *catalog.Item) { it.Kind = catalog.KindImmediate; it.PromisedLimitDays = 2 }, "promised_limit_days", "即办件"},
		{"joint without co-departments", func(it *catalog.Item) { it.Kind = catalog.KindJoint }, "co_depts", "联办部门"},
		{"upward without upper body", func(it *catalog.Item) { it.Kind = catalog.KindUpward }, "upper_body", "上报"},
		{"step without person", func(it *catalog.Item) { it.Steps[1].Person = "" }, "steps[1].person", "明确到人"},
		{"step without phone", func(it *catalog.Item) { it.Steps[0].Phone = "" }, "steps[0].phone", "电话"},
		{"steps exceed promise", func(it *catalog.Item) { it.Steps[1].LimitDays = 9 }, "steps", "超过了承诺"},
		{"vague material", func(it *catalog.Item) { it.Materials[1].Name = "其他材料" }, "materials[1].name", "其他材料"},
		{"bad material form", func(it *catalog.Item) { it.Materials[0].Form = "fax" }, "materials[0].form", "形式"},
		{"government material without issuer", func(it *catalog.Item) { it.Materials[1].Issuer = "" }, "materials[1].issuer", "出具机构"},
		{"no basis", func(it *catalog.Item) { it.Basis = nil }, "basis", "设定依据"},
		{"bad type", func(it *catalog.Item) { it.Type = "99" }, "type", "GB/T 39046"},
		{"bad level", func(it *catalog.Item) { it.Levels = []string{"province"} }, "levels[0]", "适用层级"},
		{"bad visits", func(it *catalog.Item) { it.Visits = 5 }, "visits", "到现场次数"},
		{"bad theme", func(it *catalog.Item) { it.Themes = []string{"旅游"} }, "themes[0]", "主题"},
		{"long alias", func(it *catalog.Item) { it.Aliases = []string{"开饭店", strings.Repeat("饭", 21)} }, "aliases[1]", "不超过 20 个字"},
		{"alias twice", func(it *catalog.Item) { it.Aliases = []string{"开饭店", "开饭店"} }, "aliases[1]", "重复"},
		{"alias is the name", func(it *catalog.Item) { it.Aliases = []string{"食品经营许可"} }, "aliases[0]", "与事项名称相同"},
		{"aliases in one", func(it *catalog.Item) { it.Aliases = []string{"开饭店、开餐馆"} }, "aliases[0]", "分隔符"},
		{"fee without basis", func(it *catalog.Item) { it.Fees = []catalog.Fee{{Name: "工本费", Standard: "10元", Unit: "证"}} }, "fees[0]", "收费依据"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			it := foodLicence()
			c.edit(it)
			it.Normalise()
			err := it.Validate(nil)
			var e *zwfw.Error
			if !asError(err, &e) || e.Code != zwfw.EINVALID {
				t.Fatalf("Validate = %v, want EINVALID", err)
			}
			found := false
			for _, d := range e.Details {
				if d.Field == c.field && strings.Contains(d.Message, c.msg) {
					found = true
				}
			}
			if !found {
				t.Fatalf("no detail on %s containing %q in %+v", c.field, c.msg, e.Details)
			}
		})
	}
	// The compression rule's exemption: an explanation makes it valid.
	it := foodLicence()
	it.PromisedLimitDays, it.LimitNote = 20, "法定时限已为省级统一压缩后的时限，县级无法再压缩"
	if err := it.Validate(nil); err != nil {
		t.Fatalf("explained exemption refused: %v", err)
	}
	// Exactly 70% is allowed.
	it = foodLicence()
	it.PromisedLimitDays, it.Steps[1].LimitDays = 14, 10
	if err := it.Validate(nil); err != nil {
		t.Fatalf("70%% refused: %v", err)
	}
	// Codes given as Chinese names normalise to codes.
	it = foodLicence()
	it.Type, it.Kind, it.Levels = "行政许可", "承诺件", []string{"县级"}
	it.Normalise()
	if it.Type != "01" || it.Kind != catalog.KindPromised || it.Levels[0] != "county" {
		t.Fatalf("normalise: %s %s %v", it.Type, it.Kind, it.Levels)
	}
}

func asError(err error, e **zwfw.Error) bool {
	if err == nil {
		return false
	}
	v, ok := err.(*zwfw.Error)
	*e = v
	return ok
}

var catalogAdmin = &zwfw.Actor{UserID: 0, Username: "catalog", Name: "吴文静", Kind: zwfw.KindStaff, Roles: []string{zwfw.RoleCatalogAdmin}}

func scoped(t *testing.T, orgs *org.Service, code string, a zwfw.Actor) *zwfw.Actor {
	o, err := orgs.ByCode(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	a.OrgPath, a.OrgCode = o.Path, o.Code
	return &a
}

func countRows(t *testing.T, d *db.DB, table string) int {
	var n int
	if err := d.QueryRow(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestVersionsAndScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cat, orgs := fixture(t, d)
		county := scoped(t, orgs, "610923", *catalogAdmin)
		town := scoped(t, orgs, "610923100", *catalogAdmin)

		it, err := cat.Create(ctx, county, foodLicence(), "首次发布")
		if err != nil {
			t.Fatal(err)
		}
		if it.Version != 1 || it.Status != catalog.StatusActive {
			t.Fatalf("created %d %s", it.Version, it.Status)
		}
		if _, err := cat.Create(ctx, county, foodLicence(), "再次发布"); zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			t.Fatalf("duplicate code: %v", err)
		}
		// A town's catalog administrator cannot touch a county department's item.
		edit := foodLicence()
		edit.PromisedLimitDays, edit.Steps[1].LimitDays = 8, 4
		if _, err := cat.Update(ctx, town, it.Code, edit, "压缩时限", 1); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("out-of-scope update: %v", err)
		}
		// A reason is required.
		if _, err := cat.Update(ctx, county, it.Code, edit, " ", 1); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("update without reason: %v", err)
		}
		v2, err := cat.Update(ctx, county, it.Code, edit, "承诺时限再压缩 2 个工作日", 1)
		if err != nil {
			t.Fatal(err)
		}
		if v2.Version != 2 || v2.PromisedLimitDays != 8 {
			t.Fatalf("v2 = %d %d", v2.Version, v2.PromisedLimitDays)
		}
		// Saving from the old version is a conflict, not a silent overwrite.
		if _, err := cat.Update(ctx, county, it.Code, foodLicence(), "另一人的修改", 1); zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			t.Fatalf("stale update: %v", err)
		}
		// Nothing changed is not a new version.
		if _, err := cat.Update(ctx, county, it.Code, edit, "无变化", 2); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("no-op update: %v", err)
		}
		vs, err := cat.Versions(ctx, it.Code)
		if err != nil || len(vs) != 2 {
			t.Fatalf("versions: %v %v", vs, err)
		}
		if vs[0].Change != catalog.ChangeUpdate || strings.Join(vs[0].Changed, ",") != "promised_limit_days,steps" || vs[0].Reason != "承诺时限再压缩 2 个工作日" {
			t.Fatalf("change log: %+v", vs[0])
		}
		old, err := cat.GetVersion(ctx, it.Code, 1)
		if err != nil || old.PromisedLimitDays != 10 {
			t.Fatalf("version 1 kept: %v %v", old, err)
		}
		c, err := cat.Cancel(ctx, county, it.Code, "上级决定取消该事项", 2)
		if err != nil || c.Status != catalog.StatusCancelled || c.Version != 3 {
			t.Fatalf("cancel: %+v %v", c, err)
		}
		if _, err := cat.Update(ctx, county, it.Code, foodLicence(), "恢复", 3); zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			t.Fatalf("update of cancelled item: %v", err)
		}
		if items, total, _ := cat.Search(ctx, catalog.Query{Q: "食品"}); total != 0 || len(items) != 0 {
			t.Fatal("cancelled item still listed as active")
		}
		if _, total, _ := cat.Search(ctx, catalog.Query{Q: "食品", Status: "cancelled"}); total != 1 {
			t.Fatal("cancelled item not listed under cancelled")
		}
		if n := countRows(t, d, "item_versions"); n != 3 {
			t.Fatalf("item_versions rows = %d", n)
		}
	})
}

func TestSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cat, orgs := fixture(t, d)
		county := scoped(t, orgs, "610923", *catalogAdmin)
		if _, err := cat.Create(ctx, county, foodLicence(), "首次发布"); err != nil {
			t.Fatal(err)
		}
		relief := foodLicence()
		relief.Code, relief.ImplCode, relief.Name, relief.Type, relief.Dept = "050200300000", "050200300000-610923-x", "临时救助", "05", "610923D02"
		relief.Levels, relief.Audience, relief.Themes = []string{"county", "town"}, []string{"person"}, []string{"救助"}
		if _, err := cat.Create(ctx, county, relief, "首次发布"); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			q    catalog.Query
			want string
		}{
			{catalog.Query{Q: "食品"}, "食品经营许可"},
			{catalog.Query{Q: "spjy"}, "食品经营许可"},
			{catalog.Query{Q: "shipin"}, "食品经营许可"},
			{catalog.Query{Q: "LSJZ"}, "临时救助"},
			{catalog.Query{Q: "民政"}, "临时救助"},
			{catalog.Query{Level: "town"}, "临时救助"},
			{catalog.Query{Type: "行政给付"}, "临时救助"},
			{catalog.Query{Dept: "610923D01"}, "食品经营许可"},
			{catalog.Query{Audience: "enterprise"}, "食品经营许可"},
			{catalog.Query{Theme: "救助"}, "临时救助"},
			{catalog.Query{Q: "010100100000"}, "食品经营许可"},
		} {
			items, total, err := cat.Search(ctx, c.q)
			// 临时救助 here copies the food licence's conditions and
			// materials, which are searched too (ranked below the name).
			only := c.q.Q != "食品"
			if err != nil || only && total != 1 || len(items) == 0 || items[0].Name != c.want {
				t.Errorf("Search(%+v) = %d items (%v), want %s first (only: %v)", c.q, total, err, c.want, only)
			}
		}
		if _, total, _ := cat.Search(ctx, catalog.Query{Q: "不存在的事项"}); total != 0 {
			t.Error("nonsense query found something")
		}
	})
}

// TestConcurrentEdits: two editors save from the same version at once;
// exactly one wins, the other gets a conflict, and the log has one new entry.
func TestConcurrentEdits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cat, orgs := fixture(t, d)
		county := scoped(t, orgs, "610923", *catalogAdmin)
		if _, err := cat.Create(ctx, county, foodLicence(), "首次发布"); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				e := foodLicence()
				e.Hours = []string{"周一至周五", "周一至周六", "工作日全天", "周一至周日"}[i]
				_, errs[i] = cat.Update(ctx, county, e.Code, e, "调整办理时间", 1)
			}(i)
		}
		wg.Wait()
		wins, conflicts := 0, 0
		for _, err := range errs {
			switch zwfw.ErrorCode(err) {
			case "":
				wins++
			case zwfw.ECONFLICT:
				conflicts++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if wins != 1 || conflicts != 3 {
			t.Fatalf("wins=%d conflicts=%d", wins, conflicts)
		}
		if n := countRows(t, d, "item_versions"); n != 2 {
			t.Fatalf("versions = %d, want 2", n)
		}
	})
}

func TestImportAllOrNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cat, orgs := fixture(t, d)
		county := scoped(t, orgs, "610923", *catalogAdmin)
		good := foodLicence()
		bad := foodLicence()
		bad.Code, bad.ImplCode, bad.PromisedLimitDays = "010100200000", "impl-2", 18
		bad.Steps[2].Phone = ""
		var buf bytes.Buffer
		if err := catalog.EncodeJSON(&buf, []*catalog.Item{good, bad}); err != nil {
			t.Fatal(err)
		}
		items, err := catalog.DecodeJSON(&buf)
		if err != nil {
			t.Fatal(err)
		}
		_, err = cat.Import(ctx, county, items, catalog.JSONLocator, "批量导入")
		var e *zwfw.Error
		if !asError(err, &e) || e.Code != zwfw.EINVALID {
			t.Fatalf("import error = %v", err)
		}
		want := map[string]bool{"promised_limit_days": false, "steps[2].phone": false}
		for _, det := range e.Details {
			if det.Row != 2 {
				t.Errorf("problem on row %d, want 2: %+v", det.Row, det)
			}
			want[det.Column] = true
		}
		for col, seen := range want {
			if !seen {
				t.Errorf("no problem reported for column %s: %+v", col, e.Details)
			}
		}
		if n := countRows(t, d, "items"); n != 0 {
			t.Fatalf("%d items imported by a failed import", n)
		}
		// Unknown keys are refused with the line they are on.
		_, err = catalog.DecodeJSON(strings.NewReader("[\n{\"code\": \"1\",\n \"nmae\": \"x\"}]"))
		if !asError(err, &e) || !strings.Contains(e.Message, "nmae") {
			t.Fatalf("unknown key: %v", err)
		}
		// A good file imports; importing it again changes nothing.
		res, err := cat.Import(ctx, county, []*catalog.Item{foodLicence()}, nil, "批量导入")
		if err != nil || res.Created != 1 {
			t.Fatalf("import: %+v %v", res, err)
		}
		res, err = cat.Import(ctx, county, []*catalog.Item{foodLicence()}, nil, "批量导入")
		if err != nil || res.Unchanged != 1 || res.Created+res.Updated != 0 {
			t.Fatalf("re-import: %+v %v", res, err)
		}
	})
}

func TestXLSXErrorsNameCells(t *testing.T) {
	it := foodLicence()
	it.Status, it.Version = catalog.StatusActive, 1
	var x bytes.Buffer
	if err := catalog.WriteXLSX(&x, []*catalog.Item{it}, nil); err != nil {
		t.Fatal(err)
	}
	items, loc, err := catalog.ReadXLSX(bytes.NewReader(x.Bytes()))
	if err != nil || len(items) != 1 {
		t.Fatalf("read back: %v", err)
	}
	row, col := loc(0, "materials[1].form")
	if row != 3 || !strings.Contains(col, "申请材料") || !strings.Contains(col, "材料形式") {
		t.Fatalf("locate materials[1].form = %d %q", row, col)
	}
	row, col = loc(0, "promised_limit_days")
	if row != 2 || !strings.Contains(col, "事项") || !strings.Contains(col, "承诺办结时限") {
		t.Fatalf("locate promised_limit_days = %d %q", row, col)
	}
	_ = json.Valid
}
