package licence_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
	"zwfw/internal/catalog"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/licence"
)

const (
	marriage  = "070200700000" // 内地居民结婚登记: issues 结婚证
	wangID    = "610923198503120025"
	wangName  = "王秀兰"
	groomID   = "610923199802160152"
	groomName = "陈家明"
	addr      = "192.0.2.7"
)

type env struct {
	*apptest.Env
	t   *testing.T
	ctx context.Context
}

func (e *env) actor(username string) *zwfw.Actor {
	e.t.Helper()
	u, err := e.App.Users.ByUsername(e.ctx, username)
	if err != nil {
		e.t.Fatal(err)
	}
	return u.Actor()
}

// marry files a 结婚登记 for 王秀兰 (resident.wang's ID number) at the
// county centre's window and completes it on the spot (当场办结): the
// completion issues the 结婚证.
func (e *env) marry() (*casework.Case, string) {
	e.t.Helper()
	it, err := e.App.Catalog.Get(e.ctx, marriage)
	if err != nil {
		e.t.Fatal(err)
	}
	var mats []casework.MaterialInput
	for _, m := range it.Materials {
		if m.Required == "required" {
			mats = append(mats, casework.MaterialInput{Name: m.Name, HandedIn: "window"})
		}
	}
	clerk := e.actor("county.window")
	c, err := e.App.Cases.Apply(e.ctx, clerk, casework.ApplyInput{ItemCode: marriage, OrgCode: "610923C",
		Applicant: &casework.ApplicantInput{Name: wangName, IDNumber: wangID, Phone: "13991561234"},
		Form: casework.Form{Description: "申请结婚登记", Data: catalog.FormData{"f1": groomName, "f2": groomID, "f3": "未婚", "f4": "个体经营者",
			"f5": wangName, "f6": wangID, "f7": "未婚", "f8": "教师", "f9": "本人与对方均无配偶，自愿结婚，所填内容真实"}},
		Materials: mats})
	if err != nil {
		e.t.Fatalf("apply: %v", err)
	}
	c, err = e.App.Cases.Act(e.ctx, clerk, c.Serial, casework.ActInstant, casework.ActionInput{})
	if err != nil {
		e.t.Fatalf("instant: %v", err)
	}
	if c.Status != casework.Completed || c.Result == nil || c.Result.Licence == "" {
		e.t.Fatalf("completed without a licence: %s %+v", c.Status, c.Result)
	}
	return c, c.Result.Licence
}

func each(t *testing.T, fn func(t *testing.T, e *env)) {
	apptest.Each(t, func(t *testing.T, ae *apptest.Env) { fn(t, &env{Env: ae, t: t, ctx: context.Background()}) })
}

const marriageType = "11100000000013450U001"

// wallet is the identifiers in resident.wang's wallet (the demo's
// 就业创业证 is there too).
func (e *env) wallet() []string {
	e.t.Helper()
	w, err := e.App.Licences.Wallet(e.ctx, e.actor("resident.wang"))
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, l := range w {
		out = append(out, l.Identifier)
	}
	return out
}

// openssl verifies data's signature with the PEM public key as OpenSSL 3
// does SM2 over SM3 with the standard distinguishing ID; it returns the
// tool's output.
func openssl(t *testing.T, data, sig []byte, pem string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		dbtest.SkipOrFail(t, "openssl not installed")
	}
	dir := t.TempDir()
	for name, b := range map[string][]byte{"licence.json": data, "licence.sig": sig, "pub.pem": []byte(pem)} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command("openssl", "pkeyutl", "-verify", "-in", filepath.Join(dir, "licence.json"), "-sigfile", filepath.Join(dir, "licence.sig"),
		"-pubin", "-inkey", filepath.Join(dir, "pub.pem"), "-rawin", "-digest", "sm3", "-pkeyopt", "distid:1234567812345678").CombinedOutput()
	return string(out), err
}

