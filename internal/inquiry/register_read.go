package inquiry

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/db"
	"zwfw/internal/pii"
	orgscope "zwfw/internal/scope"
)

const cols = `SELECT q.id, q.channel, o.code, CASE WHEN o.full_name = '' THEN o.name ELSE o.full_name END, o.path, q.staff_name, q.asker_name,
	q.asker_phone, q.question, q.question_key, q.item_code, COALESCE((SELECT MIN(i.name) FROM items i WHERE i.code = q.item_code), ''), q.status, q.answer, q.answered_by, q.answered_at, q.seconds,
	q.faq_item_code, q.faq_version, q.faq_by, q.faq_at, q.started_at, q.created_at,
	(SELECT COUNT(*) FROM inquiries r WHERE r.item_code = q.item_code AND r.question_key = q.question_key),
	COALESCE(f.code, ''), COALESCE(CASE WHEN f.full_name = '' THEN f.name ELSE f.full_name END, ''),
	COALESCE(t.code, ''), COALESCE(CASE WHEN t.full_name = '' THEN t.name ELSE t.full_name END, ''), COALESCE(t.path, ''), COALESCE(t.id, 0), COALESCE(t.kind, ''),
	COALESCE(rf.guidance, ''), COALESCE(rf.referred_by, ''), COALESCE(rf.referred_at, 0), COALESCE(rf.ack_by, ''), COALESCE(rf.ack_at, 0)
	FROM inquiries q JOIN orgs o ON o.id = q.org_id
	LEFT JOIN inquiry_referrals rf ON rf.inquiry_id = q.id
	LEFT JOIN orgs f ON f.id = rf.from_org_id
	LEFT JOIN orgs t ON t.id = rf.to_org_id`

func scan(row interface{ Scan(...any) error }) (*Inquiry, error) {
	var q Inquiry
	var answeredAt, faqAt, started, created, refAt, ackAt int64
	var r Referral
	if err := row.Scan(&q.ID, &q.Channel, &q.OrgCode, &q.OrgName, &q.orgPath, &q.StaffName, &q.AskerName,
		&q.phone, &q.Question, &q.questionKey, &q.ItemCode, &q.ItemName, &q.Status, &q.Answer, &q.AnsweredBy, &answeredAt, &q.Seconds,
		&q.FAQItem, &q.FAQVersion, &q.FAQBy, &faqAt, &started, &created, &q.Repeats,
		&r.FromCode, &r.FromName, &r.ToCode, &r.ToName, &r.toPath, &r.toID, &r.toKind, &r.Guidance, &r.ReferredBy, &refAt, &r.AckBy, &ackAt); err != nil {
		return nil, err
	}
	q.ChannelName, q.StatusName = ChannelName(q.Channel), StatusName(q.Status)
	if answeredAt != 0 {
		q.AnsweredAt = db.Time(answeredAt)
	}
	if faqAt != 0 {
		q.FAQAt = db.Time(faqAt)
	}
	q.StartedAt, q.CreatedAt = db.Time(started), db.Time(created)
	if r.ToCode != "" {
		r.ReferredAt = db.Time(refAt)
		r.StateName = "待签收"
		if ackAt != 0 {
			r.Acknowledged, r.AckAt, r.StateName = true, db.Time(ackAt), "已签收"
		}
		q.Referral = &r
	}
	return &q, nil
}

// finish opens the phone, masks what the reader sees, and marks overdue
// referrals and the actions allowed.
func (s *Service) finish(ctx context.Context, actor *zwfw.Actor, q *Inquiry, detail bool) error {
	p, err := pii.Of(s.db).Open(sealPhone.Label(), q.phone)
	if err != nil {
		return err
	}
	q.phone = p
	q.AskerName = maskName(q.AskerName)
	if detail {
		q.AskerPhone = p // the staff call back
	} else {
		q.AskerPhone = maskPhone(p)
	}
	if r := q.Referral; r != nil && !r.Acknowledged {
		due, err := s.cal.AddWorkdays(ctx, r.toPath, r.ReferredAt, 1)
		if err != nil {
			return err
		}
		rt := r.ReferredAt.In(db.Zone)
		due = time.Date(due.Year(), due.Month(), due.Day(), rt.Hour(), rt.Minute(), rt.Second(), 0, db.Zone)
		if s.now().After(due) {
			r.Overdue, r.StateName = true, "待签收（已超过一个工作日）"
		}
	}
	q.Actions = s.Allowed(ctx, actor, q)
	return nil
}

