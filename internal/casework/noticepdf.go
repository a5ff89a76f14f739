package casework

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/calendar"
	"zwfw/internal/db"
	"zwfw/internal/esign"
	"zwfw/internal/files"
	"zwfw/internal/pdfdoc"
)

// The sealed PDF notices (电子文书带电子签章, issue 13 item 4): "积极推动电子证照、
// 电子公文、电子签章…在政务服务中的应用" (§2(3)). Every notice of a case —
// 受理通知书, 一次性告知书, 不予受理通知书, 缴款通知书, 缴费凭证, 办结通知书 … —
// can be downloaded as an A4 PDF with the issuing centre's drawn seal and
// its SM2 signature (esign.SignPDF), which a PDF reader can at least detect
// and the platform's verification page checks. The printable HTML page
// stays, for the window.

// Sealing is what casework seals notices with, set by internal/app.
type Sealing struct {
	Signer *esign.Service
	Files  *files.Store
	// Complaint is the 监督投诉电话 printed when the item names none.
	Complaint string
	// RatePath is the local address of a case's QR rating link (好差评,
	// review.RatePath), printed on the 办结通知书; nil prints none.
	RatePath func(serial string) string
}

// SetSealing gives casework what sealed notices need.
func (s *Service) SetSealing(z Sealing) { s.sealing = z }

// sealLocks makes the first downloads of one notice in one process wait for
// each other instead of each rendering and signing (the database's key on
// the notice keeps one PDF across processes).
type sealLocks [32]sync.Mutex

func (l *sealLocks) of(id int64) *sync.Mutex { return &l[uint64(id)%uint64(len(l))] }

// NoticeFile is a notice's sealed PDF.
type NoticeFile struct {
	Case   *Case
	Notice *Notice
	Name   string // 受理通知书-宁政服受字〔2026〕第1号.pdf
	SHA256 string
	Bytes  []byte
}

// NoticePDF returns the sealed PDF of a notice to whoever may see the notice
// (Notice: the applicant, staff whose scope holds the case; anyone else gets
// 404 — the same rule as the printable notice). It is made on the first
// request — rendered (pdfdoc.Notice), signed in the name of the centre that
// issued the notice (esign.SignPDF), stored in the file store and recorded
// (case_notice_pdfs) with its audit entry — and served as the same bytes
// every time after, so that every downloaded copy verifies. base is the
// site's address (https://host) that the QR codes open.
func (s *Service) NoticePDF(ctx context.Context, actor *zwfw.Actor, serial string, id int64, base string) (*NoticeFile, error) {
	c, n, err := s.Notice(ctx, actor, serial, id)
	if err != nil {
		return nil, err
	}
	if s.sealing.Signer == nil || s.sealing.Files == nil {
		return nil, errors.New("casework: sealed notices: no signer or file store (SetSealing)")
	}
	nf := &NoticeFile{Case: c, Notice: n, Name: noticeFileName(n)}
	if ok, err := s.storedPDF(ctx, nf); ok || err != nil {
		return nf, err
	}
	mu := s.sealLocks.of(n.ID)
	mu.Lock()
	defer mu.Unlock()
	if ok, err := s.storedPDF(ctx, nf); ok || err != nil {
		return nf, err
	}
	centre, err := s.orgs.ByCode(ctx, c.OrgCode)
	if err != nil {
		return nil, fmt.Errorf("casework: notice %s: the issuing centre: %w", n.Number, err)
	}
	progress := strings.TrimSuffix(base, "/") + "/progress/" + url.PathEscape(c.Serial)
	doc := s.noticeDoc(c, n)
	if n.Kind == NoticeResult && s.sealing.RatePath != nil {
		doc.RateURL = strings.TrimSuffix(base, "/") + s.sealing.RatePath(c.Serial)
	}
	raw, err := pdfdoc.Notice(doc, pdfdoc.Seal{Org: centre.DisplayName(), Purpose: sealPurpose(n.Kind)}, progress)
	if err != nil {
		return nil, fmt.Errorf("casework: render notice %s: %w", n.Number, err)
	}
	signed, err := s.sealing.Signer.SignPDF(ctx, centre.ID, raw, esign.Doc{Kind: "notice", Ref: n.Number, Title: n.KindName})
	if err != nil {
		return nil, fmt.Errorf("casework: sign notice %s: %w", n.Number, err)
	}
	f, err := s.sealing.Files.PutBytes(ctx, nil, nf.Name, signed, files.PurposeNotice)
	if err != nil {
		return nil, fmt.Errorf("casework: store notice %s: %w", n.Number, err)
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `INSERT INTO case_notice_pdfs (notice_id, file_id, sha256, org_id, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (notice_id) DO NOTHING`, n.ID, f.ID, f.SHA256, centre.ID, db.Millis(s.now()))
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return nil // another process was first: its PDF is the one
		}
		return audit.RecordFor(ctx, tx, c.OrgID, s.now(), actor, "case.seal_notice", "case:"+c.Serial,
			map[string]any{"notice": n.Number, "kind": n.Kind, "sha256": f.SHA256, "org": centre.Code})
	})
	if err != nil {
		return nil, err
	}
	if ok, err := s.storedPDF(ctx, nf); !ok && err == nil {
		return nil, fmt.Errorf("casework: notice %s: the sealed PDF was not recorded", n.Number)
	} else if err != nil {
		return nil, err
	}
	return nf, nil
}

