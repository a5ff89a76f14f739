package esign_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/emmansun/gmsm/smx509"

	"zwfw"
	"zwfw/internal/app/apptest"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/esign"
)

const (
	market  = "610923D01" // 宁陕县市场监督管理局
	civil   = "610923D02" // 宁陕县民政局
	forests = "610923D06" // 宁陕县林业局
)

// keyless is a department that has no key yet (the demo data signs for
// some).
func keyless(t testing.TB, e *apptest.Env) int64 {
	t.Helper()
	for _, code := range []string{"610923D18", "610923D19", "610923D17", "610923D16", forests} {
		id := orgID(t, e, code)
		if keys, err := e.App.Esign.OrgKeys(context.Background(), id); err == nil && len(keys) == 0 {
			return id
		}
	}
	t.Fatal("every department has a key")
	return 0
}

func orgID(t testing.TB, e *apptest.Env, code string) int64 {
	t.Helper()
	o, err := e.App.Orgs.ByCode(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	return o.ID
}

// openssl runs OpenSSL 3's SM2 verification of sig over data with the
// public key PEM: true when it says "Signature Verified Successfully".
func openssl(t *testing.T, pubPEM string, data, sig []byte) bool {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		dbtest.SkipOrFail(t, "openssl not installed")
	}
	dir := t.TempDir()
	for name, b := range map[string][]byte{"pub.pem": []byte(pubPEM), "data": data, "sig": sig} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", filepath.Join(dir, "pub.pem"),
		"-in", filepath.Join(dir, "data"), "-sigfile", filepath.Join(dir, "sig"), "-rawin", "-digest", "sm3",
		"-pkeyopt", "distid:"+esign.UID).CombinedOutput()
	ok := strings.Contains(string(out), "Signature Verified Successfully")
	if ok != (err == nil) {
		t.Fatalf("openssl said %q (exit %v)", out, err)
	}
	return ok
}

// A signature is what OpenSSL 3 verifies on its own with the published
// public key (SM2, SM3, the standard distinguishing ID); a byte changed in
// the data fails there and in Verify; a key nobody published is refused.
func TestSignVerifiedByOpenSSL(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		s := e.App.Esign
		data := []byte(`{"name":"食品经营许可证","number":"JY16109230000001","holder":"宁陕县秦岭山珍店"}`)
		sig, err := s.Sign(ctx, orgID(t, e, market), data)
		if err != nil {
			t.Fatal(err)
		}
		pk, err := s.PublicKey(ctx, sig.KeyID)
		if err != nil {
			t.Fatal(err)
		}
		if pk.OrgCode != market || pk.OrgName != "宁陕县市场监督管理局" || pk.CreditCode != "11610923MB0000174F" || !pk.Active {
			t.Fatalf("key %+v", pk)
		}
		if !openssl(t, pk.PEM, data, sig.Value) {
			t.Fatal("OpenSSL does not verify the signature")
		}
		if err := s.Verify(ctx, sig.KeyID, data, sig.Value); err != nil {
			t.Fatal(err)
		}
		bad := bytes.Clone(data)
		bad[10] ^= 1
		if openssl(t, pk.PEM, bad, sig.Value) {
			t.Fatal("OpenSSL verifies a changed text")
		}
		if err := s.Verify(ctx, sig.KeyID, bad, sig.Value); !errors.Is(err, esign.ErrBadSignature) || zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("changed text: %v", err)
		}
		if err := s.Verify(ctx, "0123456789abcdef", data, sig.Value); !errors.Is(err, esign.ErrUnknownKey) {
			t.Fatalf("unknown key: %v", err)
		}
		// The certificate names the organisation and holds the same key.
		cert, err := smx509.ParseCertificatePEM([]byte(pk.CertPEM))
		if err != nil {
			t.Fatal(err)
		}
		if cert.Subject.CommonName != "宁陕县市场监督管理局" || cert.Subject.SerialNumber != "11610923MB0000174F" ||
			len(cert.Subject.Organization) != 1 || cert.Subject.Organization[0] != "宁陕县人民政府" {
			t.Fatalf("certificate subject %v", cert.Subject)
		}
		if id, _ := esign.KeyID(cert.PublicKey.(*ecdsa.PublicKey)); id != sig.KeyID {
			t.Fatalf("certificate key %s, signature key %s", id, sig.KeyID)
		}
		// The key's making is in the audit log, in the bureau's name.
		var n int
		if err := e.App.DB.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE action = 'esign.key.create' AND object = ? AND org_id = ?",
			"esign_key:"+sig.KeyID, orgID(t, e, market)).Scan(&n); err != nil || n != 1 {
			t.Fatalf("audit entries of the key's creation: %d %v", n, err)
		}
		// The second signature of the organisation uses the same key.
		sig2, err := s.Sign(ctx, orgID(t, e, market), data)
		if err != nil || sig2.KeyID != sig.KeyID {
			t.Fatalf("second signature: %v %s", err, sig2.KeyID)
		}
	})
}

