package licence

// The licence's A4 document (版式文件): rendered with the county's layout
// and sealed by the issuing organisation on first download, kept in the
// file store and served byte for byte the same ever after, so every copy
// anyone was given verifies alike.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"zwfw"
	"zwfw/internal/db"
	"zwfw/internal/files"
)

// PDFMaker renders and seals a licence's PDF, and checks a sealed PDF
// (pdfdoc.Licence and esign.SignPDF / VerifyPDF).
type PDFMaker interface {
	Make(ctx context.Context, l *Licence, qrURL string) ([]byte, error)
	Check(ctx context.Context, pdf []byte) (PDFCheck, error)
}

// PDFCheck is what a sealed PDF's signature says.
type PDFCheck struct {
	Valid    bool
	Problem  string // why not, in Chinese
	KeyID    string
	OrgName  string
	SignedAt time.Time
	Kind     string // licence, notice …
	Ref      string // the licence identifier, the notice number
	Title    string
}

// SetPDF sets the PDF maker and the file store the PDFs are kept in.
func (s *Service) SetPDF(p PDFMaker, fs *files.Store) { s.pdf, s.files = p, fs }

// purpose of a licence's PDF in the file store.
const filePurpose = "licence"

// PDF returns the licence's sealed PDF for a reader who may see the
// licence (its holder, staff in scope): made on the first request, the
// same bytes after. Two first requests at once both render; one is kept
// and both are given that one.
func (s *Service) PDF(ctx context.Context, actor *zwfw.Actor, identifier string) (*Licence, []byte, error) {
	l, err := s.Get(ctx, actor, identifier)
	if err != nil {
		return nil, nil, err
	}
	if s.pdf == nil || s.files == nil {
		return nil, nil, zwfw.Errorf(zwfw.ECONFLICT, "电子证照的版式文件（PDF）暂不可用，请下载 JSON 文件")
	}
	if l.PDFSHA != "" {
		b, err := s.read(l.PDFSHA)
		return l, b, err
	}
	full, err := s.byIdentifier(ctx, s.db.Reader(), l.Identifier) // the holder's code as the document carries it
	if err != nil {
		return nil, nil, err
	}
	b, err := s.pdf.Make(ctx, full, s.VerifyURL(l.Identifier))
	if err != nil {
		return nil, nil, fmt.Errorf("licence: pdf %s: %w", l.Identifier, err)
	}
	f, err := s.files.PutBytes(ctx, zwfw.System, l.Identifier+".pdf", b, filePurpose)
	if err != nil {
		return nil, nil, err
	}
	var kept string
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE licences SET pdf_sha = ? WHERE id = ? AND pdf_sha = ''", f.SHA256, l.ID); err != nil {
			return err
		}
		return tx.QueryRow(ctx, "SELECT pdf_sha FROM licences WHERE id = ?", l.ID).Scan(&kept)
	})
	if err != nil {
		return nil, nil, err
	}
	if kept != f.SHA256 { // another request's copy came first
		b, err = s.read(kept)
	}
	l.PDFSHA = kept
	return l, b, err
}

func (s *Service) read(sha string) ([]byte, error) {
	f, err := s.files.Open(sha)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var b bytes.Buffer
	_, err = io.Copy(&b, f)
	return b.Bytes(), err
}
