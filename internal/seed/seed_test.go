package seed_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	_ "zwfw/internal/account/cheaphash" // the demo accounts hash at the smallest cost

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/files"
	"zwfw/internal/org"
	"zwfw/internal/seed"
)

func deps(t testing.TB, d *db.DB) seed.Deps {
	t.Helper()
	now := func() time.Time { return time.Date(2026, 11, 26, 9, 0, 0, 0, db.Zone) }
	fs, err := files.NewStore(filepath.Join(t.TempDir(), "files"), d, now)
	if err != nil {
		t.Fatal(err)
	}
	orgs := org.NewService(d, now)
	return seed.Deps{DB: d, Orgs: orgs, Files: fs, Now: now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Catalog: catalog.NewService(d, orgs, fs, now), Users: account.NewService(d, orgs, now, account.Policy{})}
}

// TestSeededCounty checks the county a fresh install gets: the tree the
// issue asks for, a catalog of real items with downloadable forms, and the
// demo accounts; seeding twice changes nothing.
func TestSeededCounty(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dp := deps(t, d)
		if err := seed.Base(ctx, dp); err != nil {
			t.Fatal(err)
		}
		if err := seed.Demo(ctx, dp); err != nil {
			t.Fatal(err)
		}
		all, err := dp.Orgs.List(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		byCode := map[string]*org.Org{}
		for _, o := range all {
			count[o.Kind]++
			byCode[o.Code] = o
		}
		if count[org.KindTown] != 11 || count[org.KindDept] < 12 || count[org.KindVillage] < 22 {
			t.Fatalf("tree: %v", count)
		}
		if c := byCode["610923"]; c == nil || c.Kind != org.KindCounty || byCode[c.ParentCode].Code != "610900" {
			t.Fatal("宁陕县 610923 is not under 安康市 610900")
		}
		windows := map[string]int{}
		for _, o := range all {
			if o.Kind == org.KindWindow {
				windows[o.ParentCode]++
			}
		}
		for _, o := range all {
			if o.Kind == org.KindTown {
				if n := windows[o.Code+"C"]; n < 3 {
					t.Errorf("%s便民服务中心 has %d windows, want at least 3", o.Name, n)
				}
			}
		}
		items, err := dp.Catalog.All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) < 24 {
			t.Fatalf("catalog has %d items", len(items))
		}
		forms := 0
		for _, it := range items {
			for _, m := range it.Materials {
				for _, a := range []*catalog.Attachment{m.BlankForm, m.Sample, m.GuideFile} {
					if a != nil {
						forms++
						if !dp.Files.Has(a.SHA256) {
							t.Errorf("%s %s: attachment %s not stored", it.Name, m.Name, a.Name)
						}
					}
				}
			}
			for _, bad := range []string{"XXX", "待定", "示例文本", "TODO", "lorem"} {
				if doc := strings.ToLower(it.Name + it.Conditions); strings.Contains(doc, strings.ToLower(bad)) {
					t.Errorf("%s contains placeholder %q", it.Name, bad)
				}
			}
		}
		if forms < len(items) {
			t.Errorf("only %d downloadable forms for %d items", forms, len(items))
		}
		if _, err := dp.Users.ByUsername(ctx, "chengguan.window"); err != nil {
			t.Fatal("demo account chengguan.window missing")
		}
		// Seeding again is a no-op.
		if err := seed.Base(ctx, dp); err != nil {
			t.Fatal(err)
		}
		if err := seed.Demo(ctx, dp); err != nil {
			t.Fatal(err)
		}
		again, _ := dp.Catalog.All(ctx)
		if len(again) != len(items) {
			t.Fatalf("second seed: %d items, was %d", len(again), len(items))
		}
	})
}

