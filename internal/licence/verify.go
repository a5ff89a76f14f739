package licence

// 网上验证核对 (§2(3)): anyone, signed in or not, checks a licence by its
// identifier (typed, or the QR code on the PDF) or by the file they were
// given — the PDF or the machine-readable JSON. The answer covers the
// signature, the status with its reason, the validity, the holder's masked
// name and the issuer. Every check is logged (licence_checks: what, how,
// the result, when — no personal data) and counted per client address.

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/account/ident"
	"zwfw/internal/db"
	"zwfw/internal/throttle"
)

// How a check came.
const (
	ByIdentifier = "identifier" // typed on the page or asked through the API
	ByQR         = "qr"         // the QR code's link (/verify/{identifier})
	ByPDF        = "pdf"
	ByJSON       = "json"
)

// Results of a check besides the statuses (Valid, Revoked, …).
const (
	ResultInvalid  = "invalid"   // the signature fails, or the file is not one of ours
	ResultNotFound = "not_found" // no such identifier
	ResultNotice   = "notice"    // a sealed notice PDF, verified
)

// Check is the answer to a verification.
type Check struct {
	Result  string `json:"result"`  // a status, invalid, not_found or notice
	Verdict string `json:"verdict"` // the headline: 验证通过 …
	// Signature: the signature over the machine-readable form (or the
	// PDF's) verified with the issuing organisation's public key.
	SignatureValid bool   `json:"signature_valid"`
	Problem        string `json:"problem,omitempty"` // why it failed, in Chinese
	How            string `json:"how"`
	// The licence, when one was found (holder masked).
	Identifier string    `json:"identifier,omitempty"`
	Name       string    `json:"name,omitempty"`
	Number     string    `json:"number,omitempty"`
	Version    int       `json:"version,omitempty"`
	Status     string    `json:"status,omitempty"`
	StatusName string    `json:"status_name,omitempty"`
	StatusText string    `json:"status_text,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	StatusAt   time.Time `json:"status_at,omitzero"`
	ReplacedBy string    `json:"replaced_by,omitempty"`
	Holder     string    `json:"holder,omitempty"` // masked: 张*
	Issuer     string    `json:"issuer,omitempty"`
	IssuerCode string    `json:"issuer_code,omitempty"`
	IssueDate  string    `json:"issue_date,omitempty"`
	ValidTo    string    `json:"valid_to,omitempty"`
	Validity   string    `json:"validity,omitempty"`
	KeyID      string    `json:"key_id,omitempty"`
	// A PDF: what the signature says it is and who signed it when.
	Document  string    `json:"document,omitempty"`
	SignedBy  string    `json:"signed_by,omitempty"`
	SignedAt  time.Time `json:"signed_at,omitzero"`
	CheckedAt time.Time `json:"checked_at"`
}

// OK reports whether the check found a valid, signed licence or notice.
func (c *Check) OK() bool { return c.SignatureValid && (c.Result == Valid || c.Result == ResultNotice) }

const verifyKey = "licence-verify:addr:"

// take counts a verification from addr against the limit.
func (s *Service) take(ctx context.Context, addr string) error {
	if s.verify.Off() {
		return nil
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		_, err := throttle.Take(ctx, tx, verifyKey+throttle.Addr(addr), s.verify, s.now(), "验证次数过多，请稍后再试")
		return err
	})
}

// logCheck records a check: what (the identifier, when one was read), how,
// the result, when.
func (s *Service) logCheck(ctx context.Context, c *Check) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO licence_checks (identifier, how, result, at) VALUES (?, ?, ?, ?)",
			clip(c.Identifier, 120), c.How, c.Result, db.Millis(c.CheckedAt))
		return err
	})
}

// VerifyIdentifier checks the licence with identifier for a client at addr;
// how is ByIdentifier or ByQR. The stored form's signature is verified
// again, so a row altered in the database fails like a tampered file.
func (s *Service) VerifyIdentifier(ctx context.Context, addr, identifier, how string) (*Check, error) {
	if how != ByQR {
		how = ByIdentifier
	}
	if err := s.take(ctx, addr); err != nil {
		return nil, err
	}
	c := &Check{How: how, CheckedAt: s.now(), Identifier: strings.ToUpper(strings.TrimSpace(identifier))}
	if _, err := Parse(c.Identifier); err != nil {
		c.Result, c.Verdict, c.Problem = ResultNotFound, "验证失败：标识不正确", zwfw.ErrorMessage(err)
	} else if err := s.checkStored(ctx, c, nil); err != nil {
		return nil, err
	}
	return c, s.logCheck(ctx, c)
}

// checkStored fills c from the licence c.Identifier names: its status and
// metadata, and whether its stored form still verifies. presented, when
// not nil, is the machine-readable form a file carried (already verified):
// it must be the stored one.
func (s *Service) checkStored(ctx context.Context, c *Check, presented []byte) error {
	l, err := s.byIdentifier(ctx, s.db.Reader(), c.Identifier)
	if zwfw.ErrorCode(err) == zwfw.ENOTFOUND {
		c.Result, c.Verdict, c.Problem = ResultNotFound, "验证失败：查无此证", "本平台没有签发标识为 "+c.Identifier+" 的电子证照"
		c.SignatureValid = false
		return nil
	}
	if err != nil {
		return err
	}
	c.Name, c.Number, c.Version = l.Name, l.Number, l.Version
	c.Status, c.StatusName, c.StatusText, c.Reason, c.StatusAt, c.ReplacedBy = l.Status, l.StatusName, l.StatusText(), l.Reason, l.StatusAt, l.ReplacedBy
	c.Holder, c.Issuer, c.IssuerCode = ident.MaskName(l.HolderName), l.Issuer, l.IssuerCode
	c.IssueDate, c.ValidTo, c.Validity, c.KeyID = l.IssueDate, l.ValidTo, l.ValidityText(), l.KeyID
	sig, _ := hex.DecodeString(l.Signature)
	if err := s.signer.Verify(ctx, l.KeyID, l.Data, sig); err != nil {
		c.SignatureValid, c.Result, c.Verdict = false, ResultInvalid, "验证失败：签名无效"
		c.Problem = "平台存档的证照数据与签名不符：" + zwfw.ErrorMessage(err)
		return nil
	}
	if presented != nil && !bytes.Equal(presented, l.Data) {
		c.SignatureValid, c.Result, c.Verdict = false, ResultInvalid, "验证失败：内容与存档不符"
		c.Problem = "文件中的证照数据与平台存档的不一致"
		return nil
	}
	c.SignatureValid = true
	c.Result = l.Status
	switch l.Status {
	case Valid:
		c.Verdict = "验证通过：电子证照真实有效"
	default:
		c.Verdict = "签名真实，但证照" + l.StatusText()
	}
	return nil
}

// File is the machine-readable licence as it is downloaded: the canonical
// form verbatim (the signed bytes) and its signature.
type File struct {
	Format    string          `json:"format"` // zwfw-licence/1
	Licence   json.RawMessage `json:"licence"`
	Signature FileSignature   `json:"signature"`
	Verify    string          `json:"verify,omitempty"` // the verification page
}

// FileSignature is a file's signature: SM2 over SM3 with the standard
// distinguishing ID, the DER (r, s) in hex, and the key that made it
// (published at /esign/keys/{key_id}.pem).
type FileSignature struct {
	Algorithm string `json:"algorithm"` // SM2-with-SM3
	UserID    string `json:"user_id"`   // 1234567812345678
	KeyID     string `json:"key_id"`
	Value     string `json:"value"`
}

// FileFormat names the machine-readable file's format.
const FileFormat = "zwfw-licence/1"

// JSON is the licence's machine-readable file. The canonical form is
// written byte for byte, so that it can be checked with OpenSSL as it is.
func (s *Service) JSON(l *Licence) []byte {
	var b bytes.Buffer
	b.WriteString(`{"format":"` + FileFormat + `","licence":`)
	b.Write(l.Data)
	sig, _ := json.Marshal(FileSignature{Algorithm: "SM2-with-SM3", UserID: "1234567812345678", KeyID: l.KeyID, Value: l.Signature})
	b.WriteString(`,"signature":`)
	b.Write(sig)
	v, _ := json.Marshal(s.VerifyURL(l.Identifier))
	b.WriteString(`,"verify":`)
	b.Write(v)
	b.WriteString("}\n")
	return b.Bytes()
}

// VerifyURL is the verification page of a licence (the QR code's target).
func (s *Service) VerifyURL(identifier string) string { return s.base + "/verify/" + identifier }

// MaxFile is the largest file the verifier reads.
const MaxFile = 10 << 20

// VerifyFile checks an uploaded file: a PDF (the licence's, or a sealed
// notice) or the machine-readable JSON. A file that is neither, or
// damaged, is answered as a failed check, never an error page.
func (s *Service) VerifyFile(ctx context.Context, addr string, b []byte) (*Check, error) {
	if len(b) == 0 {
		return nil, invalid("file", "请选择要验证的文件（电子证照 PDF 或 JSON）")
	}
	if len(b) > MaxFile {
		return nil, zwfw.Errorf(zwfw.ETOOLARGE, "文件超过 %d MB，不是本平台签发的电子证照", MaxFile>>20)
	}
	if err := s.take(ctx, addr); err != nil {
		return nil, err
	}
	c := &Check{CheckedAt: s.now()}
	var err error
	trim := bytes.TrimLeft(b, " \t\r\n\xef\xbb\xbf")
	switch {
	case bytes.HasPrefix(b, []byte("%PDF-")):
		c.How = ByPDF
		err = s.checkPDF(ctx, c, b)
	case bytes.HasPrefix(trim, []byte("{")):
		c.How = ByJSON
		err = s.checkJSON(ctx, c, trim)
	default:
		c.How, c.Result, c.Verdict, c.Problem = ByJSON, ResultInvalid, "验证失败：文件格式不对", "只能验证本平台签发的电子证照 PDF 或 JSON 文件"
	}
	if err != nil {
		return nil, err
	}
	return c, s.logCheck(ctx, c)
}

func (s *Service) checkJSON(ctx context.Context, c *Check, b []byte) error {
	fail := func(verdict, problem string) error {
		c.Result, c.Verdict, c.Problem, c.SignatureValid = ResultInvalid, verdict, problem, false
		return nil
	}
	var f File
	if err := json.Unmarshal(b, &f); err != nil || f.Format != FileFormat || len(f.Licence) == 0 {
		return fail("验证失败：文件格式不对", "这不是本平台签发的电子证照 JSON 文件（format 应为 "+FileFormat+"）")
	}
	var data bytes.Buffer
	if err := json.Compact(&data, f.Licence); err != nil {
		return fail("验证失败：文件格式不对", "证照数据不是有效的 JSON")
	}
	var d Doc
	if err := json.Unmarshal(data.Bytes(), &d); err != nil {
		return fail("验证失败：文件格式不对", "证照数据不完整")
	}
	c.Identifier, c.KeyID = strings.ToUpper(d.Identifier), f.Signature.KeyID
	sig, err := hex.DecodeString(f.Signature.Value)
	if err != nil || len(sig) == 0 {
		return fail("验证失败：签名无效", "文件中的签名值不是十六进制")
	}
	if err := s.signer.Verify(ctx, f.Signature.KeyID, data.Bytes(), sig); err != nil {
		return fail("验证失败：签名无效", zwfw.ErrorMessage(err)+"。请以发证机关签发的原文件或证照标识验证。")
	}
	if _, err := Parse(c.Identifier); err != nil {
		return fail("验证失败：标识不正确", zwfw.ErrorMessage(err))
	}
	return s.checkStored(ctx, c, data.Bytes())
}

func (s *Service) checkPDF(ctx context.Context, c *Check, b []byte) error {
	if s.pdf == nil {
		c.Result, c.Verdict, c.Problem = ResultInvalid, "暂时无法验证 PDF", "本平台尚未启用 PDF 签章验证，请用电子证照标识或 JSON 文件验证"
		return nil
	}
	pc, err := s.pdf.Check(ctx, b)
	if err != nil {
		return err
	}
	c.SignedBy, c.SignedAt = pc.OrgName, pc.SignedAt
	if !pc.Valid {
		c.Result, c.Verdict, c.Problem = ResultInvalid, "验证失败：电子签章无效", pc.Problem
		return nil
	}
	c.SignatureValid, c.KeyID = true, pc.KeyID
	if pc.Kind != "licence" {
		c.Result, c.Identifier = ResultNotice, clip(pc.Ref, 120)
		c.Document = pc.Title
		if pc.Ref != "" {
			c.Document = fmt.Sprintf("%s（编号 %s）", pc.Title, pc.Ref)
		}
		c.Verdict = "验证通过：电子签章有效"
		return nil
	}
	c.Document, c.Identifier = pc.Title, strings.ToUpper(pc.Ref)
	return s.checkStored(ctx, c, nil)
}