// TestIssuedLicenceVerifiesWithOpenSSL: completing a 结婚登记 issues a
// 结婚证 whose identifier follows GB/T 36904 with the deciding department
// (民政局) as issuer, whose machine-readable form carries the GB/T 36903
// metadata and the form's data, and whose SM2 signature OpenSSL 3 verifies
// with the organisation's published public key; a changed byte does not
// verify. The holder's code is stored sealed.
func TestIssuedLicenceVerifiesWithOpenSSL(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		c, id := e.marry()
		pid, err := licence.Parse(id)
		if err != nil {
			t.Fatalf("identifier %s: %v", id, err)
		}
		if pid.Type != "11100000000013450U001" || pid.Issuer != "11610923MB0000182A" || pid.Version != 1 || !strings.HasPrefix(id, "1.2.156.3005.2.") {
			t.Fatalf("identifier parts: %+v", pid)
		}
		l, err := e.App.Licences.Get(e.ctx, e.actor("minzheng.reviewer"), id)
		if err != nil {
			t.Fatal(err)
		}
		if l.Name != "结婚证" || l.Number != c.Result.Number || l.HolderName != wangName || l.HolderCode != "610***********0025" ||
			l.Issuer != "宁陕县民政局" && !strings.Contains(l.Issuer, "民政") || l.Status != licence.Valid || l.CaseSerial != c.Serial {
			t.Fatalf("licence as staff see it: %+v", l)
		}
		for _, f := range l.Fields {
			if f.Value == wangID {
				t.Errorf("staff read the full ID number in the field %s", f.Label)
			}
		}
		var d licence.Doc
		if err := json.Unmarshal(l.Data, &d); err != nil {
			t.Fatal(err)
		}
		if d.Identifier != id || d.HolderCode != wangID || d.IssuerCode != "11610923MB0000182A" || d.ItemCode != marriage || d.ValidTo != "" {
			t.Fatalf("machine-readable form: %+v", d)
		}
		fields := map[string]string{}
		for _, f := range d.Fields {
			fields[f.Label] = f.Value
		}
		if fields["男方姓名"] != groomName || fields["女方姓名"] != wangName || fields["结婚证字号"] != c.Result.Number || fields["身份证件号"] != wangID {
			t.Fatalf("data fields: %v", fields)
		}
		if !bytes.Equal(l.Data, d.Canonical()) {
			t.Fatal("the stored form is not the canonical bytes of its document")
		}
		sig, _ := hex.DecodeString(l.Signature)
		pub, err := e.App.Esign.PublicKey(e.ctx, l.KeyID)
		if err != nil {
			t.Fatal(err)
		}
		if pub.CreditCode != "11610923MB0000182A" {
			t.Errorf("signed by %s (%s), not the 民政局", pub.OrgName, pub.CreditCode)
		}
		out, err := openssl(t, l.Data, sig, pub.PEM)
		if err != nil || !strings.Contains(out, "Signature Verified Successfully") {
			t.Fatalf("openssl: %v\n%s", err, out)
		}
		bad := bytes.Replace(l.Data, []byte(groomName), []byte("陈家民"), 1)
		if out, err := openssl(t, bad, sig, pub.PEM); err == nil || strings.Contains(out, "Verified Successfully") {
			t.Fatalf("openssl verified a changed licence: %s", out)
		}
		// At rest: neither the holder's code nor the form is in clear.
		var code, data, digest string
		if err := e.App.DB.QueryRow(e.ctx, "SELECT holder_code, data, holder_digest FROM licences WHERE identifier = ?", id).Scan(&code, &data, &digest); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(code, wangID) || strings.Contains(data, wangID) || strings.Contains(data, groomName) || digest == "" {
			t.Fatalf("personal data in clear: %q %q", code, data[:min(len(data), 60)])
		}
		// The completion notice names the licence; the audit has its issue.
		if n := findNotice(c, casework.NoticeResult); n == nil || !strings.Contains(strings.Join(n.Content.Body, ""), id) {
			t.Errorf("result notice does not name the licence: %+v", n)
		}
		var audits int
		if err := e.App.DB.QueryRow(e.ctx, "SELECT COUNT(*) FROM audit_log WHERE action = 'licence.issue' AND object = ?", "licence:"+id).Scan(&audits); err != nil || audits != 1 {
			t.Errorf("audit entries of the issue: %d %v", audits, err)
		}
	})
}

