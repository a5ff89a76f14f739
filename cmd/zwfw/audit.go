package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"zwfw/internal/app"
	"zwfw/internal/audit"
	"zwfw/internal/config"
)

const auditUsage = "usage: zwfw audit verify | checkpoint | export-checkpoints"

// runAudit runs `zwfw audit verify`, `zwfw audit checkpoint` and `zwfw
// audit export-checkpoints`.
func runAudit(ctx context.Context, cfg config.Config, log *slog.Logger, rest []string, stdout io.Writer) error {
	if len(rest) != 1 {
		return errors.New(auditUsage)
	}
	switch rest[0] {
	case "export-checkpoints":
		cps, err := audit.OpenCheckpoints(cfg.DataDir)
		if err != nil {
			return err
		}
		return cps.Export(stdout)
	case "verify":
		a, err := app.Open(ctx, cfg, log, stdout, app.Options{NoSeed: true, AuditVerify: true})
		if err != nil {
			return err
		}
		defer a.Close()
		r, err := audit.Verify(ctx, a.DB, a.Checkpoints)
		if err != nil {
			return err
		}
		if !r.OK() {
			var b strings.Builder
			fmt.Fprintf(&b, "审计日志校验失败，共 %d 条记录，发现 %d 处问题：", r.Entries, len(r.Problems)+r.More)
			for _, p := range r.Problems {
				b.WriteString("\n  " + p.String())
			}
			if r.More > 0 {
				fmt.Fprintf(&b, "\n  ……另有 %d 处未列出", r.More)
			}
			return errors.New(b.String())
		}
		fmt.Fprintf(stdout, "审计日志完整：共 %d 条记录，MAC、密钥链接和时间顺序校验通过", r.Entries)
		if r.Base > 0 {
			fmt.Fprintf(stdout, "（其中前 %d 条写于启用审计密钥之前，只校验了不带密钥的哈希链）", r.Base)
		}
		if r.Latest != nil {
			fmt.Fprintf(stdout, "；与 %d 个签名检查点一致，最新的在 %s，记录到第 %d 条\n", r.Checkpoints, r.Latest.At.Format(time.DateTime), r.Latest.Pos)
		} else {
			fmt.Fprintf(stdout, "；%s 中还没有签名检查点\n", a.Checkpoints.File())
		}
		return nil
	case "checkpoint":
		a, err := app.Open(ctx, cfg, log, stdout, app.Options{NoSeed: true})
		if err != nil {
			return err
		}
		defer a.Close()
		if _, err := audit.Chain(ctx, a.DB); err != nil {
			return err
		}
		cp, err := a.Checkpoints.Write(ctx, a.DB)
		if err != nil {
			return err
		}
		if cp == nil {
			fmt.Fprintln(stdout, "审计链的链头自上一个检查点以来没有变化，未写新的检查点")
			return nil
		}
		fmt.Fprintf(stdout, "已写入签名检查点：审计链 %s 第 %d 条，%s（%s）\n", cp.Chain, cp.Pos, cp.At.Format(time.DateTime), a.Checkpoints.File())
		return nil
	}
	return errors.New(auditUsage)
}
