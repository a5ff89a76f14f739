package catalog_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zwfw"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/org"
)

// secondCounty adds 石泉县 (610922) beside 宁陕县 with its own 市场监管局
// and a town department, and 安康市's own department.
func secondCounty(t *testing.T, orgs *org.Service) {
	t.Helper()
	for _, in := range []org.Input{
		{Code: "610922", ParentCode: "610900", Kind: org.KindCounty, Name: "石泉县"},
		{Code: "610922D01", ParentCode: "610922", Kind: org.KindDept, Name: "市场监管局", FullName: "石泉县市场监督管理局"},
		{Code: "610922D02", ParentCode: "610922", Kind: org.KindDept, Name: "行政审批局", FullName: "石泉县行政审批服务局"},
		{Code: "610922100", ParentCode: "610922", Kind: org.KindTown, Name: "城关镇"},
		{Code: "610900D01", ParentCode: "610900", Kind: org.KindDept, Name: "市场监管局", FullName: "安康市市场监督管理局"},
	} {
		if _, err := orgs.Create(context.Background(), zwfw.System, in); err != nil {
			t.Fatalf("create %s: %v", in.Code, err)
		}
	}
}

// shiquanFood is 石泉县's 食品经营许可: the same 基本编码 as 宁陕县's, its own
// 实施编码, department, place, phones and promised limit.
func shiquanFood() *catalog.Item {
	it := foodLicence()
	it.ImplCode = "010100100000-610922000000-000-11610922MB00003000-1-00"
	it.Dept = "610922D01"
	it.PromisedLimitDays = 8
	it.Place = "石泉县政务服务中心二楼市场监管窗口"
	it.ConsultPhone = "0915-6321234"
	for i := range it.Steps {
		it.Steps[i].Phone = "0915-6321234"
	}
	it.Steps[1].LimitDays, it.Steps[2].LimitDays = 5, 2
	return it
}

