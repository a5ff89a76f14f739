package jobs_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/jobs"
)

// countArgs is a test job: its worker records one row per execution.
type countArgs struct {
	N int `json:"n"`
}

func (countArgs) Kind() string { return "test_count" }

type countWorker struct {
	jobs.WorkerDefaults[countArgs]
	d    *db.DB
	proc string
}

func (w *countWorker) Work(ctx context.Context, j *jobs.Job[countArgs]) error {
	_, err := w.d.Exec(ctx, "INSERT INTO job_runs (n, proc) VALUES (?, ?)", j.Args.N, w.proc)
	return err
}

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

func open(t *testing.T, d *db.DB, proc string, work bool) *jobs.Queue {
	t.Helper()
	q, err := jobs.New(context.Background(), d, jobs.Config{PollInterval: 50 * time.Millisecond, ID: proc, Log: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	if work {
		jobs.Register(q, &countWorker{d: d, proc: proc})
		if err := q.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	return q
}

func makeRuns(t *testing.T, d *db.DB) {
	t.Helper()
	if _, err := d.Exec(context.Background(), "CREATE TABLE job_runs (n INTEGER NOT NULL, proc TEXT NOT NULL)"); err != nil {
		t.Fatal(err)
	}
}

// waitRuns waits until want executions are recorded and returns, per job
// number, how often it ran and, per process, how many it ran.
func waitRuns(t *testing.T, d *db.DB, want int) (map[int]int, map[string]int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var n int
		if err := d.QueryRow(context.Background(), "SELECT COUNT(*) FROM job_runs").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n >= want || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // a duplicate would show up now
	rows, err := d.Query(context.Background(), "SELECT n, proc FROM job_runs")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	per, byProc := map[int]int{}, map[string]int{}
	for rows.Next() {
		var n int
		var p string
		if err := rows.Scan(&n, &p); err != nil {
			t.Fatal(err)
		}
		per[n]++
		byProc[p]++
	}
	return per, byProc
}

// Two server processes on one database (two River clients, each with its
// own connections, as two processes would have): every job runs exactly
// once.
func TestTwoProcessesRunEachJobOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		makeRuns(t, d)
		a := open(t, d, "proc-a", true)
		_ = open(t, d, "proc-b", true)
		const n = 60
		for i := range n {
			if _, err := a.Insert(context.Background(), countArgs{N: i}, nil); err != nil {
				t.Fatal(err)
			}
		}
		per, byProc := waitRuns(t, d, n)
		if len(per) != n {
			t.Fatalf("%d distinct jobs ran, want %d", len(per), n)
		}
		for i, c := range per {
			if c != 1 {
				t.Errorf("job %d ran %d times", i, c)
			}
		}
		t.Logf("executions per process: %v", byProc)
	})
}

// A job inserted while no process works jobs, and one whose process stops
// before its time comes, are both worked after a new process starts.
func TestJobSurvivesRestart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		makeRuns(t, d)
		ctx := context.Background()
		ins := open(t, d, "inserter", false)
		if _, err := ins.Insert(ctx, countArgs{N: 1}, nil); err != nil {
			t.Fatal(err)
		}
		first := open(t, d, "first", true)
		if _, err := first.Insert(ctx, countArgs{N: 2}, &jobs.InsertOpts{ScheduledAt: time.Now().Add(1500 * time.Millisecond)}); err != nil {
			t.Fatal(err)
		}
		per, _ := waitRuns(t, d, 1)
		if per[1] != 1 || per[2] != 0 {
			t.Fatalf("before the restart: runs %v, want job 1 once and job 2 not yet", per)
		}
		if err := first.Close(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1600 * time.Millisecond)
		var n int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM job_runs WHERE n = 2").Scan(&n); err != nil || n != 0 {
			t.Fatalf("job 2 ran %d times (%v) while no process worked jobs", n, err)
		}
		_ = open(t, d, "second", true)
		per, byProc := waitRuns(t, d, 2)
		if per[1] != 1 || per[2] != 1 || byProc["second"] != 1 {
			t.Fatalf("after the restart: runs %v by %v, want each job once, job 2 by the new process", per, byProc)
		}
	})
}

// InsertTx writes the job in the caller's transaction: rolled back, no job.
func TestInsertTx(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		makeRuns(t, d)
		ctx := context.Background()
		q := open(t, d, "p", false)
		err := d.InTx(ctx, func(tx *db.Tx) error {
			if _, err := q.InsertTx(ctx, tx, countArgs{N: 7}, nil); err != nil {
				return err
			}
			return fmt.Errorf("roll back")
		})
		if err == nil {
			t.Fatal("want the rollback error")
		}
		if err := d.InTx(ctx, func(tx *db.Tx) error {
			_, err := q.InsertTx(ctx, tx, countArgs{N: 8}, nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		_ = open(t, d, "worker", true)
		per, _ := waitRuns(t, d, 1)
		if per[7] != 0 || per[8] != 1 {
			t.Fatalf("runs %v: want only the committed job", per)
		}
	})
}
