package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"zwfw/internal/config"
	"zwfw/internal/doctor"
)

// runDoctor checks the deployment the settings describe and says what to
// fix; it fails when anything must be fixed before going live.
func runDoctor(cfg config.Config, now time.Time, stdout io.Writer) error {
	fs := doctor.Check(cfg, now)
	marks := map[string]string{doctor.OK: "✓", doctor.Warn: "!", doctor.Fail: "✗"}
	var warn, fail int
	for _, f := range fs {
		fmt.Fprintf(stdout, "%s %s：%s\n", marks[f.Level], f.Check, f.Detail)
		if f.Fix != "" {
			fmt.Fprintf(stdout, "    处理：%s\n", f.Fix)
		}
		switch f.Level {
		case doctor.Warn:
			warn++
		case doctor.Fail:
			fail++
		}
	}
	fmt.Fprintf(stdout, "共检查 %d 项：%d 项需要处理，%d 项建议处理\n", len(fs), fail, warn)
	if doctor.Failed(fs) {
		return errors.New("部署检查未通过：请先处理标 ✗ 的项目")
	}
	return nil
}
