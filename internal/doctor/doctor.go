// Package doctor checks a deployment the way an assessor of 等级保护 would
// ask about it (实施方案 §2(7): "提高网络平台系统和数据安全防护能力，做好容灾
// 备份"): who can read the data directory and the keys, whether the keys are
// there, whether something speaks TLS in front, whether backups are recent,
// whether the working calendar knows next year's holidays, and whether the
// disks have room. Each finding says what to fix; `zwfw doctor` prints them.
// It reads files and settings only: it never opens or changes the database.
package doctor

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"zwfw/internal/audit"
	"zwfw/internal/backup"
	"zwfw/internal/calendar"
	"zwfw/internal/config"
	"zwfw/internal/esign"
	"zwfw/internal/pii"
)

// Levels of a finding.
const (
	OK   = "ok"   // nothing to do
	Warn = "warn" // works, but an assessor would ask for it to be fixed
	Fail = "fail" // fix before going live
)

// Finding is the answer to one question about the deployment.
type Finding struct {
	Level  string
	Check  string // what was checked, e.g. 数据目录权限
	Detail string // what was found
	Fix    string // what to do (empty when OK)
}

// Thresholds of the checks.
const (
	// BackupMaxAge is how old the newest backup may be when daily backups
	// are on (a day and a half: one missed night is reported).
	BackupMaxAge = 36 * time.Hour
	// MinFree is the free disk space below which a check fails.
	MinFree = 1 << 30
	// WarnFree is the share of a disk that should stay free.
	WarnFree = 0.10
)

// Check examines the deployment cfg describes, at now.
func Check(cfg config.Config, now time.Time) []Finding {
	var out []Finding
	out = append(out, dataDir(cfg)...)
	out = append(out, keys(cfg)...)
	out = append(out, front(cfg))
	out = append(out, backups(cfg, now)...)
	out = append(out, holidays(now))
	out = append(out, disks(cfg)...)
	return out
}

// Failed reports whether any finding must be fixed before going live.
func Failed(fs []Finding) bool {
	for _, f := range fs {
		if f.Level == Fail {
			return true
		}
	}
	return false
}

func ok(check, detail string) Finding { return Finding{Level: OK, Check: check, Detail: detail} }

// dataDir: the SQLite database, uploads and keys are readable by the
// service's own account only.
func dataDir(cfg config.Config) []Finding {
	const check = "数据目录权限"
	st, err := os.Stat(cfg.DataDir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return []Finding{{Level: Warn, Check: check, Detail: fmt.Sprintf("数据目录 %s 还不存在", cfg.DataDir),
			Fix: "首次启动 zwfw serve 时会创建；如果数据目录应在别处，请设置 ZWFW_DATA_DIR"}}
	case err != nil:
		return []Finding{{Level: Fail, Check: check, Detail: fmt.Sprintf("读不到数据目录 %s：%v", cfg.DataDir, err),
			Fix: "以运行 zwfw 的账户检查该目录"}}
	}
	mode := st.Mode().Perm()
	switch {
	case mode&0o002 != 0:
		return []Finding{{Level: Fail, Check: check, Detail: fmt.Sprintf("%s 的权限是 %04o，任何人都能写入", cfg.DataDir, mode),
			Fix: fmt.Sprintf("chmod 750 %s（属主为运行 zwfw 的账户）", cfg.DataDir)}}
	case mode&0o005 != 0:
		return []Finding{{Level: Warn, Check: check, Detail: fmt.Sprintf("%s 的权限是 %04o，其他账户能读取数据库和上传的材料", cfg.DataDir, mode),
			Fix: fmt.Sprintf("chmod 750 %s", cfg.DataDir)}}
	}
	return []Finding{ok(check, fmt.Sprintf("%s 的权限是 %04o", cfg.DataDir, mode))}
}