func findNotice(c *casework.Case, kind string) *casework.Notice {
	for i := range c.Notices {
		if c.Notices[i].Kind == kind {
			return &c.Notices[i]
		}
	}
	return nil
}

// TestRevokedAndTamperedFailVerification: a valid licence verifies by
// identifier and by its JSON file; the JSON with a field changed fails on
// the signature; revoked by the 民政局's reviewer with a reason, the
// verification says 已吊销 and why, and Held no longer offers it. Every
// check is logged without personal data.
func TestRevokedAndTamperedFailVerification(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		_, id := e.marry()
		lic := e.App.Licences
		c, err := lic.VerifyIdentifier(e.ctx, addr, id, licence.ByQR)
		if err != nil || !c.OK() || c.Result != licence.Valid || c.Holder != "王**" || !c.SignatureValid || c.Validity == "" {
			t.Fatalf("valid licence: %v %+v", err, c)
		}
		wang := e.actor("resident.wang")
		l, err := lic.Get(e.ctx, wang, id)
		if err != nil {
			t.Fatalf("the holder reads their licence: %v", err)
		}
		if l.HolderCode != wangID {
			t.Errorf("the holder sees their code masked: %s", l.HolderCode)
		}
		file := lic.JSON(l)
		if c, err := lic.VerifyFile(e.ctx, addr, file); err != nil || !c.OK() || c.How != licence.ByJSON || c.Identifier != id {
			t.Fatalf("the downloaded JSON: %v %+v", err, c)
		}
		tampered := bytes.Replace(file, []byte(`"女方姓名","value":"王秀兰"`), []byte(`"女方姓名","value":"王秀芝"`), 1)
		if bytes.Equal(tampered, file) {
			t.Fatal("the test did not change the file")
		}
		if c, err := lic.VerifyFile(e.ctx, addr, tampered); err != nil || c.OK() || c.SignatureValid || c.Result != licence.ResultInvalid || !strings.Contains(c.Verdict, "签名无效") {
			t.Fatalf("a changed field: %v %+v", err, c)
		}
		if c, err := lic.VerifyFile(e.ctx, addr, []byte("not a licence")); err != nil || c.OK() || c.Result != licence.ResultInvalid {
			t.Fatalf("junk: %v %+v", err, c)
		}
		if held, err := lic.Held(e.ctx, wangID, []string{"11100000000013450U001"}); err != nil || len(held) != 1 || held[0].Identifier != id {
			t.Fatalf("held before revocation: %v %+v", err, held)
		}
		// Who may: another department's reviewer and a town's staff are
		// told it does not exist; a reason is required.
		for _, who := range []string{"county.reviewer", "chengguan.reviewer", "chengguan.admin", "county.window"} {
			if _, err := lic.Act(e.ctx, e.actor(who), id, licence.ActRevoke, licence.ActInput{Reason: "越权吊销"}); zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
				t.Errorf("%s revoking: %v", who, err)
			}
		}
		// The county's 电子监察 sees it (scope) but does not decide.
		if _, err := lic.Act(e.ctx, e.actor("county.supervisor"), id, licence.ActRevoke, licence.ActInput{Reason: "监察吊销"}); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Errorf("the supervisor revoking: %v", err)
		}
		if _, err := lic.Act(e.ctx, e.actor("minzheng.reviewer"), id, licence.ActRevoke, licence.ActInput{Reason: " "}); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Errorf("revoking without a reason: %v", err)
		}
		if c, _ := lic.VerifyIdentifier(e.ctx, addr, id, licence.ByIdentifier); c.Result != licence.Valid {
			t.Fatalf("a refused revocation changed the licence: %+v", c)
		}
		const reason = "婚姻登记被人民法院判决撤销（(2026)陕0923民初123号）"
		l, err = lic.Act(e.ctx, e.actor("minzheng.reviewer"), id, licence.ActRevoke, licence.ActInput{Reason: reason})
		if err != nil || l.Status != licence.Revoked || l.Reason != reason || len(l.Events) != 2 || l.Events[1].Action != licence.ActRevoke {
			t.Fatalf("revoke: %v %+v", err, l)
		}
		c, err = lic.VerifyIdentifier(e.ctx, addr, id, licence.ByIdentifier)
		if err != nil || c.OK() || c.Result != licence.Revoked || c.StatusName != "已吊销" || c.Reason != reason || !c.SignatureValid {
			t.Fatalf("verification after revocation: %v %+v", err, c)
		}
		if c, _ := lic.VerifyFile(e.ctx, addr, file); c.OK() || c.Result != licence.Revoked {
			t.Fatalf("the JSON of a revoked licence: %+v", c)
		}
		if held, err := lic.Held(e.ctx, wangID, []string{marriageType}); err != nil || len(held) != 0 {
			t.Fatalf("held after revocation: %v %+v", err, held)
		}
		if _, err := lic.Act(e.ctx, e.actor("minzheng.reviewer"), id, licence.ActResume, licence.ActInput{Reason: "恢复"}); zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			t.Errorf("resuming a revoked licence: %v", err)
		}
		// The log: what, how, result — and nothing about the holder.
		rows, err := e.App.DB.Query(e.ctx, "SELECT identifier, how, result FROM licence_checks ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		var log []string
		for rows.Next() {
			var i, h, r string
			if err := rows.Scan(&i, &h, &r); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(i+h+r, wangID) || strings.Contains(i+h+r, wangName) {
				t.Errorf("personal data in the check log: %s %s %s", i, h, r)
			}
			log = append(log, h+":"+r)
		}
		rows.Close()
		want := "qr:valid json:valid json:invalid json:invalid identifier:valid identifier:revoked json:revoked"
		if strings.Join(log, " ") != want {
			t.Errorf("check log:\n got %s\nwant %s", strings.Join(log, " "), want)
		}
	})
}