// TestCatalogRoundTrip: the seeded catalog exported as JSON, converted to
// xlsx and read back gives the same JSON, byte for byte; and importing the
// xlsx into the same catalog changes nothing.
func TestCatalogRoundTrip(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dp := deps(t, d)
		if err := seed.Base(ctx, dp); err != nil {
			t.Fatal(err)
		}
		var first bytes.Buffer
		if err := dp.Catalog.ExportJSON(ctx, &first); err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(first.Bytes(), []byte(`"aliases": [`)) {
			t.Fatal("the export carries no 俗称 (aliases): the round trip would not cover them")
		}
		items, err := catalog.DecodeJSON(bytes.NewReader(first.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		var x bytes.Buffer
		if err := catalog.WriteXLSX(&x, items, func(code string) string { return "部门" + code }); err != nil {
			t.Fatal(err)
		}
		back, loc, err := catalog.ReadXLSX(bytes.NewReader(x.Bytes()))
		if err != nil {
			t.Fatalf("read xlsx: %v", err)
		}
		var second bytes.Buffer
		if err := catalog.EncodeJSON(&second, back); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first.Bytes(), second.Bytes()) {
			a, b := first.String(), second.String()
			i := 0
			for i < len(a) && i < len(b) && a[i] == b[i] {
				i++
			}
			t.Fatalf("JSON → xlsx → JSON differs at byte %d:\n%s\n---\n%s", i, a[max(0, i-200):min(len(a), i+200)], b[max(0, i-200):min(len(b), i+200)])
		}
		admin := &zwfw.Actor{Kind: zwfw.KindSystem, Name: "系统", OrgPath: "/"}
		res, err := dp.Catalog.Import(ctx, admin, back, loc, "导入测试")
		if err != nil || res.Unchanged != len(items) || res.Created+res.Updated+res.Cancelled != 0 {
			t.Fatalf("re-import of the export: %+v %v", res, err)
		}
	})
}

// TestDemoCases: the demo seed leaves cases in every status and of every kind.
func TestDemoCases(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dp := deps(t, d)
		if err := seed.Base(ctx, dp); err != nil {
			t.Fatal(err)
		}
		if err := seed.Demo(ctx, dp); err != nil {
			t.Fatal(err)
		}
		if err := seed.DemoCases(ctx, dp); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		rows, err := d.Query(ctx, "SELECT DISTINCT status FROM cases UNION SELECT DISTINCT kind FROM cases")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			rows.Scan(&s)
			seen[s] = true
		}
		rows.Close()
		for _, want := range []string{"submitted", "supplement_required", "accepted", "rejected", "in_progress", "suspended",
			"approved", "denied", "awaiting_payment", "completed", "delivered", "archived", "withdrawn",
			"immediate", "promised", "joint", "upward"} {
			if !seen[want] {
				t.Errorf("no demo case is %s", want)
			}
		}
		// Each applicant is one the item serves (服务对象).
		arows, err := d.Query(ctx, "SELECT item_code, applicant_kind FROM cases")
		if err != nil {
			t.Fatal(err)
		}
		var pairs [][2]string
		for arows.Next() {
			var code, kind string
			arows.Scan(&code, &kind)
			pairs = append(pairs, [2]string{code, kind})
		}
		arows.Close()
		for _, p := range pairs {
			it, err := dp.Catalog.Get(ctx, p[0])
			if err != nil {
				t.Fatal(err)
			}
			if len(it.Audience) > 0 && !slices.Contains(it.Audience, p[1]) {
				t.Errorf("demo case of %s (%s) filed by a %s", it.Name, strings.Join(it.Audience, ","), p[1])
			}
		}
		// Filing them again adds nothing.
		if err := seed.DemoCases(ctx, dp); err != nil {
			t.Fatal(err)
		}
	})
}

// TestCaseFilesNeverBecomeCatalogDownloads: an applicant's upload (a case
// material) cannot be attached to a public item, even by a catalog
// administrator who knows its digest.
func TestCaseFilesNeverBecomeCatalogDownloads(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	dp := deps(t, d)
	if err := seed.Base(ctx, dp); err != nil {
		t.Fatal(err)
	}
	scan, err := dp.Files.PutBytes(ctx, zwfw.System, "身份证.png", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...), files.PurposeCase)
	if err != nil {
		t.Fatal(err)
	}
	it, err := dp.Catalog.Get(ctx, "010100100000")
	if err != nil {
		t.Fatal(err)
	}
	it.Materials[0].Sample = &catalog.Attachment{Name: "样表.png", SHA256: scan.SHA256, Size: scan.Size, ContentType: scan.ContentType}
	_, err = dp.Catalog.Update(ctx, zwfw.System, it.Code, it, "换样表", it.Version)
	if zwfw.ErrorCode(err) != zwfw.EINVALID || !strings.Contains(zwfw.ErrorMessage(err), "不存在") {
		t.Fatalf("case file attached to an item: %v", err)
	}
}