// keys: the audit and personal-data keys are present (or given in the
// environment) and readable by the owner only; the backup key is not kept
// in the backup directory.
func keys(cfg config.Config) []Finding {
	var out []Finding
	_, err := os.Stat(cfg.DataDir)
	started := err == nil
	type keyFile struct {
		name, path, env, what string
	}
	files := []keyFile{
		{"审计密钥", filepath.Join(cfg.DataDir, audit.KeyFile), envSet(cfg.AuditKey, "ZWFW_AUDIT_KEY"), "审计日志的 MAC"},
		{"审计签名密钥", filepath.Join(cfg.DataDir, audit.SignKeyFile), "", "审计检查点的 SM2 签名"},
		{"个人信息密钥", filepath.Join(cfg.DataDir, pii.KeyFile), envSet(cfg.DataKey, "ZWFW_DATA_KEY"), "身份证号、电话、地址的加密"},
		{"电子签章主密钥", filepath.Join(cfg.DataDir, esign.MasterKeyFile), envSet(cfg.EsignKey, "ZWFW_ESIGN_KEY"), "电子签章私钥（keystore 目录）的加密"},
	}
	if _, on, _ := backup.ParseAt(cfg.BackupAt); on {
		files = append(files, keyFile{"备份密钥", cfg.BackupKey(), "", "备份的加密"})
	}
	for _, k := range files {
		check := k.name
		if k.env != "" {
			out = append(out, ok(check, "由 "+k.env+" 给出"))
			continue
		}
		st, err := os.Stat(k.path)
		switch {
		case errors.Is(err, fs.ErrNotExist) && k.name == "备份密钥":
			out = append(out, Finding{Level: Warn, Check: check, Detail: k.path + " 还不存在",
				Fix: "首次备份时生成；生成后请另存一份到与备份分开的地方"})
		case errors.Is(err, fs.ErrNotExist) && started:
			out = append(out, Finding{Level: Fail, Check: check, Detail: fmt.Sprintf("%s 不存在（%s用它）", k.path, k.what),
				Fix: "从备份或另存的副本恢复该文件；数据库已有数据时不要让 zwfw 生成新的"})
		case errors.Is(err, fs.ErrNotExist):
			out = append(out, ok(check, k.path+" 将在首次启动时生成"))
		case err != nil:
			out = append(out, Finding{Level: Fail, Check: check, Detail: fmt.Sprintf("读不到 %s：%v", k.path, err),
				Fix: "以运行 zwfw 的账户检查该文件"})
		case st.Mode().Perm()&0o077 != 0:
			out = append(out, Finding{Level: Fail, Check: check, Detail: fmt.Sprintf("%s 的权限是 %04o，其他账户能读取", k.path, st.Mode().Perm()),
				Fix: "chmod 600 " + k.path})
		default:
			out = append(out, ok(check, fmt.Sprintf("%s（%04o）", k.path, st.Mode().Perm())))
		}
	}
	if bk, err := filepath.Abs(cfg.BackupKey()); err == nil {
		if dir, err := filepath.Abs(cfg.BackupDir); err == nil && within(bk, dir) {
			out = append(out, Finding{Level: Fail, Check: "备份密钥存放", Detail: "备份密钥 " + bk + " 在备份目录里",
				Fix: "把密钥移到备份目录以外（ZWFW_BACKUP_KEY_FILE），并另存一份：同时拿到备份和密钥的人能读出全部数据"})
		}
	}
	return out
}

func envSet(v, name string) string {
	if v != "" {
		return name
	}
	return ""
}

func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// front: the pages carry passwords and personal data, so browsers must
// reach them over TLS — zwfw itself speaks HTTP, so a proxy in front
// (deploy/nginx.conf) listens on HTTPS and is the only one that reaches it.
func front(cfg config.Config) Finding {
	const check = "TLS 与反向代理"
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return Finding{Level: Fail, Check: check, Detail: fmt.Sprintf("监听地址 %q 无效", cfg.Addr), Fix: "ZWFW_ADDR 写成 主机:端口，如 127.0.0.1:8080"}
	}
	ip := net.ParseIP(host)
	loopback := host == "localhost" || (ip != nil && ip.IsLoopback())
	switch {
	case !loopback && len(cfg.TrustedProxies) == 0:
		return Finding{Level: Fail, Check: check, Detail: fmt.Sprintf("zwfw 直接在 %s 上对外提供 HTTP，没有配置反向代理", cfg.Addr),
			Fix: "让 zwfw 只监听 127.0.0.1（ZWFW_ADDR），由 nginx 提供 HTTPS（见 deploy/nginx.conf），并把代理地址写入 ZWFW_TRUSTED_PROXIES"}
	case len(cfg.TrustedProxies) == 0:
		return Finding{Level: Warn, Check: check, Detail: "zwfw 只监听本机地址，但 ZWFW_TRUSTED_PROXIES 为空",
			Fix: "在本机用 nginx 提供 HTTPS（deploy/nginx.conf），并设置 ZWFW_TRUSTED_PROXIES=127.0.0.1,::1，使限流按真实的客户端地址计算、Cookie 带 Secure"}
	case cfg.SecureCookies == "false":
		return Finding{Level: Warn, Check: check, Detail: "ZWFW_SECURE_COOKIES=false：Cookie 不带 Secure，也不发送 HSTS",
			Fix: "设为 auto（按代理转来的 X-Forwarded-Proto 判断）或 true"}
	}
	return ok(check, fmt.Sprintf("监听 %s，信任代理 %d 个，Secure Cookie：%s", cfg.Addr, len(cfg.TrustedProxies), cfg.SecureCookies))
}

