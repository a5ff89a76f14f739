package api_test

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"zwfw"
	"zwfw/internal/app/apptest"
)

// TestReportsAndErrorsAPI: a supervisor registers an error with evidence,
// the clerk responds, the supervisor confirms; a monthly bulletin is
// generated and read as JSON, HTML and xlsx; nothing changes a published
// report; bad input is refused with the one error shape.
func TestReportsAndErrorsAPI(t *testing.T) {
	now := time.Date(2026, 10, 9, 10, 0, 0, 0, zwfw.Zone)
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		sup := demo(t, e, "county.supervisor")
		clerk := demo(t, e, "county.window")

		// Evidence: only supervisors upload it.
		clerk.upload("/files", "file", "证据.txt", []byte("现场记录"), map[string]string{"purpose": "evidence"}).apiErr(http.StatusForbidden, "forbidden")
		up := sup.upload("/files", "file", "证据.txt", []byte("现场记录：超期办结"), map[string]string{"purpose": "evidence"})
		if up.Status != http.StatusCreated {
			t.Fatalf("upload evidence: %d %s", up.Status, up.Body)
		}
		var file struct{ ID int64 }
		up.decode(&file)

		in := map[string]any{"kind": "timeout", "staff": "county.window", "description": "办件超期", "occurred_on": "2026-09-16", "evidence": []int64{file.ID}}
		clerk.post("/errors", in).apiErr(http.StatusForbidden, "forbidden")
		bad := sup.post("/errors", map[string]any{"kind": "nope", "description": ""}).apiErr(http.StatusUnprocessableEntity, "invalid")
		if !bad.hasDetail("kind", "差错类型") || !bad.hasDetail("description", "差错情况") {
			t.Fatalf("details %+v", bad.Details)
		}
		sup.post("/errors", map[string]any{"kind": "timeout", "extra": 1}).apiErr(http.StatusBadRequest, "bad_request")
		res := sup.post("/errors", in)
		if res.Status != http.StatusCreated || !strings.HasPrefix(res.Header.Get("Location"), "/api/v1/errors/") {
			t.Fatalf("register: %d %s", res.Status, res.Body)
		}
		var er struct {
			ID       int64
			State    string
			Evidence []struct{ ID int64 }
		}
		res.decode(&er)
		path := "/errors/" + strconv.FormatInt(er.ID, 10)
		if g := clerk.get(path + "/files/" + strconv.FormatInt(er.Evidence[0].ID, 10)); g.Status != http.StatusOK || string(g.Body) != "现场记录：超期办结" {
			t.Fatalf("evidence download: %d %s", g.Status, g.Body)
		}
		demo(t, e, "chengguan.window").get(path).apiErr(http.StatusNotFound, "not_found")
		clerk.post(path+"/actions/confirm", map[string]string{"text": "认了"}).apiErr(http.StatusForbidden, "forbidden")
		clerk.post(path+"/actions/dance", map[string]string{}).apiErr(http.StatusBadRequest, "bad_request")
		if r := clerk.post(path+"/actions/respond", map[string]string{"text": "已整改"}); r.Status != http.StatusOK {
			t.Fatalf("respond: %d %s", r.Status, r.Body)
		}
		if r := sup.post(path+"/actions/confirm", map[string]string{}); r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"state":"confirmed"`) {
			t.Fatalf("confirm: %d %s", r.Status, r.Body)
		}
		sup.post(path+"/actions/revoke", map[string]string{"text": "x"}).apiErr(http.StatusConflict, "conflict")
		if n := clerk.total("/errors"); n != 1 {
			t.Fatalf("clerk's errors: %d", n)
		}

		// Weights: administrators only.
		sup.put("/assessment/weights", map[string]int{"on_time": 50, "satisfaction": 50, "error": 4, "complaint": 1}).apiErr(http.StatusForbidden, "forbidden")
		demo(t, e, "county.admin").put("/assessment/weights", map[string]int{"on_time": 50, "satisfaction": 60, "error": 4, "complaint": 1}).apiErr(http.StatusUnprocessableEntity, "invalid")
		if r := demo(t, e, "county.admin").put("/assessment/weights", map[string]int{"on_time": 50, "satisfaction": 50, "error": 4, "complaint": 1}); r.Status != http.StatusOK {
			t.Fatalf("weights: %d %s", r.Status, r.Body)
		}

		// Reports.
		clerk.post("/reports", map[string]string{"kind": "monthly", "period": "2026-09"}).apiErr(http.StatusForbidden, "forbidden")
		sup.post("/reports", map[string]string{"kind": "monthly", "period": "2026/09"}).apiErr(http.StatusUnprocessableEntity, "invalid")
		res = sup.post("/reports", map[string]string{"kind": "monthly", "period": "2026-09"})
		if res.Status != http.StatusCreated {
			t.Fatalf("generate: %d %s", res.Status, res.Body)
		}
		var rep struct {
			ID       int64
			Number   string
			Revision int
			Monthly  struct{ Total struct{ Errors int } }
		}
		res.decode(&rep)
		if rep.Revision != 1 || rep.Monthly.Total.Errors != 1 || !strings.HasPrefix(rep.Number, "月通报〔2026〕") {
			t.Fatalf("bulletin %+v", rep)
		}
		rpath := "/reports/" + strconv.FormatInt(rep.ID, 10)
		// JSON by default, HTML by Accept or format, xlsx by format.
		if g := clerk.get(rpath); g.Status != http.StatusOK || !strings.HasPrefix(g.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("clerk reading the county bulletin: %d %s", g.Status, g.Body)
		}
		h := sup.do("GET", rpath, "", nil, map[string]string{"Accept": "text/html,application/xhtml+xml"})
		if h.Status != http.StatusOK || !strings.HasPrefix(h.Header.Get("Content-Type"), "text/html") || !bytes.Contains(h.Body, []byte(rep.Number)) || !bytes.Contains(h.Body, []byte("宁陕县政务服务中心")) {
			t.Fatalf("html: %d %s", h.Status, h.Body)
		}
		x := sup.get(rpath + "?format=xlsx")
		f, err := excelize.OpenReader(bytes.NewReader(x.Body))
		if x.Status != http.StatusOK || err != nil {
			t.Fatalf("xlsx: %d %v", x.Status, err)
		}
		if v, _ := f.GetCellValue("总体情况", "A10"); v != "确认差错" {
			t.Fatalf("xlsx 总体情况 A10 = %q", v)
		}
		if v, _ := f.GetCellValue("总体情况", "B10"); v != "1" {
			t.Fatalf("xlsx confirmed errors = %q", v)
		}
		sup.get(rpath+"?format=pdf").apiErr(http.StatusBadRequest, "bad_request")
		demo(t, e, "resident.wang").get(rpath).apiErr(http.StatusNotFound, "not_found")
		// Immutable: no route changes or deletes a report.
		for _, m := range []string{"PUT", "PATCH", "DELETE"} {
			r := sup.do(m, rpath, "application/json", strings.NewReader(`{"title":"改"}`), nil)
			if r.Status != http.StatusMethodNotAllowed {
				t.Fatalf("%s %s: %d", m, rpath, r.Status)
			}
		}
		res = sup.post("/reports", map[string]string{"kind": "monthly", "period": "2026-09", "org": "610923"})
		var rep2 struct {
			ID       int64
			Revision int
		}
		res.decode(&rep2)
		if rep2.Revision != 2 {
			t.Fatalf("regenerated revision %d", rep2.Revision)
		}
		if n := sup.total("/reports?kind=monthly"); n != 2 {
			t.Fatalf("monthly reports listed: %d", n)
		}
		sup.get("/reports?kind=yearly").apiErr(http.StatusUnprocessableEntity, "invalid")
	}, apptest.Options{Now: func() time.Time { return now }})
}
