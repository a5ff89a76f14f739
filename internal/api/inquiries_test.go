package api_test

import (
	"fmt"
	"testing"

	"zwfw/internal/app/apptest"
)

// The register through the API: bad input gets 422 naming the field and
// records nothing; a referral is acknowledged by the receiving department
// only (another town's window: 404; the referring window: 403), and the
// referring side reads who acknowledged it; the FAQ made from a record
// shows in the item's versions; an online question is read back with its
// code and refused with a wrong one; an experience is listed only once
// approved.
func TestInquiriesAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		win := demo(t, e, "county.window")
		total := win.total("/inquiries")
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"channel": "visit", "question": "", "answer": "好"}, "question"},
			{map[string]any{"channel": "visit", "question": "问", "item": "000000000000", "answer": "好"}, "item"},
			{map[string]any{"channel": "visit", "question": "问", "guidance": "去三号窗口"}, "refer_to"},
			{map[string]any{"channel": "visit", "question": "问"}, "answer"},
		} {
			er := win.post("/inquiries", c.body).apiErr(422, "invalid")
			if len(er.Details) == 0 || er.Details[0].Field != c.field {
				t.Errorf("%v: %+v, want the field %s", c.body, er, c.field)
			}
		}
		if n := win.total("/inquiries"); n != total {
			t.Fatalf("bad input recorded %d", n-total)
		}
		r := win.post("/inquiries", map[string]any{"channel": "phone", "question": "开饭馆要办哪些证？", "item": "010100100000",
			"refer_to": "610923D01", "guidance": "请到市场准入窗口", "minutes": 2})
		var q struct {
			ID       int64 `json:"id"`
			Referral struct {
				Acknowledged bool   `json:"acknowledged"`
				AckBy        string `json:"ack_by"`
				AckAt        string `json:"ack_at"`
				StateName    string `json:"state_name"`
			} `json:"referral"`
		}
		if r.Status != 201 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		r.decode(&q)
		ack := fmt.Sprintf("/inquiries/%d/acknowledge", q.ID)
		demo(t, e, "chengguan.window").post(ack, nil).apiErr(404, "not_found")
		win.post(ack, nil).apiErr(403, "forbidden")
		if r := demo(t, e, "county.reviewer").post(ack, nil); r.Status != 200 {
			t.Fatalf("acknowledge: %d %s", r.Status, r.Body)
		}
		win.get(fmt.Sprintf("/inquiries/%d", q.ID)).decode(&q)
		if !q.Referral.Acknowledged || q.Referral.AckBy != "周建国" || q.Referral.AckAt == "" || q.Referral.StateName != "已签收" {
			t.Errorf("the referring side reads %+v", q.Referral)
		}

		r = win.post("/inquiries", map[string]any{"channel": "visit", "question": "许可证丢了怎么补办？", "item": "010100100000", "answer": "携带身份证到市场准入窗口申请补办。"})
		r.decode(&q)
		if r := demo(t, e, "county.catalog").post(fmt.Sprintf("/inquiries/%d/faq", q.ID), nil); r.Status != 200 {
			t.Fatalf("faq: %d %s", r.Status, r.Body)
		}
		var vl struct {
			Items []struct {
				Reason  string   `json:"reason"`
				Changed []string `json:"changed"`
			} `json:"items"`
		}
		anon(t, e).get("/items/010100100000/versions").decode(&vl)
		vs := vl.Items
		if len(vs) == 0 || vs[0].Reason != fmt.Sprintf("由首问登记 #%d 转为常见问题", q.ID) || len(vs[0].Changed) != 1 || vs[0].Changed[0] != "faq" {
			t.Errorf("versions: %+v", vs)
		}

		pub := anon(t, e)
		pub.post("/public/inquiries", map[string]any{"question": " "}).apiErr(422, "invalid")
		var tk struct {
			ID        int64  `json:"id"`
			QueryCode string `json:"query_code"`
		}
		pub.post("/public/inquiries", map[string]any{"question": "周六办公吗？"}).decode(&tk)
		wrong := "000000"
		if tk.QueryCode == wrong {
			wrong = "999999"
		}
		pub.get(fmt.Sprintf("/public/inquiries/%d?code=%s", tk.ID, wrong)).apiErr(404, "not_found")
		if r := demo(t, e, "county.hall").post(fmt.Sprintf("/inquiries/%d/answer", tk.ID), map[string]any{"answer": "周六不办公。"}); r.Status != 200 {
			t.Fatalf("answer: %d %s", r.Status, r.Body)
		}
		var pa struct{ Answer string }
		pub.get(fmt.Sprintf("/public/inquiries/%d?code=%s", tk.ID, tk.QueryCode)).decode(&pa)
		if pa.Answer != "周六不办公。" {
			t.Errorf("lookup: %+v", pa)
		}

		wang := demo(t, e, "resident.wang")
		wang.post("/items/010100100000/experiences", map[string]any{"body": ""}).apiErr(422, "invalid")
		var x struct{ ID int64 }
		wang.post("/items/010100100000/experiences", map[string]any{"body": "一次办好。"}).decode(&x)
		if n := pub.total("/items/010100100000/experiences"); n != 0 {
			t.Fatalf("a pending experience is listed: %d", n)
		}
		demo(t, e, "county.reviewer").post(fmt.Sprintf("/experiences/%d/actions/reject", x.ID), nil).apiErr(422, "invalid")
		if r := demo(t, e, "county.reviewer").post(fmt.Sprintf("/experiences/%d/actions/approve", x.ID), nil); r.Status != 200 {
			t.Fatalf("approve: %d %s", r.Status, r.Body)
		}
		if n := pub.total("/items/010100100000/experiences"); n != 1 {
			t.Errorf("approved experiences listed: %d", n)
		}
	})
}
