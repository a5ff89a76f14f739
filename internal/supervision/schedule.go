package supervision

import (
	"context"
	"log/slog"
	"time"

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