// The keystore at rest: the key file holds the private scalar only
// encrypted; another master key does not open it (the service refuses to
// start and says why); a process without the file refuses too; two
// services on one database and one data directory agree on an
// organisation's first key even when both make it at once.
func TestKeystore(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		s := e.App.Esign
		dir := e.App.Config.DataDir
		sig, err := s.Sign(ctx, orgID(t, e, civil), []byte("结婚登记"))
		if err != nil {
			t.Fatal(err)
		}
		file, err := os.ReadFile(filepath.Join(dir, esign.KeystoreDir, sig.KeyID+".key"))
		if err != nil {
			t.Fatal(err)
		}
		d := esign.PrivateScalar(t, s, sig.KeyID)
		for _, clear := range [][]byte{d, []byte(hex.EncodeToString(d)), []byte(strings.ToUpper(hex.EncodeToString(d)))} {
			if bytes.Contains(file, clear) {
				t.Fatal("the key file holds the private key in clear")
			}
		}
		if info, err := os.Stat(filepath.Join(dir, esign.KeystoreDir, sig.KeyID+".key")); err != nil || info.Mode().Perm() != 0o600 {
			t.Fatalf("key file mode %v %v", info.Mode(), err)
		}
		_, err = esign.New(ctx, e.App.DB, e.App.Orgs, dir, strings.Repeat("another master key ", 3), e.App.Now)
		if err == nil || !strings.Contains(err.Error(), "另一个主密钥") {
			t.Fatalf("another master key: %v", err)
		}
		_, err = esign.New(ctx, e.App.DB, e.App.Orgs, t.TempDir(), "", e.App.Now)
		if err == nil || !strings.Contains(err.Error(), "的私钥文件") {
			t.Fatalf("no keystore: %v", err)
		}

		// A second process on the same database and data directory.
		twin, err := esign.New(ctx, e.App.DB, e.App.Orgs, dir, e.App.Config.EsignKey, e.App.Now)
		if err != nil {
			t.Fatal(err)
		}
		if sig2, err := twin.Sign(ctx, orgID(t, e, civil), []byte("x")); err != nil || sig2.KeyID != sig.KeyID {
			t.Fatalf("twin signs with %s (%v), want %s", sig2.KeyID, err, sig.KeyID)
		}
		// Both make the forestry bureau's first key at once.
		forest := keyless(t, e)
		before, _ := filepath.Glob(filepath.Join(dir, esign.KeystoreDir, "*.key"))
		var wg sync.WaitGroup
		ids := make([]string, 8)
		errs := make([]error, 8)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				svc := s
				if i%2 == 1 {
					svc = twin
				}
				var sig esign.Signature
				sig, errs[i] = svc.Sign(ctx, forest, []byte("林木采伐许可证"))
				ids[i] = sig.KeyID
			}()
		}
		wg.Wait()
		for i := range ids {
			if errs[i] != nil || ids[i] != ids[0] {
				t.Fatalf("signer %d: key %s (%v), signer 0: %s", i, ids[i], errs[i], ids[0])
			}
		}
		keys, err := s.OrgKeys(ctx, forest)
		if err != nil || len(keys) != 1 || keys[0].KeyID != ids[0] || !keys[0].Active {
			t.Fatalf("the forestry bureau's keys: %+v %v", keys, err)
		}
		files, _ := filepath.Glob(filepath.Join(dir, esign.KeystoreDir, "*.key"))
		if len(files) != len(before)+1 {
			t.Fatalf("keystore holds %v, had %v: want one key more", files, before)
		}
	})
}

