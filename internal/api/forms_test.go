package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
)

// The online 申请表 through the API (issue 12 items 3, 4 and 9): the item
// JSON carries the form; a case created with form data is checked in one
// pass — every problem of the form, the 受理地点 and the materials at once,
// each in details with its field — and the filled form stands in for the
// 申请书 material; the case JSON carries the data, ID numbers masked for
// staff and whole for the applicant.
func TestFormsAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		const job = "200300200000" // 就业创业证申领
		res := anon(t, e).get("/items/" + job)
		var it struct {
			Form struct {
				Title    string `json:"title"`
				Material string `json:"material"`
				Fields   []struct {
					Key, Label, Type string
				} `json:"fields"`
			} `json:"form"`
		}
		res.decode(&it)
		if it.Form.Title != "就业创业证申领登记表" || it.Form.Material == "" || len(it.Form.Fields) != 10 || it.Form.Fields[2].Type != "id_number" {
			t.Fatalf("item form: %+v", it.Form)
		}
		wang := demo(t, e, "resident.wang")
		// Everything missing: one answer with every problem.
		res = wang.post("/cases", map[string]any{"item_code": job, "form": map[string]any{"data": map[string]any{"f3": "610923198503120024"}}})
		bad := res.apiErr(http.StatusUnprocessableEntity, "invalid")
		for _, w := range [][2]string{{"org_code", "请选择"}, {"form.data.f1", "请填写“姓名”"}, {"form.data.f2", "请选择“性别”"},
			{"form.data.f3", "校验"}, {"form.data.f4", "户籍地址"}, {"materials", "居民身份证"}} {
			if !bad.hasDetail(w[0], w[1]) {
				t.Errorf("no problem %q at %s: %+v", w[1], w[0], bad.Details)
			}
		}
		for _, d := range bad.Details {
			if strings.Contains(d.Message, it.Form.Material) {
				t.Errorf("the 申请书 the form stands for is still asked for: %+v", d)
			}
		}
		// Filled in: filed with the ID card handed in at the window, no 申请书.
		data := map[string]any{"f1": "王秀兰", "f2": "女", "f3": "610923198503120025",
			"f4": map[string]any{"division": "610923100", "detail": "东关社区北街22号"},
			"f5": map[string]any{"division": "610923100", "detail": "东关社区北街22号"},
			"f6": "大专", "f7": "安康职业技术学院，2026年7月", "f8": "未就业", "f9": "首次申领", "f10": "13991561234"}
		res = wang.post("/cases", map[string]any{"item_code": job, "org_code": "610923100C", "form": map[string]any{"data": data},
			"materials": []map[string]any{{"name": "居民身份证", "handed_in": "window"}}})
		if res.Status != http.StatusCreated {
			t.Fatalf("apply: %d %s", res.Status, res.Body)
		}
		var k struct {
			Serial string
			Form   struct {
				Data map[string]json.RawMessage `json:"data"`
			} `json:"form"`
		}
		res.decode(&k)
		if string(k.Form.Data["f3"]) != `"610923198503120025"` || !strings.Contains(string(k.Form.Data["f4"]), `"division":"610923100"`) {
			t.Fatalf("the applicant's case JSON: %s", res.Body)
		}
		res = demo(t, e, "chengguan.window").get("/cases/" + k.Serial)
		if res.Status != http.StatusOK {
			t.Fatalf("staff read: %d", res.Status)
		}
		res.decode(&k)
		if string(k.Form.Data["f3"]) != `"610***********0025"` || string(k.Form.Data["f1"]) != `"王秀兰"` {
			t.Fatalf("staff case JSON not masked: %s", res.Body)
		}
		// A masked number stands only for the applicant's own (as the
		// apply page prefills it), never for a guess.
		guess := map[string]any{}
		for k, v := range data {
			guess[k] = v
		}
		guess["f3"] = "610***********0099"
		res = wang.post("/cases", map[string]any{"item_code": job, "org_code": "610923100C", "form": map[string]any{"data": guess},
			"materials": []map[string]any{{"name": "居民身份证", "handed_in": "window"}}})
		if !res.apiErr(http.StatusUnprocessableEntity, "invalid").hasDetail("form.data.f3", "") {
			t.Errorf("a masked unknown number was accepted: %s", res.Body)
		}
		guess["f3"] = "610***********0025"
		res = wang.post("/cases", map[string]any{"item_code": job, "org_code": "610923100C", "form": map[string]any{"data": guess},
			"materials": []map[string]any{{"name": "居民身份证", "handed_in": "window"}}})
		if res.Status != http.StatusCreated || !strings.Contains(string(res.Body), `"f3":"610923198503120025"`) {
			t.Errorf("her own masked number was not restored: %d %s", res.Status, res.Body)
		}
		// A number where an ID number belongs is refused.
		res = wang.post("/cases", map[string]any{"item_code": job, "org_code": "610923100C",
			"form": map[string]any{"data": map[string]any{"f3": 12}}, "materials": []map[string]any{{"name": "居民身份证", "handed_in": "window"}}})
		if !res.apiErr(http.StatusUnprocessableEntity, "invalid").hasDetail("form.data.f3", "身份证") {
			t.Errorf("a number as an ID number: %s", res.Body)
		}
	})
}
