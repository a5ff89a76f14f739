package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"zwfw"
	"zwfw/internal/app"
	"zwfw/internal/config"
)

// runCatalog is `zwfw catalog pull`: the county pulls its city's catalog
// now (issue 14 item 4; the schedule is ZWFW_CATALOG_PULL), as the system.
func runCatalog(ctx context.Context, cfg config.Config, log *slog.Logger, rest []string, stdout io.Writer) error {
	if len(rest) != 1 || rest[0] != "pull" {
		return errors.New("用法：zwfw catalog pull（县级平台立即从市级平台同步事项目录）")
	}
	a, err := app.Open(ctx, cfg, log, stdout, app.Options{}) // as serve opens it (the county's tree on a first start)
	if err != nil {
		return err
	}
	defer a.Close()
	p, err := a.CatalogSync.Pull(ctx, zwfw.System)
	if err != nil {
		return fmt.Errorf("同步市级事项目录失败：%s", zwfw.ErrorMessage(err))
	}
	r := p.Result
	fmt.Fprintf(stdout, "已同步市级事项目录（%s，版本 %s）：更新 %d 项，无变化 %d 项，未同步 %d 项，待认领 %d 项\n",
		p.City, p.Version, len(r.Updated), r.Unchanged, len(r.Refused), len(r.Adopt))
	for _, x := range r.Refused {
		fmt.Fprintf(stdout, "  未同步 %s %s：%s\n", x.ImplCode, x.Name, x.Message)
	}
	for _, x := range r.Adopt {
		dept := x.DeptName
		if dept == "" {
			dept = "无同名部门，请在事项管理中选择"
		}
		fmt.Fprintf(stdout, "  待认领 %s %s（市级：%s；本县对应：%s）\n", x.Code, x.Name, x.CityDept, dept)
	}
	return nil
}