// storedPDF fills nf from the recorded PDF of its notice, if there is one.
func (s *Service) storedPDF(ctx context.Context, nf *NoticeFile) (bool, error) {
	var sha string
	err := s.db.QueryRow(ctx, "SELECT sha256 FROM case_notice_pdfs WHERE notice_id = ?", nf.Notice.ID).Scan(&sha)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	f, err := s.sealing.Files.Open(sha)
	if err != nil {
		return false, fmt.Errorf("casework: notice %s: the sealed PDF %s: %w", nf.Notice.Number, sha, err)
	}
	defer f.Close()
	if nf.Bytes, err = io.ReadAll(f); err != nil {
		return false, err
	}
	nf.SHA256 = sha
	return true, nil
}

// noticeDoc is what the PDF prints: the notice's content as it was issued,
// with the dates written out.
func (s *Service) noticeDoc(c *Case, n *Notice) pdfdoc.NoticeDoc {
	nc := n.Content
	d := pdfdoc.NoticeDoc{Kind: n.Kind, Title: nc.Title, Number: n.Number, Centre: nc.Centre, Serial: c.Serial,
		ItemName: nc.ItemName, Applicant: nc.Applicant, Date: nc.Date, Issued: n.IssuedAt, Body: nc.Body, Items: nc.Items,
		Reason: nc.Reason, Basis: nc.Basis, Amount: nc.Amount, PaymentNo: nc.PaymentNo, Reference: nc.Reference,
		Footer: nc.Footer, Handler: n.Issuer, Phone: nc.Phone, Complaint: nc.Complaint, QueryCode: nc.QueryCode}
	if d.Title == "" {
		d.Title = n.KindName
	}
	if d.Serial == "" {
		d.Serial = nc.Serial
	}
	if d.QueryCode == "" { // notices issued before notices carried it
		d.QueryCode = c.QueryCode
	}
	if d.Complaint == "" {
		d.Complaint = s.sealing.Complaint
	}
	if nc.Deadline != "" {
		d.Deadline = nc.Deadline
		if t, err := calendar.ParseDate(nc.Deadline); err == nil {
			d.Deadline = fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
		}
	}
	for _, f := range nc.Fees {
		d.Fees = append(d.Fees, pdfdoc.Fee{Name: f.Name, Standard: f.Standard, Basis: f.Basis, Quantity: f.Quantity, Unit: f.Unit, Amount: f.Amount})
	}
	return d
}

// sealPurpose is the purpose cut on the seal (印章的用途): money documents
// carry the 收费专用章, the others the centre's 业务专用章.
func sealPurpose(kind string) string {
	if kind == NoticePayment || kind == NoticeReceipt {
		return "收费专用章"
	}
	return "业务专用章"
}

// noticeFileName names the download: 受理通知书-宁政服受字〔2026〕第1号.pdf.
func noticeFileName(n *Notice) string {
	return n.KindName + "-" + n.Number + ".pdf"
}
