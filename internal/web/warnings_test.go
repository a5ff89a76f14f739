package web_test

import (
	"context"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
)

// 预警督办: after a scan the county's supervisor sees the overdue demo case
// in red, linked to its case page; the level filter keeps it out of the
// yellow list; the town's supervisor does not see it; an applicant may not
// open the page. The page stays small and labelled.
func TestWarningsPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		if _, err := e.App.Warnings.Scan(context.Background()); err != nil {
			t.Fatal(err)
		}
		late := workDemoCase(t, e, wkTobacco, casework.Accepted, wkCounty)
		sup := login(t, e, "county.supervisor", apptest.DemoPassword)
		p := workOK(t, sup, "/supervision/warnings")
		row := workRow(t, p.Body, late)
		mustContain(t, "the overdue case's row", row, `href="/work/cases/`+late+`"`, "due-late", "红牌超期", "已超期")
		mustContain(t, "the menu", p.Body, `href="/supervision/warnings" aria-current="page"`, "预警督办")
		checkLabels(t, "/supervision/warnings", p.Body)
		size := len(p.Body)
		for _, m := range workAssetRE.FindAllStringSubmatch(p.Body, -1) {
			size += len(sup.get(m[1]).Body)
		}
		if size > wkPageLimit {
			t.Errorf("%d bytes with assets, over %d", size, wkPageLimit)
		}
		if y := workOK(t, sup, "/supervision/warnings?level=yellow").Body; strings.Contains(y, late) {
			t.Errorf("the yellow list shows the red case %s", late)
		}
		if d := workOK(t, sup, "/supervision/warnings?level=red&org=610923100").Body; strings.Contains(d, late) {
			t.Errorf("the town filter shows the county's case %s", late)
		}
		if town := workOK(t, login(t, e, "chengguan.supervisor", apptest.DemoPassword), "/supervision/warnings").Body; strings.Contains(town, late) {
			t.Errorf("the town's supervisor sees the county's case %s", late)
		}
		if st := login(t, e, "resident.wang", apptest.DemoPassword).get("/supervision/warnings").Status; st != http.StatusForbidden {
			t.Errorf("an applicant opens the warning list: %d", st)
		}
	})
}

func TestWarningsTemplateNoInline(t *testing.T) {
	b, err := os.ReadFile("templates/supervision_warnings.html")
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`(?i)<script|<style|\sstyle=|\son[a-z]+=|javascript:`).Find(b); m != nil {
		t.Errorf("inline %q", m)
	}
}
