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
	"zwfw/internal/config"
	"zwfw/internal/pii"
)

const keysUsage = "usage: zwfw keys rotate"

// runKeys runs `zwfw keys rotate`: a new data key seals every personal
// value again, batch by batch (each batch one transaction, progress on
// stderr); the old keys are kept until no row needs them. An interrupted
// rotation is finished by running the command again.
//
// With the key file (data.key) the command makes the new key itself. With
// ZWFW_DATA_KEY the operator gives the new key first and the old after it
// ("new,old"), and drops the old one from the setting afterwards.
func runKeys(ctx context.Context, cfg config.Config, log *slog.Logger, rest []string, stdout, stderr io.Writer) error {
	if len(rest) != 1 || rest[0] != "rotate" {
		return errors.New(keysUsage)
	}
	fromFile := strings.TrimSpace(cfg.DataKey) == ""
	ring, err := pii.LoadRing(cfg.DataDir, cfg.DataKey)
	if err != nil {
		return err
	}
	switch {
	case len(ring.IDs()) > 1:
		fmt.Fprintf(stderr, "数据密钥 %s 为当前密钥，旧密钥 %s 保留到轮换完成\n", ring.Current(), strings.Join(ring.IDs()[1:], ", "))
	case fromFile:
		// Open the database with the old ring first: a wrong key file
		// stops here, before a new key is added to it.
		a, err := app.Open(ctx, cfg, log, stdout, app.Options{NoSeed: true})
		if err != nil {
			return err
		}
		a.Close()
		if ring, err = pii.AddFileKey(cfg.DataDir); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "已生成新的数据密钥 %s（%s），旧密钥 %s 保留到轮换完成\n", ring.Current(), pii.KeyFile, strings.Join(ring.IDs()[1:], ", "))
	default:
		return errors.New("ZWFW_DATA_KEY 只有一个密钥：请把新密钥放在最前、原来的密钥放在其后（逗号分隔）再运行 zwfw keys rotate，完成后从设置中去掉原来的密钥")
	}
	a, err := app.Open(ctx, cfg, log, stdout, app.Options{NoSeed: true})
	if err != nil {
		return err
	}
	defer a.Close()
	start := time.Now()
	n, err := pii.Rotate(ctx, a.DB, pii.Of(a.DB), stderr)
	if err != nil {
		return fmt.Errorf("%w（已重新加密的不必重做：再次运行 zwfw keys rotate 继续）", err)
	}
	if fromFile {
		if err := pii.DropOldFileKeys(cfg.DataDir); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "数据密钥轮换完成：%d 项个人信息已用密钥 %s 重新加密，用时 %s。", n, ring.Current(), time.Since(start).Round(time.Millisecond))
	if fromFile {
		fmt.Fprintf(stdout, "旧密钥已从 %s 删除；其他共用数据库的进程请换上新的 %s 后重启。\n", pii.KeyFile, pii.KeyFile)
	} else {
		fmt.Fprintln(stdout, "请从 ZWFW_DATA_KEY 中去掉旧密钥，只保留第一个，并更新所有进程的设置。")
	}
	return nil
}