// TestSuspendChangeExpire: a suspended licence verifies as 已暂停 and
// resumes; a change issues version 002 under a new identifier (signed
// afresh) and the old one verifies as 已变更 naming it; a validity that
// passes makes it 已过期 by the clock alone.
func TestSuspendChangeExpire(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		_, id := e.marry()
		lic := e.App.Licences
		rev := e.actor("minzheng.reviewer")
		if l, err := lic.Act(e.ctx, rev, id, licence.ActSuspend, licence.ActInput{Reason: "涉嫌骗取登记，正在调查"}); err != nil || l.Status != licence.Suspended {
			t.Fatalf("suspend: %v %+v", err, l)
		}
		if c, _ := lic.VerifyIdentifier(e.ctx, addr, id, licence.ByIdentifier); c.Result != licence.Suspended || c.StatusName != "已暂停" || c.Reason != "涉嫌骗取登记，正在调查" {
			t.Fatalf("suspended: %+v", c)
		}
		if held, _ := lic.Held(e.ctx, wangID, []string{marriageType}); len(held) != 0 {
			t.Fatal("a suspended licence is held")
		}
		if l, err := lic.Act(e.ctx, rev, id, licence.ActResume, licence.ActInput{Reason: "调查结束，登记合法"}); err != nil || l.Status != licence.Valid {
			t.Fatalf("resume: %v %+v", err, l)
		}
		today := e.Clock.Date().Format("2006-01-02")
		until := e.Clock.Date().AddDate(0, 0, 10).Format("2006-01-02")
		l, err := lic.Act(e.ctx, rev, id, licence.ActChange, licence.ActInput{Reason: "更正男方姓名", Fields: map[string]string{"男方姓名": "陈嘉明"}, ValidTo: until})
		if err != nil {
			t.Fatalf("change: %v", err)
		}
		old, _ := licence.Parse(id)
		nid, _ := licence.Parse(l.Identifier)
		if nid.Version != 2 || nid.Sequence != old.Sequence || l.Replaces != id || l.ValidTo != until || l.Fields[2].Value != "陈嘉明" || l.Status != licence.Valid {
			t.Fatalf("new version: %+v", l)
		}
		c, _ := lic.VerifyIdentifier(e.ctx, addr, id, licence.ByIdentifier)
		if c.Result != licence.Superseded || c.ReplacedBy != l.Identifier || !strings.Contains(c.StatusText, l.Identifier) {
			t.Fatalf("the old version: %+v", c)
		}
		if c, _ := lic.VerifyIdentifier(e.ctx, addr, l.Identifier, licence.ByIdentifier); !c.OK() {
			t.Fatalf("the new version: %+v", c)
		}
		if held, _ := lic.Held(e.ctx, wangID, []string{marriageType}); len(held) != 1 || held[0].Identifier != l.Identifier {
			t.Fatalf("held after the change: %+v", held)
		}
		e.Clock.Add(11 * 24 * time.Hour)
		c, _ = lic.VerifyIdentifier(e.ctx, addr, l.Identifier, licence.ByIdentifier)
		if c.Result != licence.Expired || c.StatusName != "已过期" || c.ValidTo != until {
			t.Fatalf("after %s (issued %s): %+v", until, today, c)
		}
		if held, _ := lic.Held(e.ctx, wangID, []string{marriageType}); len(held) != 0 {
			t.Fatal("an expired licence is held")
		}
	})
}