// backups: daily backups are on and the newest is recent.
func backups(cfg config.Config, now time.Time) []Finding {
	const check = "备份"
	_, on, _ := backup.ParseAt(cfg.BackupAt)
	list, err := backup.List(cfg.BackupDir)
	if err != nil {
		return []Finding{{Level: Fail, Check: check, Detail: fmt.Sprintf("读不到备份目录 %s：%v", cfg.BackupDir, err), Fix: "检查 ZWFW_BACKUP_DIR 和目录权限"}}
	}
	var out []Finding
	if !on {
		out = append(out, Finding{Level: Warn, Check: "自动备份", Detail: "ZWFW_BACKUP_AT=off，没有每天的自动备份",
			Fix: "设置 ZWFW_BACKUP_AT（如 02:30），或用系统的定时任务每天运行 zwfw backup"})
	}
	switch {
	case len(list) == 0:
		out = append(out, Finding{Level: Fail, Check: check, Detail: "备份目录 " + cfg.BackupDir + " 里没有备份",
			Fix: "运行 zwfw backup，再用 zwfw backup drill 做一次恢复演练"})
	case now.Sub(list[0]) > BackupMaxAge:
		out = append(out, Finding{Level: Fail, Check: check,
			Detail: fmt.Sprintf("最新的备份是 %s 的，已经 %.0f 小时", list[0].Format("2006-01-02 15:04"), now.Sub(list[0]).Hours()),
			Fix:    "查看日志中备份任务失败的原因，或运行 zwfw backup"})
	default:
		out = append(out, ok(check, fmt.Sprintf("共 %d 份，最新的是 %s 的", len(list), list[0].Format("2006-01-02 15:04"))))
	}
	return out
}

// holidays: the compiled-in national calendar covers next year (the State
// Council publishes it late in the year before; a release of zwfw with the
// new data must be installed before deadlines reach into it).
func holidays(now time.Time) Finding {
	const check = "节假日数据"
	through := calendar.KnownThrough()
	next := now.In(through.Location()).Year() + 1
	switch {
	case calendar.UnknownAhead(now) != 0:
		return Finding{Level: Fail, Check: check,
			Detail: fmt.Sprintf("节假日数据只到 %d 年，现在受理的办件期限可能落在没有数据的日子（标为“暂定”）", through.Year()),
			Fix:    "升级到带有新一年节假日数据的 zwfw 版本；在此之前由管理员在“工作日历”中录入本县的调整"}
	case through.Year() < next:
		return Finding{Level: Warn, Check: check, Detail: fmt.Sprintf("节假日数据只到 %d 年，还没有 %d 年的", through.Year(), next),
			Fix: "国务院公布明年的放假安排后，升级到带有该数据的 zwfw 版本"}
	}
	return ok(check, fmt.Sprintf("节假日数据到 %d 年", through.Year()))
}

// disks: the data and backup directories have room, and are not on the
// same disk (a failed disk would take the backups with the data).
func disks(cfg config.Config) []Finding {
	var out []Finding
	type dir struct{ name, path string }
	var devs []uint64
	for _, d := range []dir{{"数据目录", cfg.DataDir}, {"备份目录", cfg.BackupDir}} {
		check := d.name + "磁盘空间"
		p := existing(d.path)
		var st syscall.Statfs_t
		if err := syscall.Statfs(p, &st); err != nil {
			out = append(out, Finding{Level: Warn, Check: check, Detail: fmt.Sprintf("查不到 %s 的磁盘空间：%v", p, err)})
			continue
		}
		free := st.Bavail * uint64(st.Bsize)
		total := st.Blocks * uint64(st.Bsize)
		detail := fmt.Sprintf("%s 所在磁盘可用 %s，共 %s", d.path, size(free), size(total))
		switch {
		case free < MinFree:
			out = append(out, Finding{Level: Fail, Check: check, Detail: detail, Fix: "清理或扩容：可用空间不足 1 GB，数据库写入和备份都会失败"})
		case total > 0 && float64(free)/float64(total) < WarnFree:
			out = append(out, Finding{Level: Warn, Check: check, Detail: detail, Fix: "可用空间不到 10%，请清理或扩容"})
		default:
			out = append(out, ok(check, detail))
		}
		if fi, err := os.Stat(p); err == nil {
			if s, ok := fi.Sys().(*syscall.Stat_t); ok {
				devs = append(devs, uint64(s.Dev))
			}
		}
	}
	if len(devs) == 2 && devs[0] == devs[1] {
		out = append(out, Finding{Level: Warn, Check: "备份存放", Detail: "备份目录和数据目录在同一块磁盘上",
			Fix: "把 ZWFW_BACKUP_DIR 设到另一块磁盘或网络存储上，并定期把备份复制到本机以外"})
	}
	return out
}

// existing is p or its nearest existing parent.
func existing(p string) string {
	p, _ = filepath.Abs(p)
	for {
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(p)
		if parent == p {
			return p
		}
		p = parent
	}
}

func size(b uint64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.0f MB", float64(b)/(1<<20))
	}
	return fmt.Sprintf("%d KB", b>>10)
}
