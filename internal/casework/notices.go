package casework

import (
	"encoding/json"
	"fmt"
	"strings"

	"zwfw/internal/db"
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
	NoticePayment    = "payment"    // 缴费通知书
	NoticeReceipt    = "receipt"    // 收费票据
	NoticeResult     = "result"     // 办结通知书
)

var noticeKinds = map[string]struct{ name, mark string }{
	NoticeAcceptance: {"受理通知书", "受"},
	NoticeOneTime:    {"一次性告知书", "告"},
	NoticeRejection:  {"不予受理通知书", "不受"},
	NoticeSuspension: {"特别程序告知书", "特"},
	NoticeExtension:  {"延期办理告知书", "延"},
	NoticePayment:    {"缴费通知书", "缴"},
	NoticeReceipt:    {"收费票据", "票"},
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
	Phone     string    `json:"phone"`
	Complaint string    `json:"complaint_phone"`
	QueryCode string    `json:"query_code"` // with the serial, opens the public progress page (the QR code)
}

// number gives the next number of a kind of document at the case's
// centre: 宁政服受〔2026〕00017号 style, as centre code + mark + year + sequence.
func (a *act) number(kind, mark string) (string, error) {
	year := a.now.In(db.Zone).Year()
	n, err := a.tx.Next(a.ctx, fmt.Sprintf("%s:%s:%d", kind, a.c.OrgCode, year))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s%s〔%d〕%05d号", a.c.OrgCode, mark, year, n), nil
}

// notice issues a notice of kind with content: fills in the common parts,
// numbers it and stores it with the case.
func (a *act) notice(kind string, c NoticeContent) error {
	k := noticeKinds[kind]
	no, err := a.number("notice-"+kind, k.mark)
	if err != nil {
		return err
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
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	_, err = a.tx.Exec(a.ctx, "INSERT INTO case_notices (case_id, kind, number, content, issued_by, issuer, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		a.c.ID, kind, no, string(b), nullID(a.actor.UserID), strings.TrimSpace(actorName(a.actor)), db.Millis(a.now))
	return err
}
