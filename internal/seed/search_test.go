package seed_test

import (
	"context"
	"strings"
	"testing"

	"zwfw"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/seed"
)

// SearchCases are the county's searches that must find the right item
// first: residents' words (俗称), pinyin in full, a pinyin prefix, initials,
// and phrases from the middle of long names (issue 12 item 1). The web
// tests use the same table for the examples the search box suggests.
var searchCases = []struct{ q, first string }{
	{"低保", "城乡居民最低生活保障（审核确认）"},
	{"营业执照", "个体工商户登记（设立）"},
	{"开饭店", "食品经营许可"},
	{"开餐馆", "食品经营许可"},
	{"建房", "农村宅基地审批"},
	{"盖房", "农村宅基地审批"},
	{"dibao", "城乡居民最低生活保障（审核确认）"},
	{"dib", "城乡居民最低生活保障（审核确认）"},
	{"ＤＩＢＡＯ", "城乡居民最低生活保障（审核确认）"}, // full-width input
	{"spjy", "食品经营许可"},
	{"shipinjingying", "食品经营许可"},
	{"重度残疾人护理", "困难残疾人生活补贴和重度残疾人护理补贴"}, // the middle of a long name
	{"水土保持", "生产建设项目水土保持方案审批"},
	{"残疾人补贴", "困难残疾人生活补贴和重度残疾人护理补贴"}, // words not adjacent in the name
	{"我要办低保", "城乡居民最低生活保障（审核确认）"},    // filler words
	{"身份证", "居民身份证申领、换领、补领"},
	{"户口", "户口迁移（迁入登记）"},
	{"医保", "城乡居民基本医疗保险参保登记"},
	{"社保", "城乡居民基本养老保险参保登记"},
	{"结婚", "内地居民结婚登记"},
	{"生孩子", "生育登记"},
	{"准生证", "生育登记"},
	{"环评", "建设项目环境影响报告表审批"},
	{"食品 许可", "食品经营许可"},
	{"上学", "适龄儿童义务教育入学登记"},
	{"注销营业执照", "个体工商户注销登记"},
	{"销户口", "死亡人员户口注销"},
}

func TestSearchUnderstandsResidents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dp := deps(t, d)
		if err := seed.Base(ctx, dp); err != nil {
			t.Fatal(err)
		}
		for _, c := range searchCases {
			items, total, err := dp.Catalog.Search(ctx, catalog.Query{Q: c.q, Limit: 5})
			if err != nil {
				t.Fatalf("%s: %v", c.q, err)
			}
			if len(items) == 0 || items[0].Name != c.first {
				t.Errorf("search %q: want %s first, got %d: %s", c.q, c.first, total, names(items))
			}
		}
		// The entry points' new items fill their 申请书 online like the others.
		for _, code := range []string{"010100400000", "010100500000"} {
			if it, err := dp.Catalog.Get(ctx, code); err != nil || it.Form == nil {
				t.Errorf("%s has no online form (%v)", code, err)
			}
		}
		// Ranked: a 俗称 match (低保) ranks above items that only mention
		// 低保 in their conditions or materials, and those are found too.
		items, total, _ := dp.Catalog.Search(ctx, catalog.Query{Q: "低保", Limit: 50})
		if total < 2 {
			t.Errorf("低保 should also find items that mention 低保 in their conditions: %s", names(items))
		}
		// Filters still apply to a ranked search.
		if items, _, _ := dp.Catalog.Search(ctx, catalog.Query{Q: "低保", Level: "county", Limit: 50}); len(items) > 0 && items[0].Name == searchCases[0].first {
			t.Errorf("level filter ignored: %s", names(items))
		}
		// Paging of ranked results: offset skips the best.
		if more, _, _ := dp.Catalog.Search(ctx, catalog.Query{Q: "低保", Limit: 1, Offset: 1}); len(more) != 1 || more[0].Name == searchCases[0].first {
			t.Errorf("offset 1: %s", names(more))
		}
		// Nothing for gibberish; a misspelling gets a suggestion.
		for _, c := range []struct{ q, want string }{
			{"底保", "低保"},             // homophone typo of a pinyin input method
			{"营业只照", "营业执照"},         // one wrong character
			{"营叶执照", "营业执照"},         // another
			{"yingyezhizao", "营业执照"}, // a pinyin typo
			{"dibo", "低保"},
		} {
			if items, _, _ := dp.Catalog.Search(ctx, catalog.Query{Q: c.q}); len(items) != 0 {
				t.Errorf("%s: found %s; the suggestion test needs a query that finds nothing", c.q, names(items))
				continue
			}
			sug, err := dp.Catalog.Suggest(ctx, c.q)
			if err != nil {
				t.Fatal(err)
			}
			if len(sug) == 0 || sug[0].Text != c.want {
				t.Errorf("suggest %q: want %s first, got %+v", c.q, c.want, sug)
			}
		}
		if sug, _ := dp.Catalog.Suggest(ctx, "xqzv"); len(sug) != 0 {
			t.Errorf("suggestions for gibberish: %+v", sug)
		}
	})
}

// TestSearchSeesOtherProcessesChanges: the ranked search caches each item's
// index by version, so a 俗称 added through another Service (another
// process on the same database) is found at once, and a removed one no
// longer matches.
func TestSearchSeesOtherProcessesChanges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dp := deps(t, d)
		if err := seed.Base(ctx, dp); err != nil {
			t.Fatal(err)
		}
		other := catalog.NewService(d, dp.Orgs, dp.Files, dp.Now) // another process's
		if items, _, _ := dp.Catalog.Search(ctx, catalog.Query{Q: "吃席许可"}); len(items) != 0 {
			t.Fatalf("吃席许可 already found: %s", names(items))
		}
		it, err := other.Get(ctx, "010100100000")
		if err != nil {
			t.Fatal(err)
		}
		it.Aliases = append(it.Aliases, "吃席许可")
		if _, err := other.Update(ctx, zwfw.System, it.Code, it, "增加俗称", it.Version); err != nil {
			t.Fatal(err)
		}
		if items, _, _ := dp.Catalog.Search(ctx, catalog.Query{Q: "吃席许可"}); len(items) != 1 || items[0].Name != "食品经营许可" {
			t.Fatalf("after another process added 吃席许可: %s", names(items))
		}
		if _, err := other.Cancel(ctx, zwfw.System, it.Code, "测试取消", it.Version+1); err != nil {
			t.Fatal(err)
		}
		if items, _, _ := dp.Catalog.Search(ctx, catalog.Query{Q: "开饭店"}); len(items) != 0 {
			t.Fatalf("a cancelled item is still found: %s", names(items))
		}
	})
}

func names(items []*catalog.Item) string {
	var l []string
	for _, it := range items {
		l = append(l, it.Name)
	}
	return strings.Join(l, "；")
}
