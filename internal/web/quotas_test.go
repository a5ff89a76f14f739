package web_test

import (
	"net/url"
	"testing"

	"zwfw/internal/app/apptest"
)

// The hall manager sets a category's time-window quotas on the categories
// page: a bad text is refused in words that say how to write it, a good
// one is listed with the category.
func TestQuotasOnTheCategoriesPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		m := login(t, e, "county.hall", apptest.DemoPassword)
		form := url.Values{"name": {"出入境"}, "prefix": {"Q"}, "opens": {"08:30"}, "closes": {"17:30"}, "daily_max": {"100"},
			"max_recalls": {"3"}, "minutes": {"10"}, "slot_capacity": {"2"}, "active": {"1"}, "quotas": {"8点到12点60个"}}
		p := m.post("/admin/hall/centres/610923C/categories", form, true)
		mustContain(t, "refused", m.follow(p).Body, "应写成 08:30-12:00=60 的形式")
		form.Set("quotas", "08:30-12:00=60,14:00-17:30=40")
		p = m.post("/admin/hall/centres/610923C/categories", form, true)
		mustContain(t, "saved", m.follow(p).Body, "已新设业务类别“出入境”", "分时段限额 08:30-12:00=60,14:00-17:30=40")
	})
}
