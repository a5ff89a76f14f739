package casework

import (
	"encoding/json"
	"fmt"
	"strings"

	"zwfw/internal/db"
	"zwfw/internal/org"
)

// Notice kinds. Each is numbered, stored with the case and printable on A4
// with the centre's name, the date, the serial number and a QR code of the
// public progress page (attachment 2 (5)2, (6)2).
const (
	NoticeAcceptance = "acceptance" // 受理通知书
	NoticeOneTime    = "one_time"   // 一次性告知书
	NoticeRejection  = "rejection"  // 不予受理通知书
	NoticeSuspension = "suspension" // 特别程序告知书
	NoticeExtension  = "extension"  // 延期办理告知书
	NoticePayment    = "payment"    // 缴款通知书
	NoticeReceipt    = "receipt"    // 缴费凭证 (the fiscal receipt, 非税收入一般缴款书, is the bank's)
	NoticeResult     = "result"     // 办结通知书
)

var noticeKinds = map[string]struct{ name, mark string }{
	NoticeAcceptance: {"受理通知书", "受"},
	NoticeOneTime:    {"一次性告知书", "告"},
	NoticeRejection:  {"不予受理通知书", "不受"},
	NoticeSuspension: {"特别程序告知书", "特"},
	NoticeExtension:  {"延期办理告知书", "延"},
	NoticePayment:    {"缴款通知书", "缴"},
	NoticeReceipt:    {"缴费凭证", "凭"},
	NoticeResult:     {"办结通知书", "结"},
}

// NoticeKindName is the title of a notice kind.
func NoticeKindName(k string) string { return noticeKinds[k].name }

// NoticeContent is what a notice says, fixed when it is issued.
type NoticeContent struct {
	Title     string    `json:"title"`
	Centre    string    `json:"centre"`
	Serial    string    `json:"serial"`
	ItemName  string    `json:"item_name"`
	Applicant string    `json:"applicant"`
	Date      string    `json:"date"`
	Body      []string  `json:"body"`
	Items     []string  `json:"items,omitempty"`  // 一次性告知: everything to fix
	Reason    string    `json:"reason,omitempty"` // 不予受理, 延期
	Basis     string    `json:"basis,omitempty"`  // legal basis of a refusal
	Deadline  string    `json:"deadline,omitempty"`
	Fees      []FeeLine `json:"fees,omitempty"`
	Amount    int64     `json:"amount_cents,omitempty"`
	PaymentNo string    `json:"payment_no,omitempty"`
	Reference string    `json:"reference,omitempty"`
	Footer    string    `json:"footer,omitempty"`
	// Remedy: on 不予受理 and 不予批准, the 复议机关 and the court with the
	// time limits (行政许可法 §38(2)); Footer prints it.
	Remedy *org.Refusal `json:"remedy,omitempty"`
	// Issuer is the organisation in whose name the notice is issued.
	Issuer    string `json:"issuer,omitempty"`
	Phone     string `json:"phone"`
	Complaint string `json:"complaint_phone"`
	QueryCode string `json:"query_code"` // with the serial, opens the public progress page (the QR code)
}

// number gives the next number of a kind of document issued at the case's
// centre, in the issuing transaction: a sequence per organisation, per kind
// and per year, written with the organisation's 机关代字 as documents are
// (党政机关公文格式 GB/T 9704: 代字〔年份〕序号) — 宁政服受字〔2026〕第1号. An
// organisation whose administrator has set no 代字 numbers with its code:
// 610923C受〔2026〕00001号.
func (a *act) number(kind, mark string) (string, error) {
	year := a.now.In(db.Zone).Year()
	n, err := a.tx.Next(a.ctx, fmt.Sprintf("%s:%s:%d", kind, a.c.OrgCode, year))
	if err != nil {
		return "", err
	}
	set, err := a.settings()
	if err != nil {
		return "", err
	}
	return DocNumber(set.Abbrev, a.c.OrgCode, mark, year, n), nil
}

// DocNumber writes a document number: with a 代字, 宁政服受字〔2026〕第1号;
// without one, the organisation's code: 610923C受〔2026〕00001号.
func DocNumber(abbrev, orgCode, mark string, year int, n int64) string {
	if abbrev != "" {
		return fmt.Sprintf("%s%s字〔%d〕第%d号", abbrev, mark, year, n)
	}
	return fmt.Sprintf("%s%s〔%d〕%05d号", orgCode, mark, year, n)
}

// settings are the document settings of the case's centre, read once per
// action in its transaction.
func (a *act) settings() (org.NoticeSettings, error) {
	if a.noticeSet == nil {
		set, err := org.NoticeSettingsOf(a.ctx, a.tx, a.c.OrgID)
		if err != nil {
			return set, err
		}
		a.noticeSet = &set
	}
	return *a.noticeSet, nil
}

// remedy is where a refused applicant may turn (复议机关 and court).
func (a *act) remedy() (*org.Refusal, error) {
	set, err := a.settings()
	if err != nil {
		return nil, err
	}
	r, err := org.RefusalOf(a.ctx, a.tx, a.centre(), set)
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// notice issues a notice of kind with content: fills in the common parts,
// numbers it and stores it with the case.
func (a *act) notice(kind string, c NoticeContent) error {
	k := noticeKinds[kind]
	// A 缴款通知书 and a 缴费凭证 carry the number of what they are (the
	// payment's notice number, the receipt's): one document, one number.
	no := c.PaymentNo
	if no == "" || (kind != NoticePayment && kind != NoticeReceipt) {
		var err error
		if no, err = a.number("notice-"+kind, k.mark); err != nil {
			return err
		}
	}
	centre := a.centre()
	c.Title, c.Centre, c.Serial, c.ItemName, c.Applicant = k.name, centre.DisplayName(), a.c.Serial, a.c.ItemName, a.c.Applicant.Name
	c.Date = cnDate(a.now)
	c.Phone = a.it.ConsultPhone
	if c.Phone == "" {
		c.Phone = centre.Phone
	}
	c.Complaint = a.it.ComplaintPhone
	c.QueryCode = a.c.QueryCode
	c.Issuer = centre.DisplayName()
	if c.Remedy != nil {
		c.Footer = c.Remedy.Text()
	}
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	_, err = a.tx.Exec(a.ctx, "INSERT INTO case_notices (case_id, kind, number, content, issued_by, issuer, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		a.c.ID, kind, no, string(b), nullID(a.actor.UserID), strings.TrimSpace(actorName(a.actor)), db.Millis(a.now))
	return err
}
