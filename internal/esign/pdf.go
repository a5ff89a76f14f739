package esign

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"database/sql"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"
	"unicode/utf16"

	"github.com/emmansun/gmsm/pkcs7"

	"zwfw/internal/db"
)

// Doc says what a signed PDF is, for its verification.
type Doc struct {
	Kind  string // "licence", "notice", …
	Ref   string // the licence identifier, the notice number, …
	Title string // shown as the signature's /Reason
}

// PDFCheck is what VerifyPDF found.
type PDFCheck struct {
	Valid   bool
	Problem string // why not, in Chinese, when !Valid
	KeyID   string
	OrgID   int64
	OrgCode string
	OrgName string
	// KeyRetired: the key was retired (rotated) since; what it signed
	// before stays valid.
	KeyRetired bool
	SignedAt   time.Time
	Doc        Doc
	DocKnown   bool // the platform recorded signing this very file
}

// contentsSize is the room reserved for the CMS signature, in bytes (the
// /Contents hex string holds twice as many digits). One SM2 certificate and
// signature take about 1 KB.
const contentsSize = 8192

// byteRangeHole is the placeholder of /ByteRange, overwritten with the
// real numbers padded with spaces.
const byteRangeHole = "[0 0000000000 0000000000 0000000000]"

// SignPDF returns pdf with an incremental update that signs it in the
// organisation's name: a signature field (an invisible widget on the first
// page) whose value is a CMS detached SignedData with SM2/SM3 (the
// organisation's certificate inside), /Filter /Adobe.PPKLite /SubFilter
// /adbe.pkcs7.detached, /ByteRange covering the whole file but /Contents,
// /M, /Name (the organisation), /Reason (doc.Title) — what a standard PDF
// reader lists as a signature (pdfsig does). The signed file is recorded
// (esign_documents: its SHA-256, doc, key, time) so that VerifyPDF can say
// what it is. It signs in a transaction of its own (the first key of the
// organisation, the record); not inside another write transaction.
func (s *Service) SignPDF(ctx context.Context, orgID int64, pdf []byte, doc Doc) ([]byte, error) {
	if doc.Kind == "" {
		return nil, errors.New("esign: SignPDF needs the document's kind")
	}
	keyID, err := s.activeKey(ctx, orgID)
	if err != nil {
		return nil, err
	}
	pk, err := s.PublicKey(ctx, keyID)
	if err != nil {
		return nil, err
	}
	priv, err := s.privateKey(keyID)
	if err != nil {
		return nil, err
	}
	km, err := s.material(ctx, keyID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out, err := appendSignature(pdf, now, pk.OrgName, doc.Title, func(signed []byte) ([]byte, error) {
		// The standard CMS content types (RFC 5652) with SM3 and SM2 as
		// the algorithms: readers built on NSS or OpenSSL parse it (the
		// GM/T 0010 content types of pkcs7.NewSMSignedData they do not).
		sd, err := pkcs7.NewSignedData(signed)
		if err != nil {
			return nil, err
		}
		sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSM3)
		if err := sd.AddSigner(km.cert, priv, pkcs7.SignerInfoConfig{}); err != nil {
			return nil, err
		}
		sd.Detach()
		return sd.Finish()
	})
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(out)
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO esign_documents (sha256, kind, ref, title, key_id, org_id, signed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, hex.EncodeToString(sum[:]), doc.Kind, doc.Ref, doc.Title, keyID, orgID, db.Millis(now))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("esign: record signed document: %w", err)
	}
	return out, nil
}