// TestRotationKeepsOldLicencesValid: after the 民政局's key is rotated the
// licence signed before still verifies (and OpenSSL still verifies it with
// the retired key), and a licence issued after is signed with the new key.
func TestRotationKeepsOldLicencesValid(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		_, first := e.marry()
		lic := e.App.Licences
		rev := e.actor("minzheng.reviewer")
		l1, err := lic.Get(e.ctx, rev, first)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.Esign.Rotate(e.ctx, e.actor("county.admin"), l1.IssuerID); err != nil {
			t.Fatalf("rotate: %v", err)
		}
		if c, err := lic.VerifyIdentifier(e.ctx, addr, first, licence.ByIdentifier); err != nil || !c.OK() || c.KeyID != l1.KeyID {
			t.Fatalf("the licence signed before the rotation: %v %+v", err, c)
		}
		pub, _ := e.App.Esign.PublicKey(e.ctx, l1.KeyID)
		sig, _ := hex.DecodeString(l1.Signature)
		if out, err := openssl(t, l1.Data, sig, pub.PEM); err != nil || !strings.Contains(out, "Signature Verified Successfully") {
			t.Fatalf("openssl with the retired key: %v %s", err, out)
		}
		_, second := e.marry()
		l2, err := lic.Get(e.ctx, rev, second)
		if err != nil {
			t.Fatal(err)
		}
		if l2.KeyID == l1.KeyID {
			t.Fatal("a licence issued after the rotation uses the old key")
		}
		if c, _ := lic.VerifyIdentifier(e.ctx, addr, second, licence.ByIdentifier); !c.OK() {
			t.Fatalf("the licence signed after: %+v", c)
		}
	})
}

// TestScopeAndWallet: the 民政局's and the county's staff list the
// licence, a town's staff do not and are told it does not exist; the
// holder's wallet has it, another applicant's has nothing and cannot read it.
func TestScopeAndWallet(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		_, id := e.marry()
		lic := e.App.Licences
		// Whether each lists it and reads it (the demo's licences of other
		// departments are beside it).
		for who, sees := range map[string]bool{"minzheng.reviewer": true, "county.admin": true, "county.supervisor": true, "chengguan.admin": false, "county.reviewer": false} {
			ls, err := lic.List(e.ctx, e.actor(who), licence.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, l := range ls {
				found = found || l.Identifier == id
				if l.HolderCode == wangID {
					t.Errorf("%s's list shows the full ID number", who)
				}
				if !strings.HasPrefix(l.IssuerPath, e.actor(who).OrgPath) {
					t.Errorf("%s lists %s issued outside their subtree", who, l.Identifier)
				}
			}
			if found != sees {
				t.Errorf("%s lists the licence: %v, want %v", who, found, sees)
			}
			if _, err := lic.Get(e.ctx, e.actor(who), id); (err == nil) != sees {
				t.Errorf("%s reads the licence: %v", who, err)
			}
		}
		w, err := lic.Wallet(e.ctx, e.actor("resident.wang"))
		if err != nil || !slices.Contains(e.wallet(), id) {
			t.Fatalf("resident.wang's wallet: %v %v", err, e.wallet())
		}
		for _, l := range w {
			if l.HolderCode != wangID {
				t.Errorf("the wallet holds %s of %s", l.Identifier, l.HolderCode)
			}
		}
		other := e.actor("enterprise.qinling")
		if w, err := lic.Wallet(e.ctx, other); err != nil || slices.ContainsFunc(w, func(l *licence.Licence) bool { return l.Identifier == id }) {
			t.Fatalf("another applicant's wallet: %v %+v", err, w)
		}
		if _, err := lic.Get(e.ctx, other, id); zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
			t.Fatalf("another applicant reads the licence: %v", err)
		}
		if _, err := lic.List(e.ctx, other, licence.Filter{}); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("an applicant lists licences: %v", err)
		}
	})
}

