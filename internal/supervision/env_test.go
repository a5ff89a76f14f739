package supervision_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"
	_ "zwfw/internal/account/cheaphash" // the demo accounts hash at the smallest cost

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/files"
	"zwfw/internal/org"
	"zwfw/internal/seed"
	"zwfw/internal/supervision"
)

// env is a seeded county (organisations, catalog, demo accounts) with a
// settable clock, casework and every supervision service on it.
type env struct {
	t       testing.TB
	d       *db.DB
	cases   *casework.Service
	users   *account.Service
	files   *files.Store
	cal     *calendar.Calendar
	sup     *supervision.Service
	warn    *supervision.Warnings
	errs    *supervision.Errors
	reports *supervision.Reports
	now     time.Time
	ctx     context.Context

	sanctions *supervision.Sanctions
}

func (e *env) clock() time.Time { return e.now }

// at sets the clock to 09:30 on day.
func (e *env) at(day string) {
	e.t.Helper()
	t, err := calendar.ParseDate(day)
	if err != nil {
		e.t.Fatal(err)
	}
	e.now = t.Add(9*time.Hour + 30*time.Minute)
}

// setup seeds the county on d and starts the clock on day.
func setup(t testing.TB, d *db.DB, day string) *env {
	t.Helper()
	e := &env{t: t, d: d, ctx: context.Background()}
	e.at(day)
	fs, err := files.NewStore(filepath.Join(t.TempDir(), "files"), d, e.clock)
	if err != nil {
		t.Fatal(err)
	}
	e.files = fs
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	orgs := org.NewService(d, e.clock)
	cat := catalog.NewService(d, orgs, fs, e.clock)
	e.users = account.NewService(d, orgs, e.clock, account.Policy{})
	dp := seed.Deps{DB: d, Orgs: orgs, Catalog: cat, Users: e.users, Files: fs, Now: e.clock, Log: quiet}
	if err := seed.Base(e.ctx, dp); err != nil {
		t.Fatal(err)
	}
	if err := seed.Demo(e.ctx, dp); err != nil {
		t.Fatal(err)
	}
	e.cal = calendar.New(d, e.clock)
	e.cases = casework.NewService(d, cat, e.cal, e.clock)
	e.sup = supervision.NewService(d, e.cases, e.clock)
	rule := supervision.Thresholds{Days: 3, Share: 0.8} // one yellow-card rule for the warnings and the daily check
	e.warn = supervision.NewWarnings(d, e.cal, e.clock, rule, quiet)
	e.errs = supervision.NewErrors(d, e.clock)
	e.reports = supervision.NewReports(d, e.cal, "610923", e.clock, rule)
	e.sanctions = supervision.NewSanctions(d, e.clock)
	return e
}

func (e *env) actor(username string) *zwfw.Actor {
	e.t.Helper()
	u, err := e.users.ByUsername(e.ctx, username)
	if err != nil {
		e.t.Fatal(err)
	}
	return u.Actor()
}

// apply files a case and returns its serial: for a walk-in applicant when
// who is staff.
func (e *env) apply(who, item, centre string) string {
	e.t.Helper()
	c, err := e.cases.Apply(e.ctx, e.actor(who), e.input(who, item, centre))
	if err != nil {
		e.t.Fatalf("apply %s at %s: %v", item, centre, err)
	}
	return c.Serial
}

// input is a complete application for item at centre, every required
// material handed in at the window.
func (e *env) input(who, item, centre string) casework.ApplyInput {
	e.t.Helper()
	it, err := catalog.NewService(e.d, nil, nil, e.clock).Get(e.ctx, item)
	if err != nil {
		e.t.Fatal(err)
	}
	var mats []casework.MaterialInput
	for _, m := range it.Materials {
		if m.Required == "required" {
			mats = append(mats, casework.MaterialInput{Name: m.Name, HandedIn: "window"})
		}
	}
	in := casework.ApplyInput{ItemCode: item, OrgCode: centre, Form: casework.Form{Description: "申请办理"}, Materials: mats}
	if e.actor(who).IsStaff() {
		in.Applicant = &casework.ApplicantInput{Name: "陈家明", IDNumber: "610923198503120025", Phone: "13991568899"}
	}
	return in
}

// walkIn files a case at a window, every required material handed in.
func (e *env) walkIn(clerk, item, centre string) *casework.Case {
	e.t.Helper()
	c, err := e.cases.Apply(e.ctx, e.actor(clerk), e.input(clerk, item, centre))
	if err != nil {
		e.t.Fatalf("apply %s at %s: %v", item, centre, err)
	}
	return c
}

func (e *env) do(who, serial, action string, in casework.ActionInput) *casework.Case {
	e.t.Helper()
	c, err := e.cases.Act(e.ctx, e.actor(who), serial, action, in)
	if err != nil {
		e.t.Fatalf("%s %s by %s: %v", action, serial, who, err)
	}
	return c
}
