package web_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
	"zwfw/internal/httpauth"
	"zwfw/internal/web"
)

var (
	controlRE = regexp.MustCompile(`<(input|select|textarea)\b[^>]*>`)
	idRE      = regexp.MustCompile(`\sid="([^"]+)"`)
	forRE     = regexp.MustCompile(`\sfor="([^"]+)"`)
)

// Every input has a label, and ids are unique on a page.
func TestEveryInputHasALabel(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	anon := newClient(t, e)
	admin := login(t, e, "admin", apptest.AdminPassword)
	pages := []struct {
		c    *client
		path string
	}{
		{anon, "/"}, {anon, "/items"}, {anon, "/items/" + foodCode}, {anon, "/login"}, {anon, "/register"},
		{anon, "/register?type=enterprise"}, {anon, "/towns/610923100"},
		{admin, "/admin"}, {admin, "/admin/items"}, {admin, "/admin/items/new"}, {admin, "/admin/items/" + foodCode + "/edit"},
		{admin, "/admin/items/" + foodCode + "/cancel"}, {admin, "/admin/catalog/import"}, {admin, "/admin/orgs"},
		{admin, "/admin/orgs/new?parent=610923100C"}, {admin, "/admin/orgs/610923100C/edit"}, {admin, "/admin/users"},
		{admin, "/admin/users/new"}, {admin, "/admin/users/county.window/edit"}, {admin, "/account"},
		{admin, "/supervision"}, {admin, "/supervision/screen"}, {admin, "/supervision/cases?under=610923&status=submitted"},
		{anon, "/hall/610923C/kiosk"}, {anon, "/hall/610923C"}, {anon, "/hall/610923C/screen"}, {admin, "/admin/hall?centre=610923C"},
		{admin, "/admin/hall?centre=610923C&edit=1"},
	}
	for _, pg := range pages {
		p := pg.c.get(pg.path)
		if p.Status != 200 {
			t.Errorf("%s = %d", pg.path, p.Status)
			continue
		}
		checkLabels(t, pg.path, p.Body)
	}
}

// The head and the footer carry the site's identification from the
// configuration.
func TestSiteIdentification(t *testing.T) {
	e := apptest.Start(t, "sqlite", apptest.Options{NoDemo: true})
	a := e.App
	cfg := a.Config
	cfg.Site.IDCode = "6109230001"
	cfg.Site.ICP = "陕ICP备12345678号"
	cfg.Site.PublicSec = "陕公网安备 61092302000001号"
	cfg.Site.ErrorReport = "https://zfwzzc.www.gov.cn/check_web/errorInfo_querySiteInfo.action?sitecode=6109230001"
	svc := a.Services()
	svc.Config = cfg
	h, err := web.New(svc)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpauth.Middleware(a.Users, httpauth.Options{})(h))
	defer srv.Close()
	for _, path := range []string{"/", "/items/" + foodCode, "/login", "/no-such-page"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		buf := make([]byte, 32<<10)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		resp.Body.Close()
		mustContain(t, path, b.String(), `<meta name="SiteIDCode" content="6109230001">`, `<meta name="SiteName" content="宁陕县政务服务网">`,
			`<meta name="SiteDomain" content="zwfw.ningshan.gov.cn">`, "网站标识码：6109230001", "ICP备案号：陕ICP备12345678号",
			"公网安备号：陕公网安备 61092302000001号", `>政府网站找错</a>`, "主办单位：宁陕县人民政府办公室", "0915-6822345")
	}
}

// checkLabels: every control has a label, ids are unique, images have alt.
func checkLabels(t *testing.T, path, body string) {
	t.Helper()
	labelled := map[string]bool{}
	for _, m := range forRE.FindAllStringSubmatch(body, -1) {
		labelled[m[1]] = true
	}
	seen := map[string]bool{}
	for _, m := range idRE.FindAllStringSubmatch(body, -1) {
		if seen[m[1]] {
			t.Errorf("%s: duplicate id %q", path, m[1])
		}
		seen[m[1]] = true
	}
	for _, loc := range controlRE.FindAllStringIndex(body, -1) {
		tag := body[loc[0]:loc[1]]
		if strings.Contains(tag, `type="hidden"`) {
			continue
		}
		if m := idRE.FindStringSubmatch(tag); m != nil && labelled[m[1]] {
			continue
		}
		before := body[:loc[0]]
		if strings.LastIndex(before, "<label") > strings.LastIndex(before, "</label>") {
			continue
		}
		t.Errorf("%s: no label for %s", path, tag)
	}
	for _, img := range regexp.MustCompile(`<img\b[^>]*>`).FindAllString(body, -1) {
		if !strings.Contains(img, " alt=") {
			t.Errorf("%s: image without alt: %s", path, img)
		}
	}
}
