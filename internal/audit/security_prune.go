package audit

import (
	"context"
	"log/slog"
	"time"

	"zwfw/internal/db"
	"zwfw/internal/jobs"
)

// The security log's retention: a job of the queue deletes the events
// older than the days configured (ZWFW_SECURITY_LOG_DAYS, at least 180:
// 网络安全法 第二十一条, 等保 2.0 level 3; §2(7)). It runs at start and
// every six hours; whichever process works it, the result is the same.

// SecurityPruneArgs is the job's (empty) arguments.
type SecurityPruneArgs struct{}

// Kind names the job.
func (SecurityPruneArgs) Kind() string { return "security_log_prune" }

type securityPruner struct {
	jobs.WorkerDefaults[SecurityPruneArgs]
	d    *db.DB
	now  func() time.Time
	days int
	log  *slog.Logger
}

func (p *securityPruner) Work(ctx context.Context, _ *jobs.Job[SecurityPruneArgs]) error {
	n, err := PruneSecurity(ctx, p.d, p.now(), p.days)
	if err != nil {
		return err
	}
	if n > 0 && p.log != nil {
		p.log.Info("security log pruned", "deleted", n, "keep_days", p.days)
	}
	return nil
}

// ScheduleSecurityPrune registers the retention job with q: every six
// hours (and once when the queue starts) the events older than days days
// before now go.
func ScheduleSecurityPrune(q *jobs.Queue, d *db.DB, now func() time.Time, days int, log *slog.Logger) {
	jobs.Register(q, &securityPruner{d: d, now: now, days: days, log: log})
	q.Every(6*time.Hour, func() jobs.Args { return SecurityPruneArgs{} }, true)
}