// The first start is recorded once; a database seeded before the record
// existed gets the time its county was seeded, which was its first start.
func TestFirstStartRecorded(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dp := deps(t, d)
		if err := seed.Base(ctx, dp); err != nil {
			t.Fatal(err)
		}
		if at, err := d.Started(ctx); err != nil || !at.Equal(dp.Now()) {
			t.Fatalf("first start %v (%v), want %v", at, err, dp.Now())
		}
		later := dp
		later.Now = func() time.Time { return dp.Now().AddDate(0, 1, 0) }
		if err := seed.Base(ctx, later); err != nil {
			t.Fatal(err)
		}
		if at, err := d.Started(ctx); err != nil || !at.Equal(dp.Now()) {
			t.Fatalf("a second start moved the first to %v (%v)", at, err)
		}
		// An older database: no record, seeded in March.
		if _, err := d.Exec(ctx, "DELETE FROM meta WHERE key = 'platform.started'"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(ctx, "UPDATE meta SET value = '2026-03-02T10:00:00+08:00' WHERE key = 'seed.orgs'"); err != nil {
			t.Fatal(err)
		}
		if err := seed.Base(ctx, later); err != nil {
			t.Fatal(err)
		}
		if at, err := d.Started(ctx); err != nil || !at.Equal(time.Date(2026, 3, 2, 10, 0, 0, 0, db.Zone)) {
			t.Fatalf("an older database's first start %v (%v), want when it was seeded", at, err)
		}
	})
}

// TestReadmeProgressExample: the serial number and query code README gives
// for the public progress page open a case of a freshly seeded demo, and
// every demo case's query code is the same in every demo.
func TestReadmeProgressExample(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("办件编号 `(\\d{6,9}-\\d{8}-\\d{5})`，查询码 `(\\d{6})`").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README gives no demo serial number and query code (办件编号 `…`，查询码 `…`)")
	}
	serial, code := string(m[1]), string(m[2])
	codes := map[string]map[string]string{}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dp := deps(t, d)
		for _, step := range []func(context.Context, seed.Deps) error{seed.Base, seed.Demo, seed.DemoCases} {
			if err := step(ctx, dp); err != nil {
				t.Fatal(err)
			}
		}
		cases := casework.NewService(d, dp.Catalog, calendar.New(d, dp.Now), dp.Now)
		p, err := cases.PublicProgress(ctx, serial, code, "192.0.2.1")
		if err != nil {
			t.Fatalf("README's %s / %s: %v", serial, code, err)
		}
		if p.Status != casework.Archived || len(p.Steps) < 5 {
			t.Errorf("README's example is %s with %d steps, want an archived case with its whole timeline", p.Status, len(p.Steps))
		}
		// The notices print the code the case has.
		var stale int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM case_notices n JOIN cases c ON c.id = n.case_id
			WHERE n.content NOT LIKE '%"query_code":"' || c.query_code || '"%'`).Scan(&stale); err != nil || stale != 0 {
			t.Errorf("%d demo notices print another query code than their case's (%v)", stale, err)
		}
		rows, err := d.Query(ctx, "SELECT serial, query_code FROM cases")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		codes[string(d.Dialect)] = map[string]string{}
		for rows.Next() {
			var s, c string
			rows.Scan(&s, &c)
			codes[string(d.Dialect)][s] = c
		}
	})
	if sq, pg := codes["sqlite"], codes["postgres"]; sq != nil && pg != nil && !maps.Equal(sq, pg) {
		t.Errorf("two demos have different serial numbers or query codes:\n%v\n%v", sq, pg)
	}
}