// appendSignature writes the incremental update; sign makes the CMS over
// the bytes the /ByteRange covers.
func appendSignature(pdf []byte, at time.Time, name, reason string, sign func([]byte) ([]byte, error)) ([]byte, error) {
	f, err := readPDF(pdf)
	if err != nil {
		return nil, err
	}
	size, err := f.size()
	if err != nil {
		return nil, err
	}
	rootRef := f.trailer.get("Root").(pdfRef)
	root, err := f.dict(rootRef)
	if err != nil {
		return nil, err
	}
	pageRef, err := f.firstPage(root.get("Pages"))
	if err != nil {
		return nil, err
	}
	page, err := f.dict(pageRef)
	if err != nil {
		return nil, err
	}
	sigNum, fieldNum, formNum := size, size+1, size+2
	next := size + 3

	// The AcroForm: the file's own with the new field added, or a new one.
	form := newDict()
	fieldName := "Signature1"
	if v := root.get("AcroForm"); v != nil {
		if form, err = f.dict(v); err != nil {
			return nil, err
		}
	}
	var fields pdfArray
	switch v := form.get("Fields").(type) {
	case pdfArray:
		fields = v
	case pdfRef:
		a, err := f.object(v.num)
		if err != nil {
			return nil, err
		}
		fields, _ = a.(pdfArray)
	}
	fieldName = "Signature" + strconv.Itoa(len(fields)+1)
	form.set("Fields", append(fields, pdfRef{fieldNum, 0}))
	form.set("SigFlags", pdfRaw("3"))
	root.set("AcroForm", pdfRef{formNum, 0})

	// The widget on the first page.
	var annots pdfArray
	switch v := page.get("Annots").(type) {
	case pdfArray:
		annots = v
	case pdfRef:
		a, err := f.object(v.num)
		if err != nil {
			return nil, err
		}
		annots, _ = a.(pdfArray)
	}
	page.set("Annots", append(annots, pdfRef{fieldNum, 0}))

	var b bytes.Buffer
	b.Write(pdf)
	if pdf[len(pdf)-1] != '\n' {
		b.WriteByte('\n')
	}
	offsets := map[int]int{}
	obj := func(num int, body func()) {
		offsets[num] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n", num)
		body()
		b.WriteString("\nendobj\n")
	}
	var contentsAt, rangeAt int
	obj(sigNum, func() {
		b.WriteString("<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached\n/ByteRange ")
		rangeAt = b.Len()
		b.WriteString(byteRangeHole)
		b.WriteString("\n/Contents ")
		contentsAt = b.Len()
		b.WriteByte('<')
		b.Write(bytes.Repeat([]byte("0"), 2*contentsSize))
		b.WriteByte('>')
		fmt.Fprintf(&b, "\n/M %s\n/Name %s\n/Reason %s\n>>", pdfDate(at), pdfText(name), pdfText(reason))
	})
	obj(fieldNum, func() {
		d := newDict()
		d.set("Type", pdfName("Annot"))
		d.set("Subtype", pdfName("Widget"))
		d.set("FT", pdfName("Sig"))
		d.set("T", pdfText(fieldName))
		d.set("V", pdfRef{sigNum, 0})
		d.set("F", pdfRaw("132")) // Print, Locked
		d.set("Rect", pdfArray{pdfRaw("0"), pdfRaw("0"), pdfRaw("0"), pdfRaw("0")})
		d.set("P", pageRef)
		writeValue(&b, d)
	})
	obj(formNum, func() { writeValue(&b, form) })
	obj(rootRef.num, func() { writeValue(&b, root) })
	obj(pageRef.num, func() { writeValue(&b, page) })

	xref := b.Len()
	b.WriteString("xref\n0 1\n0000000000 65535 f \n")
	for _, n := range []int{rootRef.num, pageRef.num, sigNum, fieldNum, formNum} {
		fmt.Fprintf(&b, "%d 1\n%010d 00000 n \n", n, offsets[n])
	}
	tr := newDict()
	tr.set("Size", pdfRaw(strconv.Itoa(next)))
	tr.set("Root", rootRef)
	if info := f.trailer.get("Info"); info != nil {
		tr.set("Info", info)
	}
	if id := f.trailer.get("ID"); id != nil {
		tr.set("ID", id)
	}
	tr.set("Prev", pdfRaw(strconv.Itoa(f.xref)))
	b.WriteString("trailer\n")
	writeValue(&b, tr)
	fmt.Fprintf(&b, "\nstartxref\n%d\n%%%%EOF\n", xref)

	out := b.Bytes()
	holeEnd := contentsAt + 2*contentsSize + 2
	br := fmt.Sprintf("[0 %d %d %d]", contentsAt, holeEnd, len(out)-holeEnd)
	if len(br) > len(byteRangeHole) {
		return nil, errors.New("esign: file too large to sign")
	}
	copy(out[rangeAt:], br+string(bytes.Repeat([]byte(" "), len(byteRangeHole)-len(br))))
	signed := make([]byte, 0, len(out)-(holeEnd-contentsAt))
	signed = append(append(signed, out[:contentsAt]...), out[holeEnd:]...)
	cms, err := sign(signed)
	if err != nil {
		return nil, fmt.Errorf("esign: CMS: %w", err)
	}
	if len(cms) > contentsSize {
		return nil, fmt.Errorf("esign: CMS of %d bytes does not fit", len(cms))
	}
	hex.Encode(out[contentsAt+1:], cms)
	return out, nil
}

// pdfDate is a PDF date string of t in China Standard Time.
func pdfDate(t time.Time) pdfRaw {
	t = t.In(time.FixedZone("CST", 8*3600))
	return pdfRaw(t.Format("(D:20060102150405+08'00')"))
}

// pdfText is a PDF text string: UTF-16BE with its byte-order mark, in hex.
func pdfText(s string) pdfRaw {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2, 2+2*len(u))
	b[0], b[1] = 0xFE, 0xFF
	for _, c := range u {
		b = append(b, byte(c>>8), byte(c))
	}
	return pdfRaw("<" + hex.EncodeToString(b) + ">")
}

var byteRangeRE = regexp.MustCompile(`/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]`)

