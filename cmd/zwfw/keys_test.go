package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"zwfw/internal/account"
	"zwfw/internal/app"
	"zwfw/internal/casework"
	"zwfw/internal/config"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/pii"
)

// withCheck completes the first 17 digits of a resident ID number with its
// check digit (GB 11643).
func withCheck(s string) string {
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(s[i]-'0') * w[i]
	}
	return s + string("10X98765432"[sum%11])
}

// TestPersonalDataAtRest: the ID numbers and phones of the demo applicants,
// of a newly registered one and of a new walk-in case appear nowhere in
// clear in the database — not in the SQLite file or its WAL, not in a
// pg_dump of the schema (neither whole nor their last 8 characters); `zwfw
// keys rotate` re-seals everything under a new key with progress on stderr
// and drops the old one, after which every case and account still reads,
// the reveal action shows the full number, and sign-in, registration ("this
// number has an account") and the lookups by ID number still work; a wrong
// or missing data key stops the start with a clear error.
func TestPersonalDataAtRest(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) { testPersonalDataAtRest(t, dialect) })
	}
}

func testPersonalDataAtRest(t *testing.T, dialect string) {
	dbtest.OnlyDialect(t, dialect)
	ctx := context.Background()
	dir := t.TempDir()
	env := map[string]string{"ZWFW_DATA_DIR": dir, "ZWFW_ADMIN_PASSWORD": "Ningshan@2026", "ZWFW_LOG_LEVEL": "error", "ZWFW_JOB_WORKERS": "0"}
	if dialect == "postgres" {
		env["ZWFW_DATABASE_URL"] = dbtest.PostgresSchemaURL(t)
	}
	getenv := func(k string) string { return env[k] }
	zwfw := func(args ...string) (string, string, error) {
		var out, errb bytes.Buffer
		err := run(ctx, args, getenv, &out, &errb)
		return out.String(), errb.String(), err
	}
	open := func() *app.App {
		t.Helper()
		cfg, _, err := config.Load("zwfw test", nil, getenv, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard, app.Options{NoSeed: true})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	if _, _, err := zwfw("seed", "demo"); err != nil {
		t.Fatal(err)
	}

	// A new applicant registers; a window files a case for a walk-in one.
	newID, walkInID := withCheck("61092319900101123"), withCheck("61092319780512301")
	newPhone, walkInPhone := "13700001111", "15800002222"
	a := open()
	if _, err := a.Users.RegisterTrusted(ctx, account.RegisterInput{Username: "li.ming", Password: "Liming@2026x", Name: "李明",
		Phone: newPhone, IDNumber: newID}); err != nil {
		t.Fatal(err)
	}
	win := actorOf(t, a, "county.window")
	it, err := a.Catalog.Get(ctx, "010100100000")
	if err != nil {
		t.Fatal(err)
	}
	var mats []casework.MaterialInput
	for _, m := range it.Materials {
		if m.Required == "required" {
			mats = append(mats, casework.MaterialInput{Name: m.Name, HandedIn: "window"})
		}
	}
	c, err := a.Cases.Apply(ctx, win.Actor(), casework.ApplyInput{ItemCode: it.Code, OrgCode: "610923C", Materials: mats,
		Applicant: &casework.ApplicantInput{Name: "赵长青", IDNumber: walkInID, Phone: walkInPhone},
		Form:      casework.Form{Description: "申请办理", Address: "宁陕县城关镇新建路88号"}})
	if err != nil {
		t.Fatal(err)
	}
	serial := c.Serial

	secrets := []string{
		"610923198503120025", "610923197806150032", "61092319620708004X", "61092319551123001X", newID, walkInID, // ID numbers
		"13991561234", "13991568899", "13891527766", "15929153321", "13709151234", newPhone, walkInPhone, // phones
		"新建路88号", "长安路12号", // addresses
	}
	var needles []string
	for _, s := range secrets {
		needles = append(needles, s)
		if len(s) > 8 && !strings.Contains(s, "路") {
			needles = append(needles, s[len(s)-8:])
		}
	}
	grep := func(when string) {
		t.Helper()
		var raw []byte
		if dialect == "sqlite" {
			for _, f := range []string{"zwfw.db", "zwfw.db-wal"} {
				b, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				raw = append(raw, b...)
			}
		} else {
			raw = pgDump(t, env["ZWFW_DATABASE_URL"])
		}
		if len(raw) < 10000 || !bytes.Contains(raw, []byte("pii1:")) {
			t.Fatalf("%s: the database dump (%d bytes) holds no sealed values: the grep would prove nothing", when, len(raw))
		}
		for _, n := range needles {
			if i := bytes.Index(raw, []byte(n)); i >= 0 {
				t.Errorf("%s: %q found in clear in the database: …%q…", when, n, raw[max(0, i-60):min(len(raw), i+60)])
			}
		}
	}
	grep("with the server open")
	a.Close()
	grep("after the server stopped")

	// Rotation: a new key, progress on stderr, the old key dropped.
	before, err := os.ReadFile(filepath.Join(dir, pii.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	out, progress, err := zwfw("keys", "rotate")
	if err != nil {
		t.Fatalf("rotate: %v\n%s", err, progress)
	}
	after, err := os.ReadFile(filepath.Join(dir, pii.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(progress, "cases.applicant_ident: ") || !strings.Contains(progress, "users.id_number: ") || !strings.Contains(out, "轮换完成") {
		t.Errorf("rotate said %q, progress %q", out, progress)
	}
	if bytes.Equal(before, after) || strings.Count(strings.TrimSpace(string(after)), "\n") != 0 {
		t.Errorf("key file after rotation: %q (before %q), want one new key", after, before)
	}
	if st, err := os.Stat(filepath.Join(dir, pii.KeyFile)); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v %v, want 0600", st.Mode(), err)
	}

	a = open()
	defer a.Close()
	if n, err := pii.Left(ctx, a.DB, pii.Of(a.DB)); err != nil || n != 0 {
		t.Fatalf("%d values left under the old key (%v)", n, err)
	}
	// Every case reads, with well-formed identity numbers.
	sup := actorOf(t, a, "county.supervisor")
	list, total, err := a.Cases.List(ctx, sup.Actor(), casework.Query{Limit: 500})
	if err != nil || total < 15 || len(list) != total {
		t.Fatalf("cases after rotation: %d of %d, %v", len(list), total, err)
	}
	for _, s := range list {
		if _, err := a.Cases.Get(ctx, sup.Actor(), s.Serial); err != nil {
			t.Fatalf("case %s after rotation: %v", s.Serial, err)
		}
	}
	got, err := a.Cases.RevealIdent(ctx, win.Actor(), serial, "核验身份证原件")
	if err != nil || got != walkInID {
		t.Fatalf("reveal after rotation: %q %v, want %s", got, err, walkInID)
	}
	full, err := a.Cases.Get(ctx, win.Actor(), serial)
	if err != nil || full.Applicant.Phone != walkInPhone || full.Form.Address != "宁陕县城关镇新建路88号" {
		t.Fatalf("case after rotation: %+v %v", full, err)
	}
	// Sign-in, and the account's sealed fields.
	if _, u, err := a.Users.Login(ctx, "li.ming", "Liming@2026x", account.SessionWeb, "127.0.0.1", "test"); err != nil || u.IDNumber != newID || u.Phone != newPhone {
		t.Fatalf("sign-in after rotation: %+v %v", u, err)
	}
	if u, err := a.Users.ByUsername(ctx, "resident.wang"); err != nil || u.IDNumber != "610923198503120025" || u.Phone != "13991561234" {
		t.Fatalf("resident.wang after rotation: %+v %v", u, err)
	}
	// Registration with a number that has an account is refused and stores nothing.
	if u, err := a.Users.RegisterTrusted(ctx, account.RegisterInput{Username: "li.ming2", Password: "Liming@2026x", Name: "李明",
		Phone: "13700003333", IDNumber: newID}); err == nil || !strings.Contains(err.Error(), "已注册过账户") {
		t.Fatalf("second account for one ID number after rotation: %+v %v", u, err)
	}
	if _, err := a.Users.ByUsername(ctx, "li.ming2"); err == nil {
		t.Fatal("a second account for one ID number was stored")
	}
	// The lookups by ID number: the case list and the account list.
	found, _, err := a.Cases.List(ctx, win.Actor(), casework.Query{Q: walkInID})
	if err != nil || len(found) != 1 || found[0].Serial != serial {
		t.Fatalf("cases by ID number: %+v %v", found, err)
	}
	admin := actorOf(t, a, "county.admin")
	users, _, err := a.Users.List(ctx, admin.Actor(), account.UserQuery{Kind: "applicant", Q: newID})
	if err != nil || len(users) != 1 || users[0].Username != "li.ming" {
		t.Fatalf("applicants by ID number: %+v %v", users, err)
	}
	a.Close()
	grep("after the rotation")

	// A wrong key, and a missing key file, stop the start with the reason.
	var b [32]byte
	copy(b[:], "another county's key, not ours!!")
	env["ZWFW_DATA_KEY"] = hex.EncodeToString(b[:])
	if _, _, err := zwfw("migrate"); err == nil || !strings.Contains(err.Error(), "个人信息数据密钥与数据库不符") {
		t.Fatalf("start with a wrong ZWFW_DATA_KEY: %v", err)
	}
	delete(env, "ZWFW_DATA_KEY")
	keyFile := filepath.Join(dir, pii.KeyFile)
	if err := os.Rename(keyFile, keyFile+".away"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := zwfw("migrate"); err == nil || !strings.Contains(err.Error(), "个人信息数据密钥与数据库不符") {
		t.Fatalf("start without the key file: %v", err)
	}
	if err := os.Rename(keyFile+".away", keyFile); err != nil {
		t.Fatal(err)
	}
	if _, _, err := zwfw("migrate"); err != nil {
		t.Fatalf("start with the key file back: %v", err)
	}

	// With ZWFW_DATA_KEY the operator names the new key first, the old
	// after it; a single key is not rotated.
	old, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	env["ZWFW_DATA_KEY"] = strings.TrimSpace(string(old))
	if _, _, err := zwfw("keys", "rotate"); err == nil || !strings.Contains(err.Error(), "新密钥放在最前") {
		t.Fatalf("rotate with one key in ZWFW_DATA_KEY: %v", err)
	}
	newKey := strings.Repeat("5a", 32)
	env["ZWFW_DATA_KEY"] = newKey + "," + strings.TrimSpace(string(old))
	if out, _, err := zwfw("keys", "rotate"); err != nil || !strings.Contains(out, "请从 ZWFW_DATA_KEY 中去掉旧密钥") {
		t.Fatalf("rotate with ZWFW_DATA_KEY: %q %v", out, err)
	}
	env["ZWFW_DATA_KEY"] = strings.TrimSpace(string(old))
	if _, _, err := zwfw("migrate"); err == nil || !strings.Contains(err.Error(), "个人信息数据密钥与数据库不符") {
		t.Fatalf("start with the old key after the rotation: %v", err)
	}
	env["ZWFW_DATA_KEY"] = newKey
	a = open()
	defer a.Close()
	if got, err := a.Cases.RevealIdent(ctx, win.Actor(), serial, "核验身份证原件"); err != nil || got != walkInID {
		t.Fatalf("reveal after the second rotation: %q %v", got, err)
	}
}

func actorOf(t *testing.T, a *app.App, username string) *account.User {
	t.Helper()
	u, err := a.Users.ByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// pgDump dumps the schema the URL's search_path names (data and DDL).
func pgDump(t *testing.T, raw string) []byte {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	u.RawQuery = "sslmode=disable"
	bin, err := exec.LookPath("pg_dump")
	if err != nil {
		dbtest.SkipOrFail(t, "pg_dump not found: "+err.Error())
	}
	out, err := exec.Command(bin, "--no-owner", "-n", schema, "-d", u.String()).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	return out
}
