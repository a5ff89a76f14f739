package doctor_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/backup"
	"zwfw/internal/config"
	"zwfw/internal/doctor"
	"zwfw/internal/esign"
	"zwfw/internal/pii"
)

// deployment is a data directory with its keys as a first start leaves
// them, a backup directory beside it, nginx in front: nothing to fix.
func deployment(t *testing.T, now time.Time) config.Config {
	t.Helper()
	root := t.TempDir()
	cfg := config.Config{
		Addr:           "127.0.0.1:8080",
		DataDir:        filepath.Join(root, "data"),
		BackupDir:      filepath.Join(root, "backups"),
		BackupKeyFile:  filepath.Join(root, "secure", "backup.key"),
		BackupAt:       "02:30",
		SecureCookies:  "auto",
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
	}
	for _, d := range []string{cfg.DataDir, cfg.BackupDir, filepath.Dir(cfg.BackupKeyFile)} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{filepath.Join(cfg.DataDir, audit.KeyFile), filepath.Join(cfg.DataDir, audit.SignKeyFile),
		filepath.Join(cfg.DataDir, pii.KeyFile), filepath.Join(cfg.DataDir, esign.MasterKeyFile), cfg.BackupKeyFile} {
		write(t, k, 0o600)
	}
	write(t, filepath.Join(cfg.BackupDir, backup.Name(now.Add(-5*time.Hour))), 0o600)
	return cfg
}

func write(t *testing.T, p string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(p, []byte("x"), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

// level is the level of the finding named check ("" when there is none).
func level(fs []doctor.Finding, check string) string {
	for _, f := range fs {
		if f.Check == check {
			return f.Level
		}
	}
	return ""
}

func TestDoctor(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, zwfw.Zone)
	good := deployment(t, now)
	fs := doctor.Check(good, now)
	for _, f := range fs {
		// The temporary directories share one disk: the one finding a
		// test machine cannot avoid.
		if f.Level != doctor.OK && f.Check != "备份存放" {
			t.Errorf("a sound deployment: %s %s：%s", f.Level, f.Check, f.Detail)
		}
	}
	if doctor.Failed(fs) {
		t.Error("a sound deployment failed")
	}

	cases := []struct {
		name  string
		edit  func(*config.Config)
		now   time.Time
		check string
		want  string
	}{
		{"data directory writable by anyone", func(c *config.Config) { must(t, os.Chmod(c.DataDir, 0o777)) }, now, "数据目录权限", doctor.Fail},
		{"data directory readable by others", func(c *config.Config) { must(t, os.Chmod(c.DataDir, 0o755)) }, now, "数据目录权限", doctor.Warn},
		{"audit key readable by others", func(c *config.Config) { must(t, os.Chmod(filepath.Join(c.DataDir, audit.KeyFile), 0o644)) }, now, "审计密钥", doctor.Fail},
		{"data key lost", func(c *config.Config) { must(t, os.Remove(filepath.Join(c.DataDir, pii.KeyFile))) }, now, "个人信息密钥", doctor.Fail},
		{"esign master key lost", func(c *config.Config) { must(t, os.Remove(filepath.Join(c.DataDir, esign.MasterKeyFile))) }, now, "电子签章主密钥", doctor.Fail},
		{"data key in the environment", func(c *config.Config) {
			must(t, os.Remove(filepath.Join(c.DataDir, pii.KeyFile)))
			c.DataKey = "0123456789abcdef0123456789abcdef"
		}, now, "个人信息密钥", doctor.OK},
		{"backup key among the backups", func(c *config.Config) {
			c.BackupKeyFile = filepath.Join(c.BackupDir, "backup.key")
			write(t, c.BackupKeyFile, 0o600)
		}, now, "备份密钥存放", doctor.Fail},
		{"plain HTTP to the world", func(c *config.Config) { c.Addr, c.TrustedProxies = "0.0.0.0:8080", nil }, now, "TLS 与反向代理", doctor.Fail},
		{"no proxy named", func(c *config.Config) { c.TrustedProxies = nil }, now, "TLS 与反向代理", doctor.Warn},
		{"insecure cookies", func(c *config.Config) { c.SecureCookies = "false" }, now, "TLS 与反向代理", doctor.Warn},
		{"no backups", func(c *config.Config) { must(t, os.RemoveAll(c.BackupDir)) }, now, "备份", doctor.Fail},
		{"newest backup two days old", func(c *config.Config) {
			must(t, os.RemoveAll(c.BackupDir))
			must(t, os.MkdirAll(c.BackupDir, 0o750))
			write(t, filepath.Join(c.BackupDir, backup.Name(now.Add(-43*time.Hour))), 0o600)
		}, now, "备份", doctor.Fail},
		{"daily backups off", func(c *config.Config) { c.BackupAt = "off" }, now, "自动备份", doctor.Warn},
		{"next year's holidays not yet known", func(c *config.Config) {}, time.Date(2027, 3, 1, 10, 0, 0, 0, zwfw.Zone), "节假日数据", doctor.Warn},
		{"deadlines reach a year without holidays", func(c *config.Config) {}, time.Date(2027, 11, 1, 10, 0, 0, 0, zwfw.Zone), "节假日数据", doctor.Fail},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := deployment(t, c.now)
			c.edit(&cfg)
			fs := doctor.Check(cfg, c.now)
			if got := level(fs, c.check); got != c.want {
				t.Errorf("%s: %q, want %q (%+v)", c.check, got, c.want, fs)
			}
			if doctor.Failed(fs) != (c.want == doctor.Fail) {
				t.Errorf("Failed = %v", doctor.Failed(fs))
			}
			for _, f := range fs {
				if f.Level != doctor.OK && f.Fix == "" && f.Check != "数据目录磁盘空间" && f.Check != "备份目录磁盘空间" {
					t.Errorf("%s says nothing to do: %s", f.Check, f.Detail)
				}
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
