package esign_test

import (
	"bytes"
	"context"
	"encoding/asn1"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"codeberg.org/go-pdf/fpdf"

	"zwfw/internal/app/apptest"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/esign"
)

// samplePDF is a two-page A4 document as fpdf writes it (what
// internal/pdfdoc renders with).
func samplePDF(t testing.TB, text string) []byte {
	t.Helper()
	p := fpdf.New("P", "mm", "A4", "")
	p.SetTitle("Notice", true)
	p.AddPage()
	p.SetFont("Helvetica", "", 16)
	p.Cell(40, 10, text)
	p.AddPage()
	p.Cell(40, 10, "page 2")
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pdfsig runs poppler's pdfsig on b and returns what it prints.
func pdfsig(t *testing.T, b []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdfsig"); err != nil {
		dbtest.SkipOrFail(t, "pdfsig (poppler-utils) not installed")
	}
	p := filepath.Join(t.TempDir(), "signed.pdf")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command("pdfsig", p).CombinedOutput()
	return string(out)
}

// A signed PDF: a standard verifier (poppler's pdfsig) lists the signature
// with the organisation's name and the document's title; VerifyPDF says
// it is valid, whose it is and what document it is; one byte changed in
// the signed range, bytes appended, the signature cut, an unsigned file or
// something that is no PDF at all are each reported invalid with the
// reason, never as an error. A copy signed by another organisation is
// reported as that organisation's.
func TestSignPDF(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		s := e.App.Esign
		plain := samplePDF(t, "Acceptance notice 2026-0001")
		doc := esign.Doc{Kind: "notice", Ref: "宁政服受〔2026〕1号", Title: "受理通知书"}
		signed, err := s.SignPDF(ctx, orgID(t, e, market), plain, doc)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(signed, plain) {
			t.Fatal("the signature is not an incremental update of the file")
		}
		// poppler reads the CMS and the certificate (its NSS knows no SM3,
		// so it cannot tell valid from invalid: "at least detect").
		out := pdfsig(t, signed)
		if !strings.Contains(out, "Signature #1") || !strings.Contains(out, "Signer Certificate Common Name: 宁陕县市场监督管理局") ||
			!strings.Contains(out, "serialNumber=11610923MB0000174F") || !strings.Contains(out, "adbe.pkcs7.detached") {
			t.Fatalf("pdfsig does not list the signature:\n%s", out)
		}
		if !strings.Contains(out, "Total document signed") {
			t.Fatalf("pdfsig does not see the whole document signed:\n%s", out)
		}
		c, err := s.VerifyPDF(ctx, signed)
		if err != nil {
			t.Fatal(err)
		}
		if !c.Valid || c.OrgCode != market || c.OrgName != "宁陕县市场监督管理局" || !c.DocKnown || c.Doc != doc || c.SignedAt.IsZero() {
			t.Fatalf("check %+v", c)
		}
		// pdftotext still reads the document.
		if _, err := exec.LookPath("pdftotext"); err == nil {
			p := filepath.Join(t.TempDir(), "s.pdf")
			os.WriteFile(p, signed, 0o600)
			txt, err := exec.Command("pdftotext", p, "-").Output()
			if err != nil || !strings.Contains(string(txt), "Acceptance notice 2026-0001") {
				t.Fatalf("pdftotext of the signed file: %v %q", err, txt)
			}
		}

		invalid := func(name string, b []byte, problem string) {
			t.Helper()
			c, err := s.VerifyPDF(ctx, b)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if c.Valid || !strings.Contains(c.Problem, problem) {
				t.Fatalf("%s: %+v, want the problem %q", name, c, problem)
			}
		}
		tampered := bytes.Clone(signed)
		i := bytes.Index(tampered, []byte("2026-0001"))
		tampered[i+8] = '2' // 2026-0002
		invalid("a byte changed", tampered, "被改动过")
		invalid("appended", append(bytes.Clone(signed), []byte("\n% more\n")...), "追加")
		invalid("cut", signed[:len(signed)-10], "不完整")
		invalid("unsigned", plain, "没有电子签章")
		invalid("no PDF", []byte("hello"), "不是 PDF")

		// The same document signed by the civil affairs bureau.
		other, err := s.SignPDF(ctx, orgID(t, e, civil), plain, esign.Doc{Kind: "licence", Ref: "1.2.156.3005.2.x", Title: "结婚证"})
		if err != nil {
			t.Fatal(err)
		}
		c, err = s.VerifyPDF(ctx, other)
		if err != nil || !c.Valid || c.OrgCode != civil || c.OrgName != "宁陕县民政局" || c.Doc.Kind != "licence" {
			t.Fatalf("the civil affairs bureau's copy: %+v %v", c, err)
		}
		// Signed twice: the second signature covers the first.
		twice, err := s.SignPDF(ctx, orgID(t, e, civil), signed, esign.Doc{Kind: "notice", Ref: "2", Title: "再次签章"})
		if err != nil {
			t.Fatal(err)
		}
		if c, err := s.VerifyPDF(ctx, twice); err != nil || !c.Valid || c.OrgCode != civil {
			t.Fatalf("signed twice: %+v %v", c, err)
		}
		if out := pdfsig(t, twice); !strings.Contains(out, "Signature #2") {
			t.Fatalf("pdfsig of the twice-signed file:\n%s", out)
		}
	})
}

