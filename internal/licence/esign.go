package licence

import (
	"context"
	"fmt"
	"time"

	"zwfw/internal/db"
	"zwfw/internal/esign"
	"zwfw/internal/pdfdoc"
)

// ESign is the Signer of the organisations' keys (internal/esign).
func ESign(e *esign.Service) Signer { return esigner{e} }

type esigner struct{ e *esign.Service }

func (s esigner) SignTx(ctx context.Context, tx *db.Tx, orgID int64, data []byte) (string, []byte, error) {
	sig, err := s.e.SignTx(ctx, tx, orgID, data)
	return sig.KeyID, sig.Value, err
}

func (s esigner) Verify(ctx context.Context, keyID string, data, sig []byte) error {
	return s.e.Verify(ctx, keyID, data, sig)
}

// ESignPDF is the PDFMaker of the county's layout (internal/pdfdoc) sealed
// with the issuing organisation's key (esign.SignPDF).
func ESignPDF(e *esign.Service) PDFMaker { return pdfMaker{e} }

type pdfMaker struct{ e *esign.Service }

func (p pdfMaker) Make(ctx context.Context, l *Licence, qrURL string) ([]byte, error) {
	doc := pdfdoc.LicenceDoc{Title: l.Name, Number: l.Number, Holder: l.HolderName, Issuer: l.Issuer,
		IssueDate: cnDate(l.IssueDate), ValidTo: "长期", Identifier: l.Identifier, Issued: l.CreatedAt, Version: l.Version}
	if l.ValidTo != "" {
		doc.ValidTo = cnDate(l.ValidTo)
	}
	// The holder's ID number is masked on the printable face (the signed
	// JSON carries it whole); a credit code is public.
	masked := *l
	masked.Mask()
	doc.HolderCode = masked.HolderCode
	// What the layout prints by itself is not repeated from the type's
	// fields; the type's first labels for the holder and the code are used.
	holder, code := false, false
	for _, f := range l.Fields {
		switch {
		case !holder && f.Value == l.HolderName:
			doc.HolderLabel, holder = f.Label, true
		case !code && f.Value == l.HolderCode:
			doc.HolderCodeLabel, code = f.Label, true
		case f.Value == l.Number || f.Value == l.IssueDate || f.Value == l.Issuer || f.Value == orLong(l.ValidTo):
		default:
			doc.Fields = append(doc.Fields, pdfdoc.Field{Label: f.Label, Value: f.Value})
		}
	}
	b, err := pdfdoc.Licence(doc, pdfdoc.Seal{Org: l.Issuer, Purpose: "电子证照专用章"}, qrURL)
	if err != nil {
		return nil, err
	}
	return p.e.SignPDF(ctx, l.IssuerID, b, esign.Doc{Kind: "licence", Ref: l.Identifier, Title: l.Name + " " + l.Number})
}

func (p pdfMaker) Check(ctx context.Context, pdf []byte) (PDFCheck, error) {
	c, err := p.e.VerifyPDF(ctx, pdf)
	if err != nil {
		return PDFCheck{}, err
	}
	return PDFCheck{Valid: c.Valid, Problem: c.Problem, KeyID: c.KeyID, OrgName: c.OrgName, SignedAt: c.SignedAt,
		Kind: c.Doc.Kind, Ref: c.Doc.Ref, Title: c.Doc.Title}, nil
}

// cnDate writes 2026-12-07 as 2026年12月7日.
func cnDate(s string) string {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return s
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}
