package db_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/pii"
)

// TestUpgradeSealsPersonalData: a database written before encryption
// (schema 00013, ID numbers, phones and addresses in clear) is migrated to
// 00014 and its first start with a data key (pii.Open) seals every such
// value, with the digests the lookups use; the values read back as they
// were, and on SQLite the clear values are gone from the file too (the
// conversion compacts the database). A second start changes nothing.
func TestUpgradeSealsPersonalData(t *testing.T) {
	ctx := context.Background()
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dbtest.OnlyDialect(t, dialect)
			path := filepath.Join(t.TempDir(), "up.db")
			o := db.Options{SQLitePath: path}
			if dialect == "postgres" {
				o = db.Options{URL: dbtest.PostgresSchemaURL(t), MaxConns: 4}
			}
			d, err := db.Open(ctx, o)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if err := db.MigrateTo(ctx, d, 13); err != nil {
				t.Fatal(err)
			}
			const idn, phone, addr = "61092319620708004X", "13891527766", "宁陕县城关镇东关社区长安路12号"
			for _, q := range []string{
				"INSERT INTO orgs (code, kind, name, path, created_at, updated_at) VALUES ('610923', 'county', '宁陕县', '/1/', 0, 0)",
				"INSERT INTO users (username, password_hash, kind, name, phone, id_number, roles, password_changed_at, created_at, updated_at) " +
					"VALUES ('liu.gf', 'x', 'person', '刘桂芳', '" + phone + "', '" + idn + "', ',applicant,', 0, 0, 0)",
				`INSERT INTO cases (serial, item_code, item_version, item_name, kind, org_id, org_path, dept_id, dept_path, channel,
					applicant_kind, applicant_name, applicant_ident, applicant_phone, form, delivery, status, version, promised_days, day, submitted_at, updated_at)
					VALUES ('610923-20261126-00001', 'X', 1, '事项', 'promised', 1, '/1/', 1, '/1/', 'window', 'person', '刘桂芳', '` + idn + `', '` + phone + `',
					'{"address":"` + addr + `"}', '{"method":"post","address":"` + addr + `"}', 'accepted', 1, 5, '2026-11-26', 0, 0)`,
				"INSERT INTO drafts (user_id, item_code, org_code, form, materials, created_at, updated_at) VALUES (1, 'X', '610923', '{\"address\":\"" + addr + "\"}', '[]', 0, 0)",
				"INSERT INTO notifications (user_id, channel, address, subject, body, state, created_at) VALUES (1, 'sms', '" + phone + "', 's', 'b', 'pending', 0)",
			} {
				if _, err := d.Exec(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if _, err := d.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			// A complaint's contact (00033) came after encryption; one
			// written in clear is sealed the same way.
			if _, err := d.Exec(ctx, `INSERT INTO complaints (number, query_code, kind, category, channel, subject, body, contact_name, contact_phone,
				org_id, org_path, state, created_at) VALUES ('TS202611260001', '123456', 'complaint', 'other', 'phone', 's', 'b', '刘桂芳', '`+phone+`', 1, '/1/', 'received', 0)`); err != nil {
				t.Fatal(err)
			}
			r, err := pii.NewRing("0123456789abcdef0123456789abcdef-upgrade")
			if err != nil {
				t.Fatal(err)
			}
			var progress bytes.Buffer
			if err := pii.Open(ctx, d, r, &progress); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(progress.String(), "cases.applicant_ident: 1/1") {
				t.Errorf("progress: %q", progress.String())
			}
			if left, err := pii.Left(ctx, d, r); err != nil || left != 0 {
				t.Fatalf("%d values left in clear (%v)", left, err)
			}
			for _, c := range pii.Columns {
				if c.Table == "inquiries" || c.Table == "licences" || // made after 00014: sealed from their first row (首问登记 00034, 电子证照 00043,
					c.Table == "oidc_links" || c.Table == "oidc_sessions" || c.Table == "login_challenges" || c.Table == "user_totp" { // 统一身份认证 00047)
					continue
				}
				var v string
				if err := d.QueryRow(ctx, "SELECT "+c.Col+" FROM "+c.Table+" ORDER BY id LIMIT 1").Scan(&v); err != nil {
					t.Fatalf("%s: %v", c.Label(), err)
				}
				clear, err := r.Open(c.Label(), v)
				if _, sealed := pii.Sealed(v); c == pii.ComplaintName && sealed && err == nil && clear == "刘桂芳" {
					continue
				}
				if _, sealed := pii.Sealed(v); !sealed || err != nil || !strings.Contains(clear, phone) && !strings.Contains(clear, idn) && !strings.Contains(clear, addr) {
					t.Errorf("%s after the upgrade: %q → %q %v", c.Label(), v, clear, err)
				}
			}
			var users, cases int
			if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM users WHERE id_digest IN ("+r.In()+")", r.Digests(idn)...).Scan(&users); err != nil {
				t.Fatal(err)
			}
			if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM cases WHERE applicant_digest IN ("+r.In()+")", r.Digests(idn)...).Scan(&cases); err != nil {
				t.Fatal(err)
			}
			if users != 1 || cases != 1 {
				t.Errorf("by digest: %d users, %d cases, want 1 each", users, cases)
			}
			// A second start finds nothing to convert.
			progress.Reset()
			if err := pii.Open(ctx, d, r, &progress); err != nil || progress.Len() != 0 {
				t.Fatalf("second start: %q %v", progress.String(), err)
			}
			if dialect == "sqlite" {
				d.Close()
				var raw []byte
				for _, f := range []string{path, path + "-wal"} {
					b, err := os.ReadFile(f)
					if err != nil && !os.IsNotExist(err) {
						t.Fatal(err)
					}
					raw = append(raw, b...)
				}
				for _, n := range []string{idn, idn[10:], phone, phone[3:], "长安路12号"} {
					if bytes.Contains(raw, []byte(n)) {
						t.Errorf("%q still in clear in the SQLite file after the conversion", n)
					}
				}
			}
		})
	}
}
