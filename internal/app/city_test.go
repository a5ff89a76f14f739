package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zwfw/internal/app/apptest"
	"zwfw/internal/db"
	"zwfw/internal/exchange"
)

// TestCityPlatform: on a city platform the city's dashboard, drill-down
// and reports (pages and API) answer the city's own supervisor, refuse a
// county's supervisor, a resident and a visitor, and show what a county's
// events made of them; the Excel report opens. (On a county platform every
// caller gets 404: the authorization matrix's cityRows.) Both databases.
func TestCityPlatform(t *testing.T) {
	for _, d := range apptest.Dialects {
		t.Run(d, func(t *testing.T) {
			e := apptest.StartCity(t, d)
			ctx := context.Background()
			today := e.App.Now()
			feed := func(serial string, seq int, kind string, f map[string]any) {
				f["serial"] = serial
				body, _ := json.Marshal(f)
				ev := &exchange.Event{ID: exchange.EventID("610923", serial, seq), From: "610923", To: "610900", Case: serial, Seq: seq,
					Kind: kind, At: today.UnixMilli(), Body: body}
				if err := e.App.DB.InTx(ctx, func(tx *db.Tx) error {
					return e.App.City.Applier()(ctx, tx, &exchange.Peer{Code: "610923", Name: "宁陕县", Role: "county"}, ev)
				}); err != nil {
					t.Fatal(err)
				}
			}
			base := map[string]any{"item_code": "010100100000", "item_name": "食品经营许可", "dept_code": "610923D01", "dept_name": "市场监管局",
				"org_name": "宁陕县政务服务中心", "kind": "promised", "channel": "online", "filed_at": today.UnixMilli(), "promised_days": 5}
			with := func(kv ...any) map[string]any {
				m := map[string]any{}
				for k, v := range base {
					m[k] = v
				}
				for i := 0; i+1 < len(kv); i += 2 {
					m[kv[i].(string)] = kv[i+1]
				}
				return m
			}
			feed("610923-T-1", 1, "case.filed", with("status", "submitted"))
			feed("610923-T-1", 2, "case.accepted", with("status", "accepted", "deadline", "2000-01-10"))
			feed("610923-T-2", 1, "case.filed", with("status", "submitted"))

			type caller struct {
				name, user string
				web, api   int
			}
			for _, c := range []caller{
				{"city supervisor", apptest.CitySupervisor, 200, 200},
				{"city admin", "admin", 200, 200},
				{"county supervisor", "county.supervisor", 403, 403},
				{"resident", "resident.wang", 403, 403},
				{"visitor", "", 303, 401},
			} {
				web, tok := citySessions(t, e, c.user)
				for _, p := range []string{"/city", "/city/counties/610923", "/city/cases/610923/610923-T-1", "/city/reports", "/city/reports/" + today.Format("2006-01") + ".xlsx"} {
					res, body := cityGet(t, web, e.URL+p, "")
					if res.StatusCode != c.web {
						t.Errorf("%s %s: %d, want %d", c.name, p, res.StatusCode, c.web)
					}
					if c.web == 200 && p == "/city" && (!strings.Contains(body, "宁陕县") || !strings.Contains(body, "全市政务服务监管")) {
						t.Errorf("dashboard shows no county: %s", body)
					}
					if c.web == 200 && p == "/city/cases/610923/610923-T-1" && !strings.Contains(body, "红牌") {
						t.Errorf("the overdue case shows no red card")
					}
					if c.web == 200 && strings.HasSuffix(p, ".xlsx") {
						if x, err := excelize.OpenReader(strings.NewReader(body)); err != nil {
							t.Errorf("report: %v", err)
						} else if rows, _ := x.GetRows("按县区"); len(rows) < 2 || rows[1][1] != "宁陕县" {
							t.Errorf("report rows %q", rows)
						}
					}
				}
				for _, p := range []string{"/city/overview", "/city/counties/610923", "/city/cases/610923/610923-T-1", "/city/reports/" + today.Format("2006-01") + ".xlsx"} {
					res, body := cityGet(t, http.DefaultClient, e.URL+"/api/v1"+p, tok)
					if res.StatusCode != c.api {
						t.Errorf("%s API %s: %d, want %d: %s", c.name, p, res.StatusCode, c.api, body)
					}
					if c.api == 200 && p == "/city/overview" {
						var ov struct {
							Totals struct{ Filed, Accepted, Open, Red int }
						}
						_ = json.Unmarshal([]byte(body), &ov)
						if ov.Totals.Filed != 2 || ov.Totals.Accepted != 1 || ov.Totals.Red != 1 || ov.Totals.Open != 1 {
							t.Errorf("overview %s", body)
						}
					}
				}
			}
			// A case the city never heard of, a county it never heard of.
			_, tok := citySessions(t, e, apptest.CitySupervisor)
			for _, p := range []string{"/city/cases/610923/nope", "/city/counties/610999", "/city/reports/2026-13.xlsx"} {
				if res, body := cityGet(t, http.DefaultClient, e.URL+"/api/v1"+p, tok); res.StatusCode != 404 && res.StatusCode != 422 {
					t.Errorf("%s: %d %s", p, res.StatusCode, body)
				}
			}
		})
	}
}

// sessions signs user in (none for ""): a browser with its session cookie
// that follows no redirect, and an API token.
func citySessions(t *testing.T, e *apptest.Env, user string) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	web := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if user == "" {
		return web, ""
	}
	pw := apptest.DemoPassword
	if user == "admin" {
		pw = apptest.AdminPassword
	}
	res, err := http.Post(e.URL+"/api/v1/auth/login", "application/json", strings.NewReader(`{"username":"`+user+`","password":"`+pw+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ Token string }
	_ = json.NewDecoder(res.Body).Decode(&out)
	res.Body.Close()
	if out.Token == "" {
		t.Fatalf("login %s: %d", user, res.StatusCode)
	}
	// The page session: the login form, with its CSRF token.
	r0, page := cityGet(t, web, e.URL+"/login", "")
	_ = r0
	i := strings.Index(page, `name="csrf_token" value="`)
	form := url.Values{"username": {user}, "password": {pw}}
	if i >= 0 {
		rest := page[i+len(`name="csrf_token" value="`):]
		form.Set("csrf_token", rest[:strings.IndexByte(rest, '"')])
	}
	r, err := web.PostForm(e.URL+"/login", form)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	return web, out.Token
}

func cityGet(t *testing.T, c *http.Client, u, token string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}
