package supervision

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/db"
	"zwfw/internal/jobs"
)

// ReportsArgs is the job that publishes the reports that are due
// (日检查 each working morning, 周考勤 on Mondays, 月通报 on the 1st, 季考核
// after each quarter: attachment 2 (9)2).
type ReportsArgs struct{}

// Kind names the job in the queue.
func (ReportsArgs) Kind() string { return "scheduled_reports" }

type reportsWorker struct {
	jobs.WorkerDefaults[ReportsArgs]
	r   *Reports
	log *slog.Logger
}

func (w *reportsWorker) Work(ctx context.Context, _ *jobs.Job[ReportsArgs]) error {
	made, err := w.r.GenerateDue(ctx, w.r.now())
	if err != nil {
		return err
	}
	for _, r := range made {
		w.log.Info("report published", "kind", r.Kind, "period", r.Period, "number", r.Number)
	}
	return nil
}

// Schedule registers report publication with the queue, to look for due
// reports every interval (and once when the queue starts). GenerateDue is
// idempotent and a due report stays due until it exists, so a missed run
// catches up and two processes never publish one twice.
func (r *Reports) Schedule(q *jobs.Queue, every time.Duration, log *slog.Logger) {
	jobs.Register(q, &reportsWorker{r: r, log: log})
	q.Every(every, func() jobs.Args { return ReportsArgs{} }, true)
}

// dueHour is when scheduled reports fall due: the working morning.
const dueHour = 8

// ScheduledReports says which reports are due at now for the county: each
// kind's period due today by its rule (reports_kinds.go) — the daily check
// each working day, the weekly summary of the last week, the monthly
// bulletin of the last month, the quarterly assessment of the last quarter —
// from 08:00. A due report stays due until it exists, so a missed run
// catches up; a period that ended before the platform's first start is
// never due. The working-day calendar (with local adjustments) is read
// from the database, hence the context.
func (r *Reports) ScheduledReports(ctx context.Context, now time.Time) ([]ReportRequest, error) {
	now = now.In(db.Zone)
	today := calendar.Date(now)
	// Before 08:00 the reports of yesterday's schedule are the due ones.
	if now.Hour() < dueHour {
		today = today.AddDate(0, 0, -1)
	}
	// The county's working calendar (its own adjustments, the city's and
	// the national ones).
	place := "/"
	if o, err := r.scope(ctx, r.county); err == nil {
		place = o.path
	}
	// Nothing is published for a period that ended before the platform
	// first started: it has no cases, and a first start would otherwise
	// publish 季考核〔…〕1号 of an empty quarter.
	started, err := r.db.Started(ctx)
	if err != nil {
		return nil, err
	}
	var out []ReportRequest
	for _, k := range reportKinds {
		if k.period.manual {
			continue
		}
		due := k.period.due(today)
		if p, ok := k.period.read(due); ok && !started.IsZero() && !p.to.AddDate(0, 0, 1).After(started) {
			continue
		}
		if k.period.workdaysOnly {
			if now.Hour() < dueHour {
				continue // the day's own report waits for the morning
			}
			work, err := r.cal.IsWorkday(ctx, place, today)
			if err != nil {
				return nil, err
			}
			if !work {
				continue
			}
		}
		out = append(out, ReportRequest{Kind: k.code, Period: due, Org: r.county})
	}
	return out, nil
}

// GenerateDue generates, as the system, every scheduled report that is due
// at now and not generated yet. Running it again, or in several processes at
// once, generates nothing twice.
func (r *Reports) GenerateDue(ctx context.Context, now time.Time) ([]*Report, error) {
	due, err := r.ScheduledReports(ctx, now)
	if err != nil {
		return nil, err
	}
	var out []*Report
	for _, q := range due {
		var n int
		if err := r.db.QueryRow(ctx, `SELECT COUNT(*) FROM reports r JOIN orgs o ON o.id = r.org_id WHERE r.kind = ? AND r.period = ? AND o.code = ?`,
			q.Kind, q.Period, q.Org).Scan(&n); err != nil {
			return out, err
		}
		if n > 0 {
			continue
		}
		rep, err := r.generate(ctx, zwfw.System, q.Kind, q.Period, q.Org, true)
		if errors.Is(err, errGenerated) || zwfw.ErrorCode(err) == zwfw.ECONFLICT {
			continue // another process generated it meanwhile
		}
		if err != nil {
			return out, fmt.Errorf("supervision: scheduled %s %s: %w", q.Kind, q.Period, err)
		}
		out = append(out, rep)
	}
	return out, nil
}
