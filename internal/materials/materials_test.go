package materials_test

import (
	"context"
	"fmt"
	"testing"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/account/ident"
	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
	"zwfw/internal/files"
	"zwfw/internal/licence"
	"zwfw/internal/materials"
	"zwfw/internal/supervision"
)

const (
	marriage = "070200700000" // 内地居民结婚登记: county, 即办件
	birth    = "200900300000" // 生育登记: towns, 即办件; 夫妻双方居民身份证 ← 男女双方居民身份证
	county   = "610923C"
	town     = "610923100C"
)

type env struct {
	*apptest.Env
	t   *testing.T
	ctx context.Context
}

func (e *env) actor(u string) *zwfw.Actor { return e.Actor(e.t, u) }

func (e *env) upload(who, name string) int64 {
	e.t.Helper()
	f, err := e.App.Files.PutBytes(e.ctx, e.actor(who), name+".pdf", fmt.Appendf(nil, "%%PDF-1.4\n%% %s %s\n%%%%EOF\n", who, name), files.PurposeCase)
	if err != nil {
		e.t.Fatal(err)
	}
	return f.ID
}

func (e *env) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.App.DB.QueryRow(e.ctx, q, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// marry files and accepts a 结婚登记 for who: the ID cards uploaded, the
// declaration handed in at the window, the photo sent by post.
func (e *env) marry(who string) *casework.Case {
	e.t.Helper()
	c, err := e.App.Cases.Apply(e.ctx, e.actor(who), casework.ApplyInput{ItemCode: marriage, OrgCode: county,
		Form: casework.Form{Description: "结婚登记"}, Materials: []casework.MaterialInput{
			{Name: "男女双方居民身份证", FileID: e.upload(who, "身份证")},
			{Name: "申请结婚登记声明书", HandedIn: "window"},
			{Name: "双方近期半身免冠合影2寸照片", HandedIn: "post"},
		}})
	if err != nil {
		e.t.Fatal(err)
	}
	if c, err = e.App.Cases.Act(e.ctx, e.actor("county.window"), c.Serial, casework.ActAccept, casework.ActionInput{}); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// birthInput is a 生育登记 whose ID cards come from the library entry lib.
func (e *env) birthInput(who string, lib int64) casework.ApplyInput {
	return casework.ApplyInput{ItemCode: birth, OrgCode: town, Form: casework.Form{Description: "生育登记"},
		Materials: []casework.MaterialInput{
			{Name: "生育登记表", FileID: e.upload(who, "生育登记表")},
			{Name: "夫妻双方居民身份证", Library: lib},
			{Name: "结婚证", HandedIn: "window"},
		}}
}

func entryNamed(t *testing.T, es []materials.Entry, name string) materials.Entry {
	t.Helper()
	for _, e := range es {
		if e.Name == name {
			return e
		}
	}
	t.Fatalf("no library entry %q in %+v", name, es)
	return materials.Entry{}
}

// Accepting a case keeps its materials in the applicant's library with
// their trust levels; a later application provides the ID cards from it
// (the same file, nothing uploaded again), the use is authorised once and
// counted as a submission saved; another person's entry or one taken out
// of the library is refused with nothing written.
func TestLibraryAndReuse(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ae *apptest.Env) {
		e := &env{Env: ae, t: t, ctx: context.Background()}
		m := e.marry("resident.wang")
		lib, err := e.App.Materials.Library(e.ctx, e.actor("resident.wang"))
		if err != nil {
			t.Fatal(err)
		}
		if len(lib) != 3 {
			t.Fatalf("library has %d entries, want the 3 accepted materials: %+v", len(lib), lib)
		}
		ids := entryNamed(t, lib, "男女双方居民身份证")
		if ids.Trust != materials.TrustUploaded || ids.FileID == 0 || ids.CaseSerial != m.Serial {
			t.Errorf("uploaded ID cards kept as %+v, want trust C with the file and case %s", ids, m.Serial)
		}
		if w := entryNamed(t, lib, "申请结婚登记声明书"); w.Trust != materials.TrustChecked {
			t.Errorf("window paper kept at trust %s, want B", w.Trust)
		}
		if p := entryNamed(t, lib, "双方近期半身免冠合影2寸照片"); p.Trust != materials.TrustChecked {
			t.Errorf("posted paper kept at trust %s, want B", p.Trust)
		}

		// Another person has an empty library, and cannot use Wang's entry.
		other, err := e.App.Users.RegisterTrusted(e.ctx, account.RegisterInput{Username: "resident.li", Password: apptest.DemoPassword,
			Name: "李德明", Phone: "13991560001", IDNumber: idNumber("61092319900101001")})
		if err != nil {
			t.Fatal(err)
		}
		if l, err := e.App.Materials.Library(e.ctx, other.Actor()); err != nil || len(l) != 0 {
			t.Fatalf("another resident's library: %v %+v, want empty", err, l)
		}
		before := e.count("SELECT COUNT(*) FROM cases")
		_, err = e.App.Cases.Apply(e.ctx, other.Actor(), e.birthInput("resident.li", ids.ID))
		if zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("reuse of another person's material: %v, want EINVALID (422)", err)
		}
		if n := e.count("SELECT COUNT(*) FROM cases"); n != before {
			t.Fatalf("a refused reuse filed a case (%d → %d)", before, n)
		}
		if n := e.count("SELECT COUNT(*) FROM material_authorisations"); n != 0 {
			t.Fatalf("a refused reuse recorded %d authorisations", n)
		}
		// Staff cannot look into a library.
		if _, err := e.App.Materials.Library(e.ctx, e.actor("chengguan.window")); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("staff reading a library: %v, want EFORBIDDEN", err)
		}

		// Wang's own reuse: filled from the library, the same file.
		it, err := e.App.Catalog.Get(e.ctx, birth)
		if err != nil {
			t.Fatal(err)
		}
		offers, err := e.App.Materials.Offers(e.ctx, e.actor("resident.wang"), it)
		if err != nil {
			t.Fatal(err)
		}
		if len(offers) != 1 || offers[0].Material != "夫妻双方居民身份证" || offers[0].Candidates[0].LibraryID != ids.ID {
			t.Fatalf("offers for 生育登记: %+v, want the ID cards from entry %d", offers, ids.ID)
		}
		c, err := e.App.Cases.Apply(e.ctx, e.actor("resident.wang"), e.birthInput("resident.wang", ids.ID))
		if err != nil {
			t.Fatal(err)
		}
		staff, err := e.App.Cases.Get(e.ctx, e.actor("chengguan.window"), c.Serial)
		if err != nil {
			t.Fatal(err)
		}
		var got *casework.Material
		for i := range staff.Materials {
			if staff.Materials[i].Name == "夫妻双方居民身份证" {
				got = &staff.Materials[i]
			}
		}
		if got == nil || got.HandedIn != casework.ByLibrary || got.Provided == nil || got.Provided.FromCase != m.Serial ||
			got.FileID != ids.FileID || got.Provided.Trust != materials.TrustUploaded {
			t.Fatalf("staff see the reused material as %+v (provided %+v), want provided by the library from %s with file %d", got, got.Provided, m.Serial, ids.FileID)
		}
		if n := e.count("SELECT COUNT(*) FROM material_authorisations WHERE case_serial = ? AND source = 'library'", c.Serial); n != 1 {
			t.Fatalf("%d authorisations recorded, want 1", n)
		}
		if n := e.count("SELECT COUNT(*) FROM audit_log WHERE action = 'material.authorise' AND object = ?", "case:"+c.Serial); n != 1 {
			t.Fatalf("%d audit entries of the authorisation, want 1", n)
		}

		// Taken out of the library: it provides nothing any more.
		if err := e.App.Materials.Remove(e.ctx, e.actor("resident.wang"), ids.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.Cases.Apply(e.ctx, e.actor("resident.wang"), e.birthInput("resident.wang", ids.ID)); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("reuse of a removed entry: %v, want EINVALID", err)
		}
		if err := e.App.Materials.Remove(e.ctx, e.actor("resident.li"), entryNamed(t, lib, "申请结婚登记声明书").ID); zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
			t.Fatalf("removing another person's entry: %v, want ENOTFOUND", err)
		}

		// The statistic: one saved, for 生育登记, this month — seen by the
		// county's and the town's supervisors, not by another town's.
		month := e.App.Now().In(zwfw.Zone).Format("2006-01")
		for _, who := range []string{"county.supervisor", "chengguan.supervisor"} {
			s, err := e.App.Super.Saved(e.ctx, e.actor(who), supervision.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			if s.Total != 1 || s.ByLibrary != 1 || len(s.ByItem) != 1 || s.ByItem[0].Code != birth || s.ByItem[0].Saved != 1 ||
				len(s.ByMonth) != 1 || s.ByMonth[0].Code != month || s.Cases != 1 {
				t.Errorf("%s: statistic %+v, want 1 saved for %s in %s", who, s, birth, month)
			}
		}
		// A later month counts apart.
		e.Clock.Set(e.App.Now().AddDate(0, 1, 0))
		e2 := e.marry("resident.li")
		l2, _ := e.App.Materials.Library(e.ctx, e.actor("resident.li"))
		if _, err := e.App.Cases.Apply(e.ctx, e.actor("resident.li"), e.birthInput("resident.li", entryNamed(t, l2, "男女双方居民身份证").ID)); err != nil {
			t.Fatalf("%s: %v", e2.Serial, err)
		}
		s, err := e.App.Super.Saved(e.ctx, e.actor("county.supervisor"), supervision.Filter{From: e.App.Now().AddDate(0, -2, 0).Format("2006-01-02"),
			To: e.App.Now().Format("2006-01-02")})
		if err != nil {
			t.Fatal(err)
		}
		if s.Total != 2 || len(s.ByMonth) != 2 || s.ByMonth[0].Saved != 1 || s.ByMonth[1].Saved != 1 {
			t.Errorf("two months: %+v, want one saved in each", s)
		}
	})
}

