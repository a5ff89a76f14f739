package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"zwfw"
	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
	"zwfw/internal/supervision"
)

// The warning list: after a scan, the county's supervisor sees the overdue
// demo case in red; the town's supervisor sees only the town's; applicants
// may not look; bad filters are 422.
func TestWarningsAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		if _, err := e.App.Warnings.Scan(ctx); err != nil {
			t.Fatal(err)
		}
		late, _, err := e.App.Cases.List(ctx, zwfw.System, casework.Query{Item: "011300100000", Status: []string{casework.Accepted}})
		if err != nil || len(late) != 1 {
			t.Fatalf("overdue demo case: %v %v", late, err)
		}
		type list struct {
			Items []supervision.Warning
			Total int
		}
		get := func(c *client, path string) list {
			t.Helper()
			res := c.get(path)
			if res.Status != http.StatusOK {
				t.Fatalf("GET %s: %d %s", path, res.Status, res.Body)
			}
			var l list
			res.decode(&l)
			if l.Total != len(l.Items) {
				t.Fatalf("total %d, %d items", l.Total, len(l.Items))
			}
			return l
		}
		sup := demo(t, e, "county.supervisor")
		all := get(sup, "/supervision/warnings")
		found := false
		for _, w := range all.Items {
			if w.Serial == late[0].Serial && w.Scope == supervision.ScopeCase {
				found = w.Level == supervision.Red && w.Remaining < 0 && w.LevelName == "红牌超期"
			}
		}
		if !found {
			t.Fatalf("the overdue case %s is not red in %+v", late[0].Serial, all.Items)
		}
		red := get(sup, "/supervision/warnings?level=red")
		for _, w := range red.Items {
			if w.Level != supervision.Red {
				t.Errorf("level=red lists %+v", w)
			}
		}
		for _, w := range get(sup, "/supervision/warnings?kind=case&dept=610923D01").Items {
			if w.Scope != supervision.ScopeCase || !strings.Contains(w.DeptName, "市场监督管理局") {
				t.Errorf("kind=case&dept=610923D01 lists %+v", w)
			}
		}
		for _, w := range get(demo(t, e, "chengguan.supervisor"), "/supervision/warnings").Items {
			if !strings.HasPrefix(w.Serial, "610923100-") {
				t.Errorf("the town's supervisor sees %s", w.Serial)
			}
		}
		demo(t, e, "resident.wang").get("/supervision/warnings").apiErr(http.StatusForbidden, zwfw.EFORBIDDEN)
		anon(t, e).get("/supervision/warnings").apiErr(http.StatusUnauthorized, zwfw.EUNAUTHORIZED)
		sup.get("/supervision/warnings?level=orange").apiErr(http.StatusUnprocessableEntity, zwfw.EINVALID)
		sup.get("/supervision/warnings?kind=x").apiErr(http.StatusUnprocessableEntity, zwfw.EINVALID)
		sup.get("/supervision/warnings?org=nowhere").apiErr(http.StatusUnprocessableEntity, zwfw.EINVALID)
	})
}