// TestSecondCountySameCodes: 石泉县 implements 宁陕县's items under the same
// 基本编码 in one deployment (统一事项、统一标准、同一编码, 实施方案 §2(2)).
func TestSecondCountySameCodes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cat, orgs := fixture(t, d)
		secondCounty(t, orgs)
		ningshan := scoped(t, orgs, "610923", *catalogAdmin)
		shiquan := scoped(t, orgs, "610922", *catalogAdmin)
		ns, err := cat.Create(ctx, ningshan, foodLicence(), "宁陕县事项清单")
		if err != nil {
			t.Fatal(err)
		}
		// 宁陕县's administrator cannot put an item in 石泉县.
		if _, err := cat.Create(ctx, ningshan, shiquanFood(), "代建石泉县事项"); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("ningshan creating shiquan's item: %v, want EFORBIDDEN", err)
		}
		sq, err := cat.Create(ctx, shiquan, shiquanFood(), "石泉县事项清单")
		if err != nil {
			t.Fatalf("same code in the second county: %v", err)
		}
		if sq.Code != ns.Code || sq.ImplCode == ns.ImplCode {
			t.Fatalf("codes: %s/%s vs %s/%s", sq.Code, sq.ImplCode, ns.Code, ns.ImplCode)
		}
		// The same code twice in one county (another department) is refused,
		// and so is another county's 实施编码.
		dup := shiquanFood()
		dup.Dept, dup.ImplCode = "610922D02", "010100100000-610922000000-000-11610922MB00009999-1-00"
		if _, err := cat.Create(ctx, shiquan, dup, "重复"); zwfw.ErrorCode(err) != zwfw.ECONFLICT || !strings.Contains(err.Error(), "石泉县市场监督管理局") {
			t.Fatalf("same code twice in one county: %v", err)
		}
		dup = shiquanFood()
		dup.Dept, dup.ImplCode = "610922D02", ns.ImplCode
		dup.Code = "010100200000"
		if _, err := cat.Create(ctx, shiquan, dup, "重复实施编码"); zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			t.Fatalf("another county's 实施编码: %v", err)
		}

		// The shared code alone is ambiguous; by 实施编码 or from an
		// organisation of either county it resolves to that county's item.
		if _, err := cat.Get(ctx, ns.Code); zwfw.ErrorCode(err) != zwfw.ECONFLICT || !strings.Contains(err.Error(), sq.ImplCode) {
			t.Fatalf("shared code without a county: %v", err)
		}
		for _, c := range []struct {
			key, within, want string
		}{
			{ns.ImplCode, "", "610923D01"},
			{sq.ImplCode, "", "610922D01"},
			{ns.Code, path(t, orgs, "610923"), "610923D01"},
			{ns.Code, path(t, orgs, "610923100"), "610923D01"},
			{ns.Code, path(t, orgs, "610922"), "610922D01"},
			{ns.Code, path(t, orgs, "610922100"), "610922D01"},
			{ns.Code, path(t, orgs, "610922D02"), "610922D01"},
		} {
			it, err := cat.Resolve(ctx, c.key, c.within)
			if err != nil || it.Dept != c.want || !it.Shared {
				t.Fatalf("Resolve(%s, %s) = %+v, %v; want %s", c.key, c.within, it, err, c.want)
			}
			if it.Key() != it.ImplCode {
				t.Fatalf("a shared code's key is its 实施编码, got %s", it.Key())
			}
		}
		// From the city (both counties equally far) the code stays ambiguous.
		if _, err := cat.Resolve(ctx, ns.Code, path(t, orgs, "610900")); zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			t.Fatalf("shared code from the city: %v", err)
		}
		if v, err := cat.ResolveVersion(ctx, ns.Code, 1, path(t, orgs, "610922D01")); err != nil || v.ImplCode != sq.ImplCode {
			t.Fatalf("ResolveVersion: %+v, %v", v, err)
		}

		// An edit of one county's item leaves the other's untouched.
		ed := *sq
		ed.Place, ed.ConsultPhone = "石泉县政务服务中心一楼综合窗口", "0915-6329999"
		if _, err := cat.Update(ctx, ningshan, sq.ImplCode, &ed, "越权变更", 1); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("ningshan editing shiquan's item: %v", err)
		}
		up, err := cat.Update(ctx, shiquan, sq.ImplCode, &ed, "压缩承诺时限", 1)
		if err != nil || up.Version != 2 {
			t.Fatalf("update: %+v, %v", up, err)
		}
		got, _ := cat.Get(ctx, ns.ImplCode)
		if got.Version != 1 || got.PromisedLimitDays != 10 || got.ConsultPhone != "0915-6821125" {
			t.Fatalf("宁陕县's item changed by 石泉县's edit: %+v", got)
		}
		if vs, err := cat.Versions(ctx, ns.ImplCode); err != nil || len(vs) != 1 {
			t.Fatalf("宁陕县's change log: %v, %v", vs, err)
		}

		// Each county's staff list their own items; the public catalog both.
		for _, c := range []struct {
			within string
			want   []string
		}{
			{path(t, orgs, "610923"), []string{ns.ImplCode}},
			{path(t, orgs, "610922"), []string{sq.ImplCode}},
			{"", []string{sq.ImplCode, ns.ImplCode}},
		} {
			for _, words := range []string{"", "食品经营"} {
				list, n, err := cat.Search(ctx, catalog.Query{Q: words, Within: c.within, Status: "all"})
				if err != nil || n != len(c.want) {
					t.Fatalf("search within %q %q: %d, %v", c.within, words, n, err)
				}
				var got []string
				for _, it := range list {
					got = append(got, it.ImplCode)
					if !it.Shared {
						t.Fatalf("search result not marked shared: %s", it.ImplCode)
					}
				}
				if strings.Join(got, ",") != strings.Join(c.want, ",") && words == "" {
					t.Fatalf("search within %q: %v, want %v", c.within, got, c.want)
				}
			}
		}

		// Excel export and import round-trip both counties' items: nothing
		// changes, and an edited cell reaches only its county's item.
		all, err := cat.All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := catalog.WriteXLSX(&buf, all, nil); err != nil {
			t.Fatal(err)
		}
		items, loc, err := catalog.ReadXLSX(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		sys := &zwfw.Actor{Kind: zwfw.KindSystem, Name: "系统"}
		res, err := cat.Import(ctx, sys, items, loc, "导入核对")
		if err != nil || res.Unchanged != 2 || res.Created+res.Updated != 0 {
			t.Fatalf("round trip: %+v, %v", res, err)
		}
		for _, it := range items {
			if it.ImplCode == ns.ImplCode {
				it.Materials = it.Materials[:1]
			}
		}
		res, err = cat.Import(ctx, sys, items, loc, "宁陕县精简材料")
		if err != nil || res.Updated != 1 || res.Unchanged != 1 {
			t.Fatalf("edited import: %+v, %v", res, err)
		}
		a, _ := cat.Get(ctx, ns.ImplCode)
		b, _ := cat.Get(ctx, sq.ImplCode)
		if len(a.Materials) != 1 || len(b.Materials) != 2 || b.Version != 2 || b.ConsultPhone != "0915-6329999" {
			t.Fatalf("after import: 宁陕 %d materials v%d, 石泉 %d materials v%d", len(a.Materials), a.Version, len(b.Materials), b.Version)
		}
		// A workbook whose child rows name only the shared 基本编码 cannot
		// say whose they are: refused with the cell named.
		var old bytes.Buffer
		if err := catalog.WriteXLSX(&old, all, nil); err != nil {
			t.Fatal(err)
		}
		if _, _, err := catalog.ReadXLSX(stripImplColumn(t, old.Bytes())); err == nil || !strings.Contains(err.Error(), "多个实施机构") {
			t.Fatalf("child rows without 实施编码 for a shared code: %v", err)
		}
	})
}

func path(t *testing.T, orgs *org.Service, code string) string {
	t.Helper()
	o, err := orgs.ByCode(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	return o.Path
}

// stripImplColumn removes the child sheets' 实施编码 column (a workbook
// made before it existed, or filled in without it).
func stripImplColumn(t *testing.T, b []byte) *bytes.Reader {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	for _, sh := range f.GetSheetList() {
		rows, _ := f.GetRows(sh)
		if sh == "事项" || len(rows) == 0 {
			continue
		}
		for i, h := range rows[0] {
			if h == "实施编码" {
				col, _ := excelize.ColumnNumberToName(i + 1)
				if err := f.RemoveCol(sh, col); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	var out bytes.Buffer
	if err := f.Write(&out); err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(out.Bytes())
}
