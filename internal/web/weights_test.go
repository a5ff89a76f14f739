package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
)

// The weights page shows whose weights are in force, and offers the form
// only to the administrators of the county (or the city) itself: a town's
// administrator reads them and is refused a change.
func TestWeightsPageByOrganisation(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	town := login(t, e, "chengguan.admin", apptest.DemoPassword)
	p := workOK(t, town, "/supervision/weights")
	mustContain(t, "town admin", p.Body, "默认权重", "考核权重由县、市的系统管理员为本县（市）设置")
	if strings.Contains(p.Body, `name="on_time"`) {
		t.Fatal("the town's administrator is offered the form")
	}
	v := url.Values{"on_time": {"55"}, "satisfaction": {"45"}, "error": {"6"}, "complaint": {"2"}}
	if p := town.post("/supervision/weights", v, true); p.Status != http.StatusForbidden {
		t.Fatalf("town admin saving weights: %d", p.Status)
	}
	county := login(t, e, "county.admin", apptest.DemoPassword)
	mustContain(t, "county admin", workOK(t, county, "/supervision/weights").Body, `name="on_time"`)
	if p := county.follow(county.post("/supervision/weights", v, true)); !strings.Contains(p.Body, "已保存考核权重") {
		t.Fatalf("county admin saving weights: %d", p.Status)
	}
	mustContain(t, "town admin after", workOK(t, town, "/supervision/weights").Body, "由宁陕县", `<td class="num">55</td>`)
}
