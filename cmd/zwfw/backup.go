package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"zwfw/internal/app"
	"zwfw/internal/backup"
	"zwfw/internal/config"
	"zwfw/internal/db"
)

const backupUsage = "usage: zwfw backup | zwfw backup drill <备份文件> | zwfw backup prune | zwfw restore <备份文件>"

// runBackup runs `zwfw backup`, `zwfw backup drill <file>`, `zwfw backup
// prune` and `zwfw restore <file>`. Progress goes to stderr, the result to
// stdout.
func runBackup(ctx context.Context, cfg config.Config, cmd string, rest []string, stdout, stderr io.Writer) error {
	if cmd == "restore" {
		if len(rest) != 1 {
			return errors.New(backupUsage)
		}
		return runRestore(ctx, cfg, rest[0], stdout, stderr)
	}
	switch {
	case len(rest) == 0:
		return makeBackup(ctx, cfg, stdout, stderr)
	case len(rest) == 2 && rest[0] == "drill":
		key, err := backup.LoadKey(cfg.BackupKey(), false)
		if err != nil {
			return err
		}
		// The scratch copy goes beside the backups, where there is room
		// for them (the system's temporary directory may be small).
		r, err := backup.Drill(ctx, rest[1], key, db.Options{URL: cfg.DatabaseURL, DataDir: cfg.DataDir}, cfg.AuditKey, cfg.BackupDir, stderr)
		if err != nil {
			return err
		}
		return report(stdout, "恢复演练", r)
	case len(rest) == 1 && rest[0] == "prune":
		removed, err := backup.Prune(cfg.BackupDir, cfg.BackupKeep)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "按保留策略 %s（每日/每周/每月）删除了 %d 个备份", cfg.BackupKeep, len(removed))
		if len(removed) > 0 {
			fmt.Fprintf(stdout, "：%s", strings.Join(removed, "、"))
		}
		fmt.Fprintln(stdout)
		return nil
	}
	return errors.New(backupUsage)
}

// makeBackup writes one backup into the backup directory.
func makeBackup(ctx context.Context, cfg config.Config, stdout, stderr io.Writer) error {
	if cfg.DatabaseURL == "" {
		if _, err := os.Stat(filepath.Join(cfg.DataDir, "zwfw.db")); err != nil {
			return fmt.Errorf("数据目录 %s 中没有数据库 zwfw.db，没有可备份的内容", cfg.DataDir)
		}
	}
	key, err := backup.LoadKey(cfg.BackupKey(), true)
	if err != nil {
		return err
	}
	d, err := db.Open(ctx, db.Options{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, MaxConns: 4})
	if err != nil {
		return err
	}
	defer d.Close()
	out := filepath.Join(cfg.BackupDir, backup.Name(time.Now()))
	m, err := backup.Create(ctx, app.BackupSource(cfg, d, time.Now, stderr), key, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "已备份到 %s：%s 数据库 %d 张表 %d 行，审计日志 %d 条，上传的文件 %d 个；SM4 加密，密钥 %s（标识 %s），请与备份分开保存\n",
		out, m.Dialect, len(m.Tables), m.Rows(), m.Audit.Entries, m.Stats["files"], cfg.BackupKey(), key.ID())
	return nil
}

func runRestore(ctx context.Context, cfg config.Config, file string, stdout, stderr io.Writer) error {
	key, err := backup.LoadKey(cfg.BackupKey(), false)
	if err != nil {
		return err
	}
	t := backup.Target{DataDir: cfg.DataDir, DatabaseURL: cfg.DatabaseURL, KeyFile: cfg.BackupKey()}
	m, err := backup.Restore(ctx, file, key, t, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "已从 %s（%s 制作，zwfw %s）恢复到 %s\n", file, m.Created.In(db.Zone).Format(time.DateTime), m.Version, where(cfg))
	r, err := backup.Check(ctx, m, t, cfg.AuditKey, stderr)
	if err != nil {
		return err
	}
	return report(stdout, "恢复后的核对", r)
}

func where(cfg config.Config) string {
	if cfg.DatabaseURL != "" {
		return "PostgreSQL 数据库和数据目录 " + cfg.DataDir
	}
	return "数据目录 " + cfg.DataDir
}

// report prints what a drill or a check found, and fails on a problem.
func report(stdout io.Writer, what string, r *backup.Report) error {
	if !r.OK() {
		var b strings.Builder
		fmt.Fprintf(&b, "%s失败，发现 %d 处问题：", what, len(r.Problems))
		for _, p := range r.Problems {
			b.WriteString("\n  " + p)
		}
		return errors.New(b.String())
	}
	m := r.Manifest
	fmt.Fprintf(stdout, "%s通过：%d 张表共 %d 行的行数和内容摘要与清单一致；审计链 %d 条、链至第 %d 条，与清单一致，MAC、密钥链接和时间顺序校验通过",
		what, r.Tables, r.Rows, m.Audit.Entries, m.Audit.Pos)
	if r.Audit != nil && r.Audit.Latest != nil {
		fmt.Fprintf(stdout, "，与 %d 个签名检查点一致", r.Audit.Checkpoints)
	}
	fmt.Fprintln(stdout)
	return nil
}