// Rotation: what the old key signed still verifies after it, new
// signatures use the new key, the list shows both (one retired), a town's
// administrator cannot rotate the county's department's key, and the
// rotation is in the audit log.
func TestRotate(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		s := e.App.Esign
		id := orgID(t, e, market)
		data := []byte("受理通知书 宁市监受〔2026〕1号")
		old, err := s.Sign(ctx, id, data)
		if err != nil {
			t.Fatal(err)
		}
		oldPDF, err := s.SignPDF(ctx, id, samplePDF(t, "Notice 1"), esign.Doc{Kind: "notice", Ref: "1", Title: "受理通知书"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Rotate(ctx, e.Actor(t, "chengguan.admin"), id); zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
			t.Fatalf("town administrator rotates: %v", err)
		}
		if _, err := s.Rotate(ctx, e.Actor(t, "county.window"), id); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("window clerk rotates: %v", err)
		}
		pk, err := s.Rotate(ctx, e.Actor(t, "county.admin"), id)
		if err != nil {
			t.Fatal(err)
		}
		if pk.KeyID == old.KeyID || !pk.Active {
			t.Fatalf("rotated to %+v", pk)
		}
		if err := s.Verify(ctx, old.KeyID, data, old.Value); err != nil {
			t.Fatalf("old signature after rotation: %v", err)
		}
		oldKey, err := s.PublicKey(ctx, old.KeyID)
		if err != nil || oldKey.Active || oldKey.RetiredAt.IsZero() {
			t.Fatalf("old key %+v %v", oldKey, err)
		}
		if !openssl(t, oldKey.PEM, data, old.Value) {
			t.Fatal("OpenSSL does not verify the old signature with the retired key")
		}
		next, err := s.Sign(ctx, id, data)
		if err != nil || next.KeyID != pk.KeyID {
			t.Fatalf("after rotation signs with %s (%v), want %s", next.KeyID, err, pk.KeyID)
		}
		// The PDF signed before the rotation still verifies, said to be
		// signed with a key retired since; a new one uses the new key.
		if c, err := s.VerifyPDF(ctx, oldPDF); err != nil || !c.Valid || c.KeyID != old.KeyID || !c.KeyRetired || !c.DocKnown {
			t.Fatalf("the PDF signed before the rotation: %+v %v", c, err)
		}
		newPDF, err := s.SignPDF(ctx, id, samplePDF(t, "Notice 2"), esign.Doc{Kind: "notice", Ref: "2", Title: "受理通知书"})
		if err != nil {
			t.Fatal(err)
		}
		if c, err := s.VerifyPDF(ctx, newPDF); err != nil || !c.Valid || c.KeyID != pk.KeyID || c.KeyRetired {
			t.Fatalf("the PDF signed after the rotation: %+v %v", c, err)
		}
		all, err := s.PublicKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var mine []string
		for _, k := range all {
			if k.OrgCode == market {
				mine = append(mine, k.KeyID)
			}
		}
		if strings.Join(mine, ",") != pk.KeyID+","+old.KeyID {
			t.Fatalf("listed keys %v, want new then old", mine)
		}
		var n int
		if err := e.App.DB.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE action = 'esign.key.rotate' AND object = ?", "esign_key:"+pk.KeyID).Scan(&n); err != nil || n != 1 {
			t.Fatalf("audit entries of the rotation: %d %v", n, err)
		}
	})
}

// SignTx inside another write transaction (a licence issued as its case
// completes): the first key made there is gone with a rollback, and kept
// with a commit.
func TestSignTx(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		s := e.App.Esign
		id := keyless(t, e)
		rollback := errors.New("rolled back")
		var first esign.Signature
		err := e.App.DB.InTx(ctx, func(tx *db.Tx) error {
			var err error
			if first, err = s.SignTx(ctx, tx, id, []byte("林木采伐许可证")); err != nil {
				return err
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		if keys, err := s.OrgKeys(ctx, id); err != nil || len(keys) != 0 {
			t.Fatalf("after the rollback the bureau has keys %+v (%v)", keys, err)
		}
		var sig esign.Signature
		err = e.App.DB.InTx(ctx, func(tx *db.Tx) error {
			var err error
			sig, err = s.SignTx(ctx, tx, id, []byte("林木采伐许可证"))
			return err
		})
		if err != nil || sig.KeyID == first.KeyID {
			t.Fatalf("commit: %v, key %s (rolled back: %s)", err, sig.KeyID, first.KeyID)
		}
		if err := s.Verify(ctx, sig.KeyID, []byte("林木采伐许可证"), sig.Value); err != nil {
			t.Fatal(err)
		}
		if pk, err := s.EnsureKey(ctx, id); err != nil || pk.KeyID != sig.KeyID || !pk.Active {
			t.Fatalf("active key %+v %v", pk, err)
		}
	})
}
