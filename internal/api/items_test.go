package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
	"zwfw/internal/catalog"
)

func TestCatalogAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := demo(t, e, "county.catalog")
		const code = "019999900010"

		t.Run("create, change, stale edit, change log", func(t *testing.T) {
			it := testItem(code, "测试小作坊登记")
			res := c.post("/items", body(t, it, map[string]any{"reason": "依据省级目录新设"}))
			if res.Status != http.StatusCreated {
				t.Fatalf("create: %d %s", res.Status, res.Body)
			}
			var created itemView
			res.decode(&created)
			if created.Version != 1 || created.Status != "active" || created.TypeName != "行政许可" || created.KindName != "承诺件" ||
				created.DeptName != "宁陕县市场监督管理局" || res.Header.Get("Location") != "/api/v1/items/"+code {
				t.Fatalf("created: %s (Location %q)", res.Body, res.Header.Get("Location"))
			}

			// Edit what GET returned, names and all.
			var fetched map[string]any
			c.get("/items/" + code).decode(&fetched)
			fetched["hours"] = "周一至周六 上午8:30—12:00"
			fetched["promised_limit_days"] = 12
			fetched["reason"] = "延长办理时间，调整承诺时限"
			res = c.put("/items/"+code, fetched)
			if res.Status != http.StatusOK {
				t.Fatalf("update: %d %s", res.Status, res.Body)
			}
			var updated itemView
			res.decode(&updated)
			if updated.Version != 2 || updated.Hours != "周一至周六 上午8:30—12:00" || updated.PromisedLimitDays != 12 {
				t.Fatalf("updated: %s", res.Body)
			}

			var log struct {
				Items []struct {
					Version       int
					Change        string
					ChangeName    string   `json:"change_name"`
					Changed       []string `json:"changed"`
					ChangedLabels []string `json:"changed_labels"`
					Reason        string
					ActorName     string `json:"actor_name"`
				}
				Total int
			}
			c.get("/items/" + code + "/versions").decode(&log)
			if log.Total != 2 || log.Items[0].Version != 2 || log.Items[0].Change != "update" || log.Items[0].ChangeName != "变更" ||
				!slices.Equal(log.Items[0].Changed, []string{"promised_limit_days", "hours"}) ||
				!slices.Equal(log.Items[0].ChangedLabels, []string{"承诺办结时限", "办理时间"}) ||
				log.Items[0].Reason != "延长办理时间，调整承诺时限" || log.Items[0].ActorName != "吴文静" || log.Items[1].Change != "create" {
				t.Fatalf("change log: %+v", log)
			}

			old := anon(t, e).get("/items/" + code + "?version=1")
			var v1 itemView
			old.decode(&v1)
			if old.Status != http.StatusOK || v1.Version != 1 || v1.Hours != it.Hours {
				t.Fatalf("version 1: %s", old.Body)
			}
			anon(t, e).get("/items/"+code+"?version=9").apiErr(http.StatusNotFound, "not_found")
			anon(t, e).get("/items/"+code+"?version=x").apiErr(http.StatusBadRequest, "bad_request")

			// Someone still editing version 1 is stopped.
			it.Hours = "全天"
			er := c.put("/items/"+code, body(t, it, map[string]any{"version": 1, "reason": "旧页面上的修改"})).apiErr(http.StatusConflict, "conflict")
			if !strings.Contains(er.Message, "第 2 版") {
				t.Fatalf("stale edit: %q", er.Message)
			}
			er = c.put("/items/"+code, body(t, it, map[string]any{"reason": "没有版本号"})).apiErr(http.StatusUnprocessableEntity, "invalid")
			if !er.hasDetail("version", "") {
				t.Fatalf("missing version: %+v", er)
			}
			if n := c.total("/items/" + code + "/versions"); n != 2 {
				t.Fatalf("refused edits added versions: %d", n)
			}
		})

		t.Run("rules are enforced with the field named", func(t *testing.T) {
			slow := testItem("019999900011", "承诺时限未压缩")
			slow.PromisedLimitDays, slow.Steps[1].LimitDays = 15, 11
			er := c.post("/items", body(t, slow, map[string]any{"reason": "新设"})).apiErr(http.StatusUnprocessableEntity, "invalid")
			if !er.hasDetail("promised_limit_days", "压缩 30%") {
				t.Fatalf("promise not 30%% shorter: %+v", er)
			}
			anon(t, e).get("/items/019999900011").apiErr(http.StatusNotFound, "not_found")
			slow.LimitNote = "法定时限已为省级统一压缩后的时限"
			if res := c.post("/items", body(t, slow, map[string]any{"reason": "新设"})); res.Status != http.StatusCreated {
				t.Fatalf("explained exception refused: %d %s", res.Status, res.Body)
			}

			now := testItem("019999900012", "即办测试")
			now.Kind, now.PromisedLimitDays = catalog.KindImmediate, 2
			for i := range now.Steps {
				now.Steps[i].LimitDays = 0
			}
			er = c.post("/items", body(t, now, map[string]any{"reason": "新设"})).apiErr(http.StatusUnprocessableEntity, "invalid")
			if !er.hasDetail("promised_limit_days", "即办件") {
				t.Fatalf("immediate item with days: %+v", er)
			}

			dup := testItem(code, "重复编码")
			dup.ImplCode = code + "-other"
			if er := c.post("/items", body(t, dup, map[string]any{"reason": "新设"})).apiErr(http.StatusConflict, "conflict"); !er.hasDetail("code", "重复") {
				t.Fatalf("duplicate code: %+v", er)
			}
			if er := c.post("/items", body(t, testItem("019999900013", "没有原因"), nil)).apiErr(http.StatusUnprocessableEntity, "invalid"); !er.hasDetail("reason", "") {
				t.Fatalf("no reason: %+v", er)
			}
			bad := body(t, testItem("019999900014", "拼错字段"), map[string]any{"reason": "新设", "promise_days": 3})
			if er := c.post("/items", bad).apiErr(http.StatusBadRequest, "bad_request"); !strings.Contains(er.Message, "promise_days") {
				t.Fatalf("misspelt element: %q", er.Message)
			}
		})

		t.Run("cancel", func(t *testing.T) {
			c.post("/items/"+code+"/cancel", map[string]any{"reason": "上级取消"}).apiErr(http.StatusUnprocessableEntity, "invalid")
			res := c.post("/items/"+code+"/cancel", map[string]any{"reason": "省级目录取消该事项", "version": 2})
			var it itemView
			res.decode(&it)
			if res.Status != http.StatusOK || it.Status != "cancelled" || it.Version != 3 {
				t.Fatalf("cancel: %d %s", res.Status, res.Body)
			}
			er := c.put("/items/"+code, body(t, testItem(code, "取消后再改"), map[string]any{"version": 3, "reason": "取消后修改"})).
				apiErr(http.StatusConflict, "conflict")
			if !strings.Contains(er.Message, "已取消") {
				t.Fatalf("edit after cancel: %q", er.Message)
			}
			if n := c.total("/items?q=" + code); n != 0 {
				t.Fatalf("cancelled item among active ones")
			}
			if n := c.total("/items?status=cancelled&q=" + code); n != 1 {
				t.Fatalf("cancelled item not listed as cancelled: %d", n)
			}
			anon(t, e).get("/items?status=gone").apiErr(http.StatusUnprocessableEntity, "invalid")
		})

		t.Run("search by words and pinyin initials", func(t *testing.T) {
			// The seed catalog has 食品经营许可; add it when the seed has none.
			const food = "010100100000"
			if res := anon(t, e).get("/items/" + food); res.Status == http.StatusNotFound {
				if res := c.post("/items", body(t, testItem(food, "食品经营许可"), map[string]any{"reason": "新设"})); res.Status != http.StatusCreated {
					t.Fatalf("create 食品经营许可: %d %s", res.Status, res.Body)
				}
			}
			for _, q := range []string{"食品", "spjyxk", "shipinjingying"} {
				var l struct {
					Items []itemView
					Total int
				}
				anon(t, e).get("/items?q=" + q + "&limit=500").decode(&l)
				i := slices.IndexFunc(l.Items, func(it itemView) bool { return it.Code == food })
				if i < 0 || l.Items[i].Name != "食品经营许可" || l.Items[i].DeptName == "" {
					t.Fatalf("q=%s: 食品经营许可 not found among %d", q, l.Total)
				}
			}
			var l struct {
				Items []itemView
				Total int
			}
			anon(t, e).get("/items?dept=610923D01&kind=承诺件&level=county&audience=enterprise&type=01&theme=经营许可&limit=1").decode(&l)
			if l.Total < 1 || len(l.Items) != 1 || l.Items[0].Dept != "610923D01" || l.Items[0].Kind != "promised" {
				t.Fatalf("filters: %+v", l)
			}
			if n := anon(t, e).total("/items?q=食品&dept=610923D02"); n != 0 {
				t.Fatalf("dept filter ignored: %d", n)
			}
			anon(t, e).get("/items?limit=abc").apiErr(http.StatusBadRequest, "bad_request")
		})
	})
}