// TestLicencePDF: the holder's first download renders and seals the A4
// PDF; two first downloads at once and every later one get the same bytes;
// the PDF verifies as the licence (by its seal's signature and the
// identifier it names), pdftotext finds the title, number and identifier,
// and a changed byte fails as 电子签章无效. A revoked licence's PDF still
// carries a valid seal but verifies as 已吊销.
func TestLicencePDF(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		c, id := e.marry()
		lic := e.App.Licences
		wang := e.actor("resident.wang")
		type got struct {
			b   []byte
			err error
		}
		ch := make(chan got, 2)
		for range 2 {
			go func() {
				_, b, err := lic.PDF(e.ctx, wang, id)
				ch <- got{b, err}
			}()
		}
		a, b := <-ch, <-ch
		if a.err != nil || b.err != nil || !bytes.Equal(a.b, b.b) || !bytes.HasPrefix(a.b, []byte("%PDF-")) {
			t.Fatalf("two first downloads: %v %v, equal %v", a.err, b.err, bytes.Equal(a.b, b.b))
		}
		_, again, err := lic.PDF(e.ctx, e.actor("minzheng.reviewer"), id)
		if err != nil || !bytes.Equal(again, a.b) {
			t.Fatalf("a later download (staff) differs: %v", err)
		}
		if _, _, err := lic.PDF(e.ctx, e.actor("enterprise.qinling"), id); zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
			t.Fatalf("another applicant downloads the PDF: %v", err)
		}
		if dir := os.Getenv("ZWFW_SCREENSHOTS"); dir != "" {
			os.MkdirAll(dir, 0o755)
			os.WriteFile(filepath.Join(dir, "licence-marriage.pdf"), a.b, 0o644)
		}
		if _, err := exec.LookPath("pdftotext"); err == nil {
			cmd := exec.Command("pdftotext", "-", "-")
			cmd.Stdin = bytes.NewReader(a.b)
			txt, err := cmd.Output()
			flat := strings.Join(strings.Fields(string(txt)), "")
			if err != nil || !strings.Contains(flat, "结婚证") || !strings.Contains(flat, c.Result.Number) || !strings.Contains(flat, id) {
				t.Errorf("pdftotext: %v\n%s", err, txt)
			}
			if strings.Contains(flat, wangID) {
				t.Error("the PDF prints the full ID number")
			}
		}
		ck, err := lic.VerifyFile(e.ctx, addr, a.b)
		if err != nil || !ck.OK() || ck.How != licence.ByPDF || ck.Identifier != id || ck.Result != licence.Valid || !strings.Contains(ck.SignedBy, "民政") {
			t.Fatalf("the PDF: %v %+v", err, ck)
		}
		bad := bytes.Clone(a.b)
		i := bytes.Index(bad, []byte("/Producer"))
		if i < 0 {
			i = len(bad) / 3
		}
		bad[i+2] ^= 0x01
		if ck, err := lic.VerifyFile(e.ctx, addr, bad); err != nil || ck.OK() || ck.Result != licence.ResultInvalid || !strings.Contains(ck.Verdict, "电子签章无效") {
			t.Fatalf("a changed byte: %v %+v", err, ck)
		}
		if _, err := lic.Act(e.ctx, e.actor("minzheng.reviewer"), id, licence.ActRevoke, licence.ActInput{Reason: "登记被撤销"}); err != nil {
			t.Fatal(err)
		}
		if ck, _ := lic.VerifyFile(e.ctx, addr, a.b); ck.OK() || ck.Result != licence.Revoked || !ck.SignatureValid {
			t.Fatalf("the PDF of a revoked licence: %+v", ck)
		}
	})
}
