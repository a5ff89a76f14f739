package api_test

import (
	"context"
	"net/http"
	"testing"

	"zwfw/internal/app/apptest"
)

// TestComplaintAPI: the public submits and reads a complaint with its
// number and code; bad input is refused in the one error shape with the
// field named and nothing stored; a wrong code is 404; staff list it, the
// hall manager assigns it, the window answers, the complainant rates it
// once; a bad case serial is refused.
func TestComplaintAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		stored := func() int {
			var n int
			if err := e.App.DB.QueryRow(context.Background(), "SELECT COUNT(*) FROM complaints").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		pub := anon(t, e)
		in := map[string]any{"kind": "complaint", "category": "fee", "org": "610923C", "subject": "收取了材料复印费",
			"body": "窗口要求自费复印材料，每页一元。", "name": "张三", "phone": "13800004444"}
		bad := map[string]any{}
		for k, v := range in {
			bad[k] = v
		}
		bad["phone"] = "1380000"
		before := stored()
		if er := pub.post("/complaints", bad).apiErr(http.StatusUnprocessableEntity, "invalid"); !er.hasDetail("phone", "格式不正确") {
			t.Fatalf("refusal %+v", er)
		}
		bad["phone"], bad["case"] = "13800004444", "610923-20260101-99999"
		if er := pub.post("/complaints", bad).apiErr(http.StatusUnprocessableEntity, "invalid"); !er.hasDetail("case", "不存在") {
			t.Fatalf("refusal %+v", er)
		}
		if stored() != before {
			t.Fatal("refused input stored")
		}
		r := pub.post("/complaints", in)
		if r.Status != http.StatusCreated {
			t.Fatalf("submit: %d %s", r.Status, r.Body)
		}
		var rc struct{ Number, QueryCode, Deadline string }
		r.decode(&struct {
			Number    *string `json:"number"`
			QueryCode *string `json:"query_code"`
			Deadline  *string `json:"deadline"`
		}{&rc.Number, &rc.QueryCode, &rc.Deadline})
		if rc.Number == "" || len(rc.QueryCode) != 6 || rc.Deadline == "" {
			t.Fatalf("receipt %s", r.Body)
		}
		wrong := "000000"
		if rc.QueryCode == wrong {
			wrong = "111111"
		}
		pub.post("/complaints/lookup", map[string]string{"number": rc.Number, "code": wrong}).apiErr(http.StatusNotFound, "not_found")
		if r := pub.post("/complaints/lookup", map[string]string{"number": rc.Number, "code": rc.QueryCode}); r.Status != http.StatusOK {
			t.Fatalf("lookup: %d %s", r.Status, r.Body)
		}
		// Staff: list, assign, answer.
		hallMgr := demo(t, e, "county.hall")
		if n := hallMgr.total("/complaints?state=received"); n < 1 {
			t.Fatalf("hall manager lists %d received", n)
		}
		hallMgr.post("/complaints/"+rc.Number+"/actions/assign", map[string]string{"unit": "610923XX"}).apiErr(http.StatusUnprocessableEntity, "invalid")
		if r := hallMgr.post("/complaints/"+rc.Number+"/actions/assign", map[string]string{"unit": "610923CW01"}); r.Status != http.StatusOK {
			t.Fatalf("assign: %d %s", r.Status, r.Body)
		}
		win := demo(t, e, "county.window")
		win.post("/complaints/"+rc.Number+"/actions/reopen", map[string]string{"text": "重新办理"}).apiErr(http.StatusForbidden, "forbidden")
		if r := win.post("/complaints/"+rc.Number+"/actions/answer", map[string]string{"text": "经核实，复印免费，已退还费用并致歉。"}); r.Status != http.StatusOK {
			t.Fatalf("answer: %d %s", r.Status, r.Body)
		}
		rate := map[string]string{"number": rc.Number, "code": rc.QueryCode, "rating": "basic"}
		if r := pub.post("/complaints/rating", rate); r.Status != http.StatusOK {
			t.Fatalf("rate: %d %s", r.Status, r.Body)
		}
		pub.post("/complaints/rating", rate).apiErr(http.StatusConflict, "conflict")
		// Another county's staff do not find it.
		demo(t, e, "chengguan.window").get("/complaints/"+rc.Number).apiErr(http.StatusNotFound, "not_found")
	})
}
