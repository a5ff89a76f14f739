package app

import (
	"io"
	"log/slog"
	"time"

	"zwfw/internal/backup"
	"zwfw/internal/config"
	"zwfw/internal/db"
	"zwfw/internal/jobs"
)

// BackupSource is what a backup of this configuration copies: the
// database d and the data directory, less the backup key and the backup
// directory.
func BackupSource(cfg config.Config, d *db.DB, now func() time.Time, progress io.Writer) backup.Source {
	return backup.Source{DB: d, DataDir: cfg.DataDir, Skip: []string{cfg.BackupKey(), cfg.BackupDir},
		Version: Version, Now: now, Progress: progress}
}

// scheduleBackup registers the daily backup when ZWFW_BACKUP_AT sets a
// time.
func scheduleBackup(cfg config.Config, d *db.DB, q *jobs.Queue, now func() time.Time, log *slog.Logger) {
	at, ok, _ := backup.ParseAt(cfg.BackupAt)
	if !ok {
		return
	}
	r := &backup.Runner{Schedule: backup.Schedule{Dir: cfg.BackupDir, At: at, Keep: cfg.BackupKeep},
		Source: BackupSource(cfg, d, now, nil), KeyFile: cfg.BackupKey(), Log: log}
	r.Register(q)
}