// Get returns record id when the actor may read it; 404 when not in reach.
func (s *Service) Get(ctx context.Context, actor *zwfw.Actor, id int64) (*Inquiry, error) {
	if err := MayRead(actor); err != nil {
		return nil, err
	}
	q, err := scan(s.db.QueryRow(ctx, cols+" WHERE q.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) || err == nil && !sees(actor, q) {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "首问登记 %d 不存在", id)
	}
	if err != nil {
		return nil, err
	}
	return q, s.finish(ctx, actor, q, true)
}

// Query filters the register. Empty fields do not filter.
type Query struct {
	Channel string
	Status  string // open, answered, referred; "ack" for referrals awaiting the actor's acknowledgement
	Item    string
	From    string // YYYY-MM-DD
	To      string
	Limit   int
	Offset  int
}

func (s *Service) where(actor *zwfw.Actor, f Query) (string, []any, error) {
	cond, args := orgscope.Of(actor).Cond("o.path", "t.path")
	where := []string{cond}
	if f.Channel != "" {
		if ChannelName(f.Channel) == "" {
			return "", nil, zwfw.Errorf(zwfw.EINVALID, "咨询方式应为 visit、phone、letter 或 online")
		}
		where, args = append(where, "q.channel = ?"), append(args, f.Channel)
	}
	switch f.Status {
	case "":
	case Open, Answered, Referred:
		where, args = append(where, "q.status = ?"), append(args, f.Status)
	case "ack":
		c, a := orgscope.Of(actor).Cond("t.path")
		where, args = append(where, "rf.ack_at = 0", c), append(args, a...)
	default:
		return "", nil, zwfw.Errorf(zwfw.EINVALID, "状态应为 open、answered、referred 或 ack")
	}
	if f.Item != "" {
		where, args = append(where, "q.item_code = ?"), append(args, f.Item)
	}
	for _, d := range []struct {
		v, op string
		add   int
	}{{f.From, ">=", 0}, {f.To, "<", 1}} {
		if d.v == "" {
			continue
		}
		t, err := time.ParseInLocation("2006-01-02", d.v, db.Zone)
		if err != nil {
			return "", nil, zwfw.Errorf(zwfw.EINVALID, "日期“%s”格式不正确，应为 YYYY-MM-DD", d.v)
		}
		where, args = append(where, "q.created_at "+d.op+" ?"), append(args, db.Millis(t.AddDate(0, 0, d.add)))
	}
	return strings.Join(where, " AND "), args, nil
}

// List returns the records in the actor's reach, newest first, and their
// count.
func (s *Service) List(ctx context.Context, actor *zwfw.Actor, f Query) ([]*Inquiry, int, error) {
	if err := MayRead(actor); err != nil {
		return nil, 0, err
	}
	where, args, err := s.where(actor, f)
	if err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	var total int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM inquiries q JOIN orgs o ON o.id = q.org_id
		LEFT JOIN inquiry_referrals rf ON rf.inquiry_id = q.id LEFT JOIN orgs t ON t.id = rf.to_org_id WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.db.Query(ctx, cols+" WHERE "+where+" ORDER BY q.created_at DESC, q.id DESC LIMIT ? OFFSET ?", append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	var out []*Inquiry
	for rows.Next() {
		q, err := scan(rows)
		if err != nil {
			rows.Close()
			return nil, 0, err
		}
		out = append(out, q)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	for _, q := range out {
		if err := s.finish(ctx, actor, q, false); err != nil {
			return nil, 0, err
		}
	}
	if f.Status == "ack" { // the receiving side's own: a window's, not its neighbours'
		mine := out[:0]
		for _, q := range out {
			if MayAcknowledge(actor, q) == nil {
				mine = append(mine, q)
			}
		}
		out, total = mine, len(mine)
	}
	return out, total, nil
}