// Not one byte of a signed PDF can change unnoticed: a byte changed at
// positions spread over the whole file, the signature's own area included,
// makes it invalid, and never an error.
func TestSignedPDFEveryByte(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		s := e.App.Esign
		signed, err := s.SignPDF(ctx, orgID(t, e, market), samplePDF(t, "Licence 0001"), esign.Doc{Kind: "notice", Title: "受理通知书"})
		if err != nil {
			t.Fatal(err)
		}
		// 150 places over the file, and every byte of the signature's own
		// hex (its versions, algorithm lists, certificate …).
		var at []int
		for i := 0; i < len(signed); i += len(signed) / 150 {
			at = append(at, i)
		}
		hole := bytes.Index(signed, []byte("/Contents <")) + len("/Contents <")
		for i := hole; signed[i] != '0' || signed[i+1] != '0' || signed[i+2] != '0' || signed[i+3] != '0'; i++ {
			at = append(at, i)
		}
		for _, i := range at {
			b := bytes.Clone(signed)
			b[i] ^= 0x01
			c, err := s.VerifyPDF(ctx, b)
			if err != nil || c.Valid {
				t.Fatalf("byte %d of %d changed (%q): valid=%v %v", i, len(signed), signed[max(0, i-20):min(len(signed), i+20)], c.Valid, err)
			}
		}
	})
}

// OpenSSL 3, not our code, checks a signed PDF's signature: the CMS's
// signed attributes verify against the published public key (SM2, SM3,
// the standard distinguishing ID), and their messageDigest is OpenSSL's
// SM3 of the bytes the /ByteRange covers. (OpenSSL's own `cms -verify`
// does not apply the SM2 distinguishing ID, so the two steps are taken
// apart.)
func TestSignedPDFCheckedByOpenSSL(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		signed, err := e.App.Esign.SignPDF(ctx, orgID(t, e, civil), samplePDF(t, "Marriage 0001"), esign.Doc{Kind: "licence", Title: "结婚证"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := e.App.Esign.VerifyPDF(ctx, signed)
		if err != nil || !c.Valid {
			t.Fatalf("%+v %v", c, err)
		}
		pk, err := e.App.Esign.PublicKey(ctx, c.KeyID)
		if err != nil {
			t.Fatal(err)
		}
		covered, attrs, digest, sig := splitSignedPDF(t, signed)
		if !openssl(t, pk.PEM, attrs, sig) {
			t.Fatal("OpenSSL does not verify the CMS signature over the signed attributes")
		}
		dir := t.TempDir()
		p := filepath.Join(dir, "covered")
		if err := os.WriteFile(p, covered, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("openssl", "dgst", "-sm3", "-binary", p).Output()
		if err != nil || !bytes.Equal(out, digest) {
			t.Fatalf("OpenSSL's SM3 of the signed range %x (%v), the signature's messageDigest %x", out, err, digest)
		}
		// A byte changed in the range: OpenSSL's digest no longer matches.
		covered[100] ^= 1
		os.WriteFile(p, covered, 0o600)
		if out, _ := exec.Command("openssl", "dgst", "-sm3", "-binary", p).Output(); bytes.Equal(out, digest) {
			t.Fatal("a changed range has the same SM3")
		}
	})
}

// splitSignedPDF takes a signed PDF apart with nothing of internal/esign:
// the bytes its last /ByteRange covers, the CMS signer's signed attributes
// (DER, as signed: a SET), their messageDigest and the signature.
func splitSignedPDF(t *testing.T, pdf []byte) (covered, attrs, digest, sig []byte) {
	t.Helper()
	m := regexp.MustCompile(`/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)`).FindAllSubmatch(pdf, -1)
	if len(m) == 0 {
		t.Fatal("no /ByteRange")
	}
	var r [4]int
	for i := range r {
		r[i], _ = strconv.Atoi(string(m[len(m)-1][i+1]))
	}
	covered = append(append([]byte{}, pdf[r[0]:r[0]+r[1]]...), pdf[r[2]:r[2]+r[3]]...)
	der, err := hex.DecodeString(string(pdf[r[1]+1 : r[2]-1]))
	if err != nil {
		t.Fatal(err)
	}
	var ci struct {
		Type    asn1.ObjectIdentifier
		Content asn1.RawValue `asn1:"explicit,tag:0"`
	}
	if _, err := asn1.Unmarshal(der, &ci); err != nil {
		t.Fatal(err)
	}
	var sd struct {
		Version     int
		Digests     asn1.RawValue
		Content     asn1.RawValue
		Certs       asn1.RawValue `asn1:"optional,tag:0"`
		SignerInfos asn1.RawValue
	}
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		t.Fatal(err)
	}
	var si struct {
		Version   int
		SID       asn1.RawValue
		Digest    asn1.RawValue
		Attrs     asn1.RawValue `asn1:"optional,tag:0"`
		SigAlg    asn1.RawValue
		Signature []byte
	}
	if _, err := asn1.Unmarshal(sd.SignerInfos.Bytes, &si); err != nil {
		t.Fatal(err)
	}
	attrs = append([]byte{}, si.Attrs.FullBytes...)
	attrs[0] = 0x31 // [0] IMPLICIT → SET OF, as signed (RFC 5652 §5.4)
	messageDigest := asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	for rest := si.Attrs.Bytes; len(rest) > 0; {
		var a struct {
			Type   asn1.ObjectIdentifier
			Values asn1.RawValue `asn1:"set"`
		}
		if rest, err = asn1.Unmarshal(rest, &a); err != nil {
			t.Fatal(err)
		}
		if a.Type.Equal(messageDigest) {
			if _, err := asn1.Unmarshal(a.Values.Bytes, &digest); err != nil {
				t.Fatal(err)
			}
		}
	}
	return covered, attrs, digest, si.Signature
}
