// Command zwfw is the county "Internet + Government Services" platform: one
// binary for the server and its maintenance commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"zwfw/internal/app"
	"zwfw/internal/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "zwfw:", err)
		}
		os.Exit(1)
	}
}

const usage = `zwfw — 县级“互联网+政务服务”平台

用法：
  zwfw serve            启动服务（默认使用 ./zwfw-data/ 下的内置 SQLite 数据库，首次启动时建库并导入县情数据）
  zwfw migrate          只执行数据库迁移
  zwfw seed demo        添加每个角色的演示账户（密码见 README）
  zwfw audit verify     校验审计日志：逐条核对 MAC、密钥链接、时间顺序和签名检查点，指出每一处伪造、篡改、删除、重放或截断的记录（第 N 条）
  zwfw audit checkpoint 立即为审计链的链头写一个签名检查点（服务运行时按 ZWFW_AUDIT_CHECKPOINT_INTERVAL 自动写）
  zwfw audit export-checkpoints  导出验签公钥和全部签名检查点（输出到标准输出），请另行保存
  zwfw backup           在线备份数据库和数据目录（SM4 加密，写入 ZWFW_BACKUP_DIR）
  zwfw backup drill 文件  恢复演练：恢复到临时位置，逐表核对行数和内容摘要，校验审计链
  zwfw backup prune     按 ZWFW_BACKUP_KEEP 清理备份目录
  zwfw restore 文件      把备份恢复到空的数据目录（和空的数据库）
  zwfw keys rotate      轮换个人信息数据密钥：用新密钥分批重新加密身份证号、电话和地址（进度输出到标准错误，中断后再次运行即继续），完成后删除旧密钥
  zwfw exchange identity  显示本平台的区划代码、签名密钥编号、指纹和公钥，交给对方平台登记（市县数据交换）
  zwfw exchange peer add|list|disable  登记、列出、停用对接平台（zwfw exchange 查看参数）
  zwfw exchange resend [--all|--id N]  把死信放回发送队列
  zwfw catalog pull     县级平台立即从市级平台同步事项目录（核验市级签名后更新同一基本编码的统一要素，列出未同步和待认领的事项）
  zwfw doctor           检查部署：数据目录和密钥的权限、TLS 反向代理、最近的备份、明年的节假日数据、磁盘空间，并说明如何处理
  zwfw bench            性能测试：完整办件流程、办件查询和 /healthz 的吞吐量与延迟（zwfw bench -h 查看参数）
  zwfw bench generate   生成一个县三年的办件数据（--cases 1000000 --data-dir 目录 或 --postgres 地址），并重建监管统计
  zwfw bench dashboard  在生成的数据上测试监管数据接口（全县与乡镇、本年与本月）的吞吐量与延迟
  zwfw bench exchange --postgres 地址  市县数据交换：县（SQLite）积压事件经 HTTP 送到市（PostgreSQL）的追平时间和每秒事件数，对照 /healthz
  zwfw bench hall       大厅：每秒取号数（对照 /healthz）、一次叫号送达上千块显示屏的延迟和内存
  zwfw version          显示版本、提交和构建时间（发布版本用 scripts/release.sh 构建）
  zwfw help             显示本说明

设置（环境变量或同名参数，参数优先）：
`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "version", "--version", "-v":
		printVersion(stdout)
		return nil
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		config.Usage(stdout)
		return nil
	case "bench":
		return runBench(ctx, args, getenv, stdout, stderr)
	case "serve", "migrate", "seed", "audit", "backup", "restore", "keys", "doctor", "exchange", "catalog":
	default:
		fmt.Fprint(stderr, usage)
		config.Usage(stderr)
		return fmt.Errorf("没有“%s”这个命令（命令列表见上，zwfw help 可以再看一遍）", cmd)
	}
	cfg, rest, err := config.Load("zwfw "+cmd, args, getenv, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	switch cmd {
	case "serve":
		// A county server shares a small machine: unless the operator says
		// otherwise (GOMEMLIMIT), the collector works harder before the
		// heap outgrows the memory budget instead of letting garbage pile up.
		if getenv("GOMEMLIMIT") == "" {
			debug.SetMemoryLimit(serveMemoryLimit)
		}
		// The port first: when it is taken nothing else happens.
		ln, err := app.Listen(cfg.Addr)
		if err != nil {
			return fmt.Errorf("%w。数据目录和数据库未作任何改动", err)
		}
		a, err := app.Open(ctx, cfg, log, stdout, app.Options{})
		if err != nil {
			_ = ln.Close()
			return err
		}
		defer a.Close()
		return a.ServeOn(ctx, ln, nil)
	case "migrate":
		a, err := app.Open(ctx, cfg, log, stdout, app.Options{NoSeed: true})
		if err != nil {
			return err
		}
		defer a.Close()
		cur, latest, err := a.DB.SchemaVersion(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "数据库（%s）结构版本 %d，最新 %d\n", a.DB.Dialect, cur, latest)
		return nil
	case "seed":
		if len(rest) != 1 || rest[0] != "demo" {
			return errors.New("用法：zwfw seed demo（添加演示账户和演示办件）")
		}
		a, err := app.Open(ctx, cfg, log, stdout, app.Options{})
		if err != nil {
			return err
		}
		defer a.Close()
		if err := a.Seed(ctx, stdout, true); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "演示账户已就绪，密码均为 Demo@2026（见 README）")
		return nil
	case "audit":
		return runAudit(ctx, cfg, log, rest, stdout)
	case "backup", "restore":
		return runBackup(ctx, cfg, cmd, rest, stdout, stderr)
	case "doctor":
		return runDoctor(cfg, time.Now(), stdout)
	case "keys":
		return runKeys(ctx, cfg, log, rest, stdout, stderr)
	case "exchange":
		return runExchange(ctx, cfg, log, rest, stdout, stderr)
	case "catalog":
		return runCatalog(ctx, cfg, log, rest, stdout)
	}
	return nil
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// printVersion says which build this is: the version, commit and build
// date scripts/release.sh stamps in, or what the Go toolchain recorded.
func printVersion(w io.Writer) {
	commit, date, modified := app.Commit, app.BuildDate, false
	goVersion := runtime.Version()
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if commit == "" {
					commit = s.Value
				}
			case "vcs.time":
				if date == "" {
					date = s.Value
				}
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if commit == "" {
		commit = "未知（开发构建，发布请用 scripts/release.sh）"
	} else if modified && app.Commit == "" {
		commit += "（有未提交的修改）"
	}
	if date == "" {
		date = "未知"
	}
	fmt.Fprintf(w, "zwfw %s\n  提交：%s\n  构建时间：%s\n  Go：%s %s/%s\n", app.Version, commit, date, goVersion, runtime.GOOS, runtime.GOARCH)
}

// serveMemoryLimit is the Go heap's soft limit for `zwfw serve` (see
// runtime/debug.SetMemoryLimit); SQLite's page caches and the binary come
// on top of it.
const serveMemoryLimit = 80 << 20