func idNumber(first17 string) string { return first17 + string(ident.IDCheckDigit(first17)) }

// A 结婚证 issued on completing the marriage provides the 生育登记's 结婚证:
// offered to its holder, refused to anyone else and once revoked (nothing
// written), and when used the case's material names the licence, carries
// no file, and is kept in the library as trust A.
func TestLicenceReuse(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ae *apptest.Env) {
		e := &env{Env: ae, t: t, ctx: context.Background()}
		wang := e.actor("resident.wang")
		c, err := e.App.Cases.Apply(e.ctx, wang, casework.ApplyInput{ItemCode: marriage, OrgCode: county,
			Form: casework.Form{Description: "结婚登记"}, Materials: []casework.MaterialInput{
				{Name: "男女双方居民身份证", HandedIn: "window"}, {Name: "申请结婚登记声明书", HandedIn: "window"},
				{Name: "双方近期半身免冠合影2寸照片", HandedIn: "window"}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.Cases.Act(e.ctx, e.actor("county.window"), c.Serial, casework.ActInstant, casework.ActionInput{Opinion: "准予登记"}); err != nil {
			t.Fatal(err)
		}
		id, err := e.App.Licences.OfCase(e.ctx, c.Serial)
		if err != nil || id == "" {
			t.Fatalf("no licence issued for %s: %v", c.Serial, err)
		}
		it, err := e.App.Catalog.Get(e.ctx, birth)
		if err != nil {
			t.Fatal(err)
		}
		offered := func(who *zwfw.Actor) string {
			offers, err := e.App.Materials.Offers(e.ctx, who, it)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range offers {
				if o.Material == "结婚证" {
					return o.Candidates[0].Licence
				}
			}
			return ""
		}
		if got := offered(wang); got != id {
			t.Fatalf("offered %q for the 结婚证, want the licence %s", got, id)
		}
		input := func(who string) casework.ApplyInput {
			return casework.ApplyInput{ItemCode: birth, OrgCode: town, Form: casework.Form{Description: "生育登记"},
				Materials: []casework.MaterialInput{{Name: "生育登记表", HandedIn: "window"}, {Name: "夫妻双方居民身份证", HandedIn: "window"},
					{Name: "结婚证", Licence: id}}}
		}
		other, err := e.App.Users.RegisterTrusted(e.ctx, account.RegisterInput{Username: "resident.zhao", Password: apptest.DemoPassword,
			Name: "赵建军", Phone: "13991560002", IDNumber: idNumber("61092319880808003")})
		if err != nil {
			t.Fatal(err)
		}
		if got := offered(other.Actor()); got != "" {
			t.Fatalf("another person is offered the licence %s", got)
		}
		before := e.count("SELECT COUNT(*) FROM cases")
		if _, err := e.App.Cases.Apply(e.ctx, other.Actor(), input("resident.zhao")); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("another person's licence: %v, want EINVALID", err)
		}
		if n := e.count("SELECT COUNT(*) FROM cases"); n != before || e.count("SELECT COUNT(*) FROM material_authorisations") != 0 {
			t.Fatal("a refused licence wrote a case or an authorisation")
		}

		b, err := e.App.Cases.Apply(e.ctx, wang, input("resident.wang"))
		if err != nil {
			t.Fatal(err)
		}
		var got casework.Material
		for _, m := range b.Materials {
			if m.Name == "结婚证" {
				got = m
			}
		}
		if got.HandedIn != casework.ByLicence || got.Provided == nil || got.Provided.Ref != id || got.Provided.Title != "结婚证" ||
			got.Provided.Trust != materials.TrustIssued || got.FileID != 0 {
			t.Fatalf("the 结婚证 of %s: %+v (provided %+v), want provided by licence %s with no file", b.Serial, got, got.Provided, id)
		}
		if _, err := e.App.Cases.Act(e.ctx, e.actor("chengguan.window"), b.Serial, casework.ActAccept, casework.ActionInput{}); err != nil {
			t.Fatal(err)
		}
		lib, _ := e.App.Materials.Library(e.ctx, wang)
		if a := entryNamed(t, lib, "结婚证"); a.Trust != materials.TrustIssued || a.Licence != id {
			t.Fatalf("the accepted 结婚证 kept as %+v, want trust A naming %s", a, id)
		}

		// Revoked: no longer offered, and a reference to it is refused.
		if _, err := e.App.Licences.Act(e.ctx, zwfw.System, id, "revoke", licence.ActInput{Reason: "婚姻登记被依法撤销"}); err != nil {
			t.Fatal(err)
		}
		if got := offered(wang); got != "" {
			t.Fatalf("a revoked licence is still offered: %s", got)
		}
		before = e.count("SELECT COUNT(*) FROM cases")
		if _, err := e.App.Cases.Apply(e.ctx, wang, input("resident.wang")); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("a revoked licence: %v, want EINVALID", err)
		}
		if n := e.count("SELECT COUNT(*) FROM cases"); n != before || e.count("SELECT COUNT(*) FROM material_authorisations") != 1 {
			t.Fatal("a revoked licence wrote a case or an authorisation")
		}
		s, err := e.App.Super.Saved(e.ctx, e.actor("county.supervisor"), supervision.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Total != 1 || s.ByLicence != 1 || s.ByItem[0].ByLicence != 1 {
			t.Errorf("statistic %+v, want 1 saved by a licence", s)
		}
	})
}
