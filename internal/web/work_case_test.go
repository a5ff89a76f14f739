package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"zwfw"
	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
	"zwfw/internal/seed"
)

// offeredRE finds the actions a case page offers: the forms (and the
// second buttons of a form) that post to an action, the 当场办结 form, the
// evaluation pad, the applicant's withdrawal, supplement and rating.
var offeredRE = regexp.MustCompile(`(?:action|formaction|href)="/(?:work|my)/cases/[^/"]+/(?:actions/)?([a-z-]+)"`)

func offeredOn(body string) []string {
	var out []string
	for _, m := range offeredRE.FindAllStringSubmatch(body, -1) {
		a := m[1]
		switch a {
		case "ident", "files", "form": // not actions: revealing, downloading, printing the 申请书
			continue
		}
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	slices.Sort(out)
	return out
}

// The pages offer exactly what casework allows: for every demo case and
// every demo account, the work page (or 我的办件 for an applicant) has a
// form or button for each action of casework.Allowed and for nothing else.
// (What Allowed answers is tested on both databases in casework; the pages
// only render it, so one database is enough here.)
func TestWorkPagesOfferExactlyAllowed(t *testing.T) {
	e := apptest.Start(t, "sqlite")
	ctx := context.Background()
	list, _, err := e.App.Cases.List(ctx, zwfw.System, casework.Query{Limit: 100})
	if err != nil || len(list) < 15 {
		t.Fatalf("demo cases: %d %v", len(list), err)
	}
	clients := map[string]*client{}
	var who []string
	for _, a := range seed.DemoAccounts {
		who = append(who, a.Username)
	}
	for _, a := range seed.DemoApplicants {
		who = append(who, a.Username)
	}
	checked := 0
	for _, u := range who {
		a := actorOf(t, e, u)
		for _, s := range list {
			k, err := e.App.Cases.Get(ctx, a, s.Serial)
			if err != nil {
				continue
			}
			var want []string
			for _, x := range k.Actions {
				want = append(want, x.Action)
			}
			slices.Sort(want)
			c := clients[u]
			if c == nil {
				c = login(t, e, u, apptest.DemoPassword)
				clients[u] = c
			}
			path := "/work/cases/" + s.Serial
			if !a.IsStaff() {
				path = "/my/cases/" + s.Serial
			}
			p := c.get(path)
			if p.Status != http.StatusOK {
				t.Fatalf("%s GET %s = %d", u, path, p.Status)
			}
			if got := offeredOn(p.Body); !slices.Equal(got, want) {
				t.Errorf("%s on %s (%s, %s): the page offers %v, casework allows %v", u, s.Serial, s.ItemName, s.Status, got, want)
			}
			checked++
		}
	}
	if checked < 100 {
		t.Fatalf("only %d pages checked", checked)
	}
}

// 一次性告知 once: after the applicant supplemented, the window is not
// offered a second notice and is told why; a forged one is refused; the
// supervisor allows one more with a reason, which the case shows; then the
// window may tell once more.
func TestWorkOneTimeNoticeOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		serial := workDemoCase(t, e, "010100300000", casework.SupplementRequired, wkCounty)
		path := "/work/cases/" + serial
		win := login(t, e, "county.window", apptest.DemoPassword)
		postForm(t, win, path, path+"/actions/supplement", http.StatusSeeOther, func(v url.Values) { v.Add("mat", "0") })
		p := workOK(t, win, path)
		if strings.Contains(p.Body, "/actions/notify-supplement") {
			t.Fatal("the window is offered a second 一次性告知")
		}
		mustContain(t, "told once", p.Body, `id="held-notice"`, "不得再次告知", "须经电子监察人员准许")
		k := workGetCase(t, e, serial)
		forged := url.Values{"version": {strconv.Itoa(k.Version)}, "lines": {"营业执照复印件不清晰"}}
		if p := win.post(path+"/actions/notify-supplement", forged, true); p.Status != http.StatusConflict || !strings.Contains(p.Body, "不得再次告知") {
			t.Fatalf("forged second notice = %d", p.Status)
		}

		sup := login(t, e, "county.supervisor", apptest.DemoPassword)
		p = postForm(t, sup, path, path+"/actions/allow-second-notice", http.StatusUnprocessableEntity, nil)
		mustContain(t, "no reason", p.Body, "准许再次告知的理由", `id="wa-asn-opinion-err"`)
		const why = "补正的健康证明仍已过期，属补正后新发现的问题"
		postForm(t, sup, path, path+"/actions/allow-second-notice", http.StatusSeeOther, func(v url.Values) { v.Set("opinion", why) })
		mustContain(t, "allowed", workOK(t, win, path).Body, "准许再次一次性告知", why, "孙立华", "/actions/notify-supplement")
		postForm(t, win, path, path+"/actions/notify-supplement", http.StatusSeeOther, func(v url.Values) {
			v.Set("lines", "健康证明已过有效期")
		})
		if k := workGetCase(t, e, serial); k.Status != casework.SupplementRequired {
			t.Fatalf("after the second notice: %s", k.Status)
		}
	})
}
