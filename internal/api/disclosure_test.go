package api_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"zwfw/internal/app/apptest"
)

// 政务公开 through the API: the public search finds the seeded plan by a
// phrase of its text, with the phrase marked; an agency with a wrong credit
// code is refused with the field named; a notice goes draft → review →
// published (not by its author) → withdrawn (only with a reason), and the
// public sees it only while published. Bodies conform to openapi.json.
func TestDisclosureAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		pub := anon(t, e)
		r := pub.get("/disclosure/documents?q=" + url.QueryEscape("凡批必进、应进全进"))
		var found struct {
			Items []struct {
				ID      int64  `json:"id"`
				Number  string `json:"number"`
				Snippet struct {
					Match string `json:"match"`
				} `json:"snippet"`
			} `json:"items"`
			Total int `json:"total"`
		}
		r.decode(&found)
		if r.Status != 200 || found.Total != 1 || found.Items[0].Number != "宁政发〔2017〕17号" || found.Items[0].Snippet.Match != "凡批必进、应进全进" {
			t.Fatalf("search: %d %s", r.Status, r.Body)
		}
		r = pub.get("/disclosure/documents/" + strconv.FormatInt(found.Items[0].ID, 10))
		if r.Status != 200 {
			t.Fatalf("plan: %d", r.Status)
		}
		conforms(t, "Disclosure", r.Body)

		ed, sup := demo(t, e, "county.catalog"), demo(t, e, "county.supervisor")
		bad := ed.post("/disclosure/managed", map[string]any{"kind": "agency", "title": "某评估有限公司",
			"fields": map[string]string{"credit_code": "91610923MA70RT5LX0", "qualifications": "资产评估", "fees": "按标准", "time_limit": "10 个工作日", "contact": "0915-6820000"}})
		if !bad.apiErr(http.StatusUnprocessableEntity, "invalid").hasDetail("credit_code", "统一社会信用代码") {
			t.Errorf("bad credit code: %s", bad.Body)
		}
		r = ed.post("/disclosure/managed", map[string]any{"kind": "notice", "title": "关于元旦假期窗口值班的通知",
			"body": "元旦假期期间，县政务服务中心综合窗口安排值班。", "fields": map[string]string{"issuer": "宁陕县政务服务中心"}})
		if r.Status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		conforms(t, "Disclosure", r.Body)
		var d struct {
			ID int64 `json:"id"`
		}
		r.decode(&d)
		id := strconv.FormatInt(d.ID, 10)
		act := func(c *client, action string, body any) *response {
			return c.post("/disclosure/managed/"+id+"/actions/"+action, body)
		}
		if r := act(ed, "submit", nil); r.Status != 200 {
			t.Fatalf("submit: %d %s", r.Status, r.Body)
		}
		act(ed, "publish", nil).apiErr(http.StatusForbidden, "forbidden")
		if pub.get("/disclosure/documents/"+id).Status != 404 {
			t.Error("in review, yet public")
		}
		if r := act(sup, "publish", nil); r.Status != 200 {
			t.Fatalf("publish: %d %s", r.Status, r.Body)
		}
		if pub.get("/disclosure/documents/"+id).Status != 200 {
			t.Error("published, yet not public")
		}
		act(sup, "withdraw", map[string]string{}).apiErr(http.StatusUnprocessableEntity, "invalid")
		if r := act(sup, "withdraw", map[string]string{"reason": "值班安排调整"}); r.Status != 200 {
			t.Fatalf("withdraw: %d %s", r.Status, r.Body)
		}
		if pub.get("/disclosure/documents/"+id).Status != 404 {
			t.Error("withdrawn, yet public")
		}
	})
}