// VerifyPDF checks the file's last signature: that its /ByteRange covers
// the whole file but the signature itself, the CMS signature over those
// bytes, and that the signing certificate's key is one of the platform's
// (active or retired). A tampered, unsigned or foreign file gives
// Valid=false and the Problem in Chinese, never an error: the error is for
// the database failing.
func (s *Service) VerifyPDF(ctx context.Context, pdf []byte) (c PDFCheck, err error) {
	bad := func(format string, args ...any) (PDFCheck, error) {
		return PDFCheck{Problem: fmt.Sprintf(format, args...)}, nil
	}
	// The file is anyone's upload and the CMS parser a library's: should
	// it panic on some crafted input, the answer is still "invalid".
	defer func() {
		if p := recover(); p != nil {
			c, err = PDFCheck{Problem: "签名数据无法解析，文件可能被改动过"}, nil
		}
	}()
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		return bad("这不是 PDF 文件")
	}
	all := byteRangeRE.FindAllSubmatchIndex(pdf, -1)
	if len(all) == 0 {
		return bad("文件中没有电子签章（未找到签名）")
	}
	m := all[len(all)-1]
	var r [4]int
	for i := range r {
		n, err := strconv.Atoi(string(pdf[m[2+2*i]:m[3+2*i]]))
		if err != nil {
			return bad("签名的字节范围无法读取")
		}
		r[i] = n
	}
	switch {
	case r[0] != 0 || r[1] <= 0 || r[2] <= r[1]+1 || r[2] > len(pdf) || r[3] < 0:
		return bad("签名的字节范围不正确，文件可能被改动过")
	case r[2]+r[3] < len(pdf):
		return bad("签章之后文件又被追加修改过，签名不覆盖整个文件")
	case r[2]+r[3] > len(pdf):
		return bad("文件不完整（比签章时短），可能被截断或改动过")
	}
	hole := pdf[r[1]:r[2]]
	if hole[0] != '<' || hole[len(hole)-1] != '>' {
		return bad("签名数据的位置不正确，文件可能被改动过")
	}
	raw := make([]byte, (len(hole)-2)/2)
	if len(hole)%2 != 0 {
		return bad("签名数据已损坏")
	}
	if _, err := hex.Decode(raw, hole[1:len(hole)-1]); err != nil {
		return bad("签名数据已损坏")
	}
	var der asn1.RawValue
	if _, err := asn1.Unmarshal(raw, &der); err != nil {
		return bad("签名数据已损坏")
	}
	// The hole holds the signature as SignPDF writes it — lower-case hex,
	// then zeros — and nothing else: not one byte of the file escapes the
	// check.
	want := hex.EncodeToString(der.FullBytes)
	if !bytes.HasPrefix(hole[1:], []byte(want)) || len(bytes.Trim(hole[1+len(want):len(hole)-1], "0")) > 0 {
		return bad("签名数据区被改动过")
	}
	p7, err := pkcs7.Parse(der.FullBytes)
	if err != nil {
		return bad("签名数据无法解析（不是 PKCS#7/CMS 签名）")
	}
	signed := make([]byte, 0, r[1]+r[3])
	signed = append(append(signed, pdf[:r[1]]...), pdf[r[2]:]...)
	p7.Content = signed
	cert := p7.GetOnlySigner()
	if cert == nil {
		return bad("签名中没有签章证书")
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return bad("签章不是本平台的 SM2 电子签章")
	}
	keyID, err := KeyID(pub)
	if err != nil {
		return bad("签章不是本平台的 SM2 电子签章")
	}
	km, err := s.material(ctx, keyID)
	if errors.Is(err, ErrUnknownKey) {
		return bad("签章证书不是本平台公布的电子签章密钥（文件不是本平台签发的）")
	}
	if err != nil {
		return PDFCheck{}, err
	}
	if !km.pub.Equal(pub) || !bytes.Equal(km.cert.Raw, cert.Raw) {
		// The certificate in the file is not the one published for the
		// key (its names changed, say): not ours.
		return bad("签章证书与本平台公示的证书不符，文件可能被改动过")
	}
	if !ourProfile(der.FullBytes, km.cert.Raw) {
		return bad("签名数据的格式不是本平台签章的格式，文件可能被改动过")
	}
	if err := p7.Verify(); err != nil {
		var mismatch *pkcs7.MessageDigestMismatchError
		if errors.As(err, &mismatch) {
			return bad("文件内容在签章之后被改动过")
		}
		return bad("签名验证失败：签名与文件不符")
	}
	pk, err := s.PublicKey(ctx, keyID)
	if err != nil {
		return PDFCheck{}, err
	}
	c = PDFCheck{Valid: true, KeyID: keyID, OrgID: pk.OrgID, OrgCode: pk.OrgCode, OrgName: pk.OrgName, KeyRetired: !pk.Active}
	var t time.Time
	if p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeSigningTime, &t) == nil {
		c.SignedAt = t
	}
	sum := sha256.Sum256(pdf)
	var at int64
	err = s.db.Reader().QueryRow(ctx, `SELECT kind, ref, title, signed_at FROM esign_documents WHERE sha256 = ? AND key_id = ? ORDER BY id LIMIT 1`,
		hex.EncodeToString(sum[:]), keyID).Scan(&c.Doc.Kind, &c.Doc.Ref, &c.Doc.Title, &at)
	switch {
	case err == nil:
		c.DocKnown, c.SignedAt = true, db.Time(at)
	case !errors.Is(err, sql.ErrNoRows):
		return PDFCheck{}, fmt.Errorf("esign: signed documents: %w", err)
	}
	return c, nil
}
