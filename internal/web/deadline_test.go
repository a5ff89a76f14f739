package web_test

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
)

var (
	dueRowRE    = regexp.MustCompile(`(?s)href="/work/cases/([0-9A-Z-]+)".*?<span class="due (due-[a-z]+)">([^<]*)</span>`)
	warnRowRE   = regexp.MustCompile(`(?s)<tr class="sw-(red|yellow)">.*?href="/work/cases/([0-9A-Z-]+)".*?<td data-label="预警对象">([^<：]+)`)
	warnedKPIRE = regexp.MustCompile(`<span class="sv-k">预警在办</span><b>(\d+)</b>`)
)

// dueColours reads the deadline colour of each case listed on a workbench
// page: serial → due-ok, due-warn, due-late or due-pause.
func dueColours(body string) map[string]string {
	out := map[string]string{}
	for _, row := range strings.Split(body, "<tr")[1:] {
		if m := dueRowRE.FindStringSubmatch(row); m != nil {
			out[m[1]] = m[2]
		}
	}
	return out
}

// TestDeadlineColoursAgree walks cases near their deadlines day by day from
// the day the tests stand on (weekends in it; a long holiday too when
// ZWFW_TEST_TODAY is the eve of one) and, each day after the
// warning job's scan, compares what three pages say of every running case
// of the county: its colour on the workbench (the reviewer's inbox and the
// supervisor's list of all cases), its card on the warnings page, and the
// dashboard's 预警在办 count. Among the cases: one whose limit an approved
// extension lengthened (the item's limit alone would make it green when it
// is yellow), a 即办件 left accepted on its day, a suspended one, and the
// demo county's.
func TestDeadlineColoursAgree(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		as := func(username string) *zwfw.Actor {
			u, err := e.App.Users.ByUsername(ctx, username)
			if err != nil {
				t.Fatal(err)
			}
			return u.Actor()
		}
		act := func(who, serial, action string, in casework.ActionInput) {
			t.Helper()
			in.Version = workGetCase(t, e, serial).Version
			if _, err := e.App.Cases.Act(ctx, as(who), serial, action, in); err != nil {
				t.Fatalf("%s %s: %v", action, serial, err)
			}
		}
		accepted := func(item string) string {
			serial := workWalkIn(t, e, item, wkCounty)
			act("county.window", serial, casework.ActAccept, casework.ActionInput{})
			return serial
		}
		day0 := e.Clock.Date()
		// Two weeks before: 5 + 10 working days on an extension, so that it
		// turns yellow with 3 left (a fifth of 15) during the walk, when the
		// item's own limit alone would say 2.
		e.Clock.Set(day0.AddDate(0, 0, -14).Add(10 * time.Hour))
		extended := accepted(wkFood)
		act("county.reviewer", extended, casework.ActRequestExtension, casework.ActionInput{Days: 10, Opinion: "需现场核查经营场所"})
		act("county.supervisor", extended, casework.ActApproveExtension, casework.ActionInput{Opinion: "同意延期"})
		e.Clock.Set(day0.Add(10 * time.Hour))
		food := accepted(wkFood)              // 5 working days
		workshop := accepted("010100300000")  // 食品小作坊登记, 7
		instant := accepted(wkSoleTrader)     // 即办件: due the day it is accepted
		suspended := accepted("010100300000") // stopped for an expert review
		act("county.reviewer", suspended, casework.ActSuspend, casework.ActionInput{Kind: "expert", Opinion: "需专家论证"})
		mine := []string{food, workshop, extended, instant, suspended}

		// Day by day until each case made for the walk has gone yellow and
		// then red (three weeks at most, a long holiday included).
		yellowSeen, redSeen := map[string]bool{}, map[string]bool{}
		walked := func() bool {
			for _, s := range []string{food, workshop, extended, instant} {
				if !redSeen[s] {
					return false
				}
			}
			return true
		}
		for i := 0; !walked() && i <= 30; i++ {
			e.Clock.Set(day0.AddDate(0, 0, i).Add(10 * time.Hour))
			day := e.Clock.Date().Format("2006-01-02 Mon")
			if _, err := e.App.Warnings.Scan(ctx); err != nil {
				t.Fatal(err)
			}
			sup := login(t, e, "county.supervisor", apptest.DemoPassword)
			all := dueColours(workOK(t, sup, "/work?view=all").Body)
			inbox := dueColours(workOK(t, login(t, e, "county.reviewer", apptest.DemoPassword), "/work").Body)
			cards := map[string]string{}
			wp := workOK(t, sup, "/supervision/warnings?kind=case")
			for _, m := range warnRowRE.FindAllStringSubmatch(wp.Body, -1) {
				cards[m[2]] = m[1]
			}
			m := warnedKPIRE.FindStringSubmatch(workOK(t, sup, "/supervision").Body)
			if m == nil {
				t.Fatalf("%s: the dashboard shows no 预警在办", day)
			}
			counted, _ := strconv.Atoi(m[1])

			for _, s := range mine {
				if all[s] == "" {
					t.Fatalf("%s: %s has no deadline colour on the list of all cases", day, s)
				}
			}
			yellow := 0
			var disagree []string
			for serial, colour := range all {
				want := map[string]string{"due-warn": "yellow", "due-late": "red"}[colour]
				if cards[serial] != want {
					disagree = append(disagree, fmt.Sprintf("%s: workbench %s, warnings page %q", serial, colour, cards[serial]))
				}
				if c, ok := inbox[serial]; ok && c != colour {
					disagree = append(disagree, fmt.Sprintf("%s: supervisor's list %s, reviewer's inbox %s", serial, colour, c))
				}
				switch colour {
				case "due-warn":
					yellow++
					yellowSeen[serial] = true
				case "due-late":
					redSeen[serial] = true
				}
			}
			for serial, level := range cards {
				if all[serial] == "" {
					disagree = append(disagree, fmt.Sprintf("%s: a %s card, not on the workbench", serial, level))
				}
			}
			if yellow != counted {
				disagree = append(disagree, fmt.Sprintf("%d yellow on the workbench, dashboard 预警在办 %d", yellow, counted))
			}
			if all[suspended] != "due-pause" {
				disagree = append(disagree, fmt.Sprintf("%s is suspended but %s", suspended, all[suspended]))
			}
			sort.Strings(disagree)
			for _, d := range disagree {
				t.Errorf("%s: %s", day, d)
			}
		}
		// The walk went through each colour for the cases made for it.
		for _, s := range []string{food, workshop, extended, instant} {
			if !yellowSeen[s] || !redSeen[s] {
				t.Errorf("%s: yellow seen %v, red seen %v over the walk", s, yellowSeen[s], redSeen[s])
			}
		}
	})
}
