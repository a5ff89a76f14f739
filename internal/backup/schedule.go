package backup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"zwfw/internal/db"
	"zwfw/internal/jobs"
)

// Backups in the backup directory are named by the time they were made
// (China Standard Time), so that retention needs nothing but their names.
const (
	namePrefix = "zwfw-"
	nameSuffix = ".zbk"
	nameLayout = "20060102-150405"
)

// Name is the file name of a backup made at t.
func Name(t time.Time) string { return namePrefix + t.In(db.Zone).Format(nameLayout) + nameSuffix }

// parseName is the time in a backup's file name; ok is false for other
// files, which retention leaves alone.
func parseName(name string) (time.Time, bool) {
	if !strings.HasPrefix(name, namePrefix) || !strings.HasSuffix(name, nameSuffix) {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation(nameLayout, strings.TrimSuffix(strings.TrimPrefix(name, namePrefix), nameSuffix), db.Zone)
	return t, err == nil
}

// Keep is the retention policy: the newest backup of each of the latest
// Daily days, Weekly ISO weeks and Monthly months that have backups (as
// restic's --keep-daily/weekly/monthly count them). A backup kept by any
// rule stays.
type Keep struct{ Daily, Weekly, Monthly int }

func (k Keep) String() string { return fmt.Sprintf("%d/%d/%d", k.Daily, k.Weekly, k.Monthly) }

// ParseKeep reads "7/4/12" (daily/weekly/monthly).
func ParseKeep(s string) (Keep, error) {
	parts := strings.Split(s, "/")
	var n [3]int
	if len(parts) != 3 {
		return Keep{}, fmt.Errorf("保留策略应写成 每日/每周/每月 的份数，如 7/4/12：%q", s)
	}
	for i, p := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || v < 0 || v > 1000 {
			return Keep{}, fmt.Errorf("保留策略应写成 每日/每周/每月 的份数（0–1000），如 7/4/12：%q", s)
		}
		n[i] = v
	}
	if n == [3]int{} {
		return Keep{}, errors.New("保留策略不能三项都是 0（那样会删除全部备份）")
	}
	return Keep{n[0], n[1], n[2]}, nil
}

// Retain splits the backups made at times into those kept and those to
// remove under k.
func (k Keep) Retain(times []time.Time) (keep, remove []time.Time) {
	sorted := append([]time.Time(nil), times...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].After(sorted[j]) })
	kept := map[int]bool{}
	rule := func(n int, period func(time.Time) string) {
		seen := map[string]bool{}
		for i, t := range sorted {
			if len(seen) == n {
				return
			}
			p := period(t.In(db.Zone))
			if !seen[p] {
				seen[p] = true
				kept[i] = true // the newest of its period
			}
		}
	}
	rule(k.Daily, func(t time.Time) string { return t.Format("2006-01-02") })
	rule(k.Weekly, func(t time.Time) string { y, w := t.ISOWeek(); return fmt.Sprintf("%d-W%02d", y, w) })
	rule(k.Monthly, func(t time.Time) string { return t.Format("2006-01") })
	for i, t := range sorted {
		if kept[i] {
			keep = append(keep, t)
		} else {
			remove = append(remove, t)
		}
	}
	return keep, remove
}

// List returns the times of the backups in dir, newest first.
func List(dir string) ([]time.Time, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []time.Time
	for _, e := range ents {
		if t, ok := parseName(e.Name()); ok && e.Type().IsRegular() {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].After(out[j]) })
	return out, nil
}

// Prune removes the backups in dir that k does not keep and returns their
// names. Files not named like a backup are never touched.
func Prune(dir string, k Keep) ([]string, error) {
	times, err := List(dir)
	if err != nil {
		return nil, err
	}
	_, remove := k.Retain(times)
	var names []string
	for _, t := range remove {
		n := Name(t)
		if err := os.Remove(filepath.Join(dir, n)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return names, err
		}
		names = append(names, n)
	}
	return names, nil
}

// Schedule is when the platform backs itself up: every day at At (minutes
// after midnight, China Standard Time) into Dir, keeping Keep.
type Schedule struct {
	Dir  string
	At   time.Duration
	Keep Keep
}

// ParseAt reads a time of day "HH:MM" (China Standard Time); "off" or ""
// is no schedule (ok false).
func ParseAt(s string) (at time.Duration, ok bool, err error) {
	if s == "" || s == "off" {
		return 0, false, nil
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, false, fmt.Errorf("备份时间应写成 HH:MM（如 02:30）或 off：%q", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, true, nil
}

// Due reports whether a scheduled backup is due at now: today's time has
// come and no backup in the directory was made since it.
func (s Schedule) Due(now time.Time, made []time.Time) bool {
	now = now.In(db.Zone)
	y, m, d := now.Date()
	slot := time.Date(y, m, d, 0, 0, 0, 0, db.Zone).Add(s.At)
	if now.Before(slot) {
		return false
	}
	for _, t := range made {
		if !t.Before(slot) {
			return false
		}
	}
	return true
}

// Runner makes the scheduled backups: Run checks whether one is due, makes
// it and prunes the directory.
type Runner struct {
	Schedule Schedule
	Source   Source
	KeyFile  string
	Log      *slog.Logger
	// make writes one backup (Create; tests replace it).
	make func(ctx context.Context, out string) error
}

// Run makes today's backup when it is due and prunes; it reports whether
// it made one.
func (r *Runner) Run(ctx context.Context) (bool, error) {
	now := r.Source.Now
	if now == nil {
		now = time.Now
	}
	made, err := List(r.Schedule.Dir)
	if err != nil {
		return false, err
	}
	t := now()
	if !r.Schedule.Due(t, made) {
		return false, nil
	}
	out := filepath.Join(r.Schedule.Dir, Name(t))
	mk := r.make
	if mk == nil {
		mk = func(ctx context.Context, out string) error {
			key, err := LoadKey(r.KeyFile, true)
			if err != nil {
				return err
			}
			_, err = Create(ctx, r.Source, key, out)
			return err
		}
	}
	if err := mk(ctx, out); err != nil {
		return false, fmt.Errorf("backup: scheduled: %w", err)
	}
	removed, err := Prune(r.Schedule.Dir, r.Schedule.Keep)
	if r.Log != nil {
		r.Log.Info("scheduled backup made", "file", out, "removed", removed, "keep", r.Schedule.Keep.String())
	}
	return true, err
}

// checkEvery is how often the queue asks whether a backup is due.
const checkEvery = 10 * time.Minute

type jobArgs struct{}

func (jobArgs) Kind() string { return "backup" }

type worker struct {
	jobs.WorkerDefaults[jobArgs]
	r *Runner
}

func (w *worker) Work(ctx context.Context, _ *jobs.Job[jobArgs]) error {
	_, err := w.r.Run(ctx)
	return err
}

// Timeout lets a large backup run past the queue's default job timeout.
func (w *worker) Timeout(*jobs.Job[jobArgs]) time.Duration { return 6 * time.Hour }

// Register has the queue ask every ten minutes whether the day's backup
// is due (the leader process inserts the job; one process works it).
func (r *Runner) Register(q *jobs.Queue) {
	jobs.Register(q, &worker{r: r})
	q.Every(checkEvery, func() jobs.Args { return jobArgs{} }, true)
}
