package esign_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
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
		step := len(signed) / 150
		for i := 0; i < len(signed); i += step {
			b := bytes.Clone(signed)
			b[i] ^= 0x01
			c, err := s.VerifyPDF(ctx, b)
			if err != nil || c.Valid {
				t.Fatalf("byte %d of %d changed (%q): valid=%v %v", i, len(signed), signed[max(0, i-20):min(len(signed), i+20)], c.Valid, err)
			}
		}
	})
}
