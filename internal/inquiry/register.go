package inquiry

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/notify"
	"zwfw/internal/pii"
	orgscope "zwfw/internal/scope"
	"zwfw/internal/throttle"
)

// Input records an inquiry taken by a staff member (来访、来电、来信). It
// carries the answer, or a referral (ReferTo: a window's or department's
// code, with Guidance: where to go and what to bring). StartedAt is when
// the staff member began (the form's opening time); Minutes, entered for a
// call or a letter, says how long it took instead.
type Input struct {
	Channel    string    `json:"channel"`
	AskerName  string    `json:"asker_name,omitempty"`
	AskerPhone string    `json:"asker_phone,omitempty"`
	Question   string    `json:"question"`
	Item       string    `json:"item,omitempty"`
	Answer     string    `json:"answer,omitempty"`
	ReferTo    string    `json:"refer_to,omitempty"`
	Guidance   string    `json:"guidance,omitempty"`
	StartedAt  time.Time `json:"started_at,omitzero"`
	Minutes    int       `json:"minutes,omitempty"`
}

// AskInput is a question put on the online hall (网上咨询).
type AskInput struct {
	Item       string `json:"item,omitempty"`
	AskerName  string `json:"asker_name,omitempty"`
	AskerPhone string `json:"asker_phone,omitempty"`
	Question   string `json:"question"`
}

// Ticket is what the asker of an online question keeps: the record's
// number and its query code (查询码).
type Ticket struct {
	ID        int64  `json:"id"`
	QueryCode string `json:"query_code"`
	OrgName   string `json:"org_name"` // who will answer
}

// orgRef is an organisation a record names.
type orgRef struct {
	ID               int64
	Code, Name, Kind string
	Path             string
	Active           bool
}

func lookupOrg(ctx context.Context, q db.Querier, where string, arg any) (*orgRef, error) {
	var o orgRef
	err := q.QueryRow(ctx, `SELECT id, code, CASE WHEN full_name = '' THEN name ELSE full_name END, kind, path, active FROM orgs WHERE `+where, arg).
		Scan(&o.ID, &o.Code, &o.Name, &o.Kind, &o.Path, &o.Active)
	if err != nil {
		return nil, err
	}
	return &o, nil
}

func (in *Input) trim() {
	for _, p := range []*string{&in.Channel, &in.AskerName, &in.AskerPhone, &in.Question, &in.Item, &in.Answer, &in.ReferTo, &in.Guidance} {
		*p = strings.TrimSpace(*p)
	}
}

// checkText adds the problems of the question.
func checkQuestion(v *zwfw.Invalid, q string) {
	switch {
	case q == "":
		v.Add("question", "请填写咨询的问题")
	case runes(q) > MaxQuestion:
		v.Add("question", "问题不能超过 %d 字", MaxQuestion)
	}
}

func checkName(v *zwfw.Invalid, n string) {
	if runes(n) > MaxName {
		v.Add("asker_name", "姓名不能超过 %d 字", MaxName)
	}
}

// item checks the item code (optional) and returns the item.
func (s *Service) item(ctx context.Context, v *zwfw.Invalid, code string) *catalog.Item {
	if code == "" {
		return nil
	}
	it, err := s.catalog.Get(ctx, code)
	if err != nil {
		v.Add("item", "事项编码“%s”不存在，请核对或留空", code)
		return nil
	}
	return it
}

// referTarget checks a referral's target: an active window or department,
// not the referring organisation itself.
func referTarget(ctx context.Context, q db.Querier, v *zwfw.Invalid, code string, from int64) *orgRef {
	if code == "" {
		v.Add("refer_to", "请选择转办的窗口或部门")
		return nil
	}
	o, err := lookupOrg(ctx, q, "code = ?", code)
	switch {
	case err != nil || (o.Kind != "window" && o.Kind != "dept"):
		v.Add("refer_to", "转办对象“%s”不是窗口或部门", code)
		return nil
	case !o.Active:
		v.Add("refer_to", "%s已停用，不能接收转办", o.Name)
		return nil
	case o.ID == from:
		v.Add("refer_to", "不能转办给本窗口（部门）自己")
		return nil
	}
	return o
}

func checkGuidance(v *zwfw.Invalid, g string) {
	switch {
	case g == "":
		v.Add("guidance", "请写明告知办事人的去处和需带的材料")
	case runes(g) > MaxGuidance:
		v.Add("guidance", "告知内容不能超过 %d 字", MaxGuidance)
	}
}

func checkAnswer(v *zwfw.Invalid, a string) {
	switch {
	case a == "":
		v.Add("answer", "请填写答复内容")
	case runes(a) > MaxAnswer:
		v.Add("answer", "答复不能超过 %d 字", MaxAnswer)
	}
}

// Guidance is the text a referral's guidance is prefilled with for an
// item: the place, the hours and the required materials of its guide.
func Guidance(it *catalog.Item) string {
	if it == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "办理“%s”请到：%s", it.Name, it.Place)
	if it.Hours != "" {
		fmt.Fprintf(&b, "（%s）", it.Hours)
	}
	var mats []string
	for _, m := range it.Materials {
		if m.Required == "required" {
			mats = append(mats, m.Name+"（"+catalog.FormName(m.Form)+"）")
		}
	}
	if len(mats) > 0 {
		b.WriteString("。请带：" + strings.Join(mats, "、"))
	}
	if it.ConsultPhone != "" {
		b.WriteString("。咨询电话：" + it.ConsultPhone)
	}
	return b.String()
}

// Create records an inquiry taken by the actor, answered or referred, in
// one transaction with its audit entry.
func (s *Service) Create(ctx context.Context, actor *zwfw.Actor, in Input) (*Inquiry, error) {
	if err := MayRecord(actor); err != nil {
		return nil, err
	}
	in.trim()
	now := s.now()
	var v zwfw.Invalid
	switch in.Channel {
	case Visit, Phone, Letter:
	case Online:
		v.Add("channel", "网上咨询由办事人在网上办事大厅提交；请选择来访、来电或来信")
	default:
		v.Add("channel", "请选择咨询方式：来访、来电或来信")
	}
	checkName(&v, in.AskerName)
	checkPhone(&v, in.AskerPhone)
	checkQuestion(&v, in.Question)
	it := s.item(ctx, &v, in.Item)
	orgID := actor.WindowID
	if orgID == 0 {
		orgID = actor.OrgID
	}
	var target *orgRef
	switch {
	case in.Answer != "" && in.ReferTo != "":
		v.Add("answer", "一次登记只能当场答复或转办其中一项")
	case in.Answer != "":
		checkAnswer(&v, in.Answer)
	case in.ReferTo != "" || in.Guidance != "":
		target = referTarget(ctx, s.db.Reader(), &v, in.ReferTo, orgID)
		checkGuidance(&v, in.Guidance)
	default:
		v.Add("answer", "请填写答复内容，或选择转办的窗口（部门）并写明告知内容")
	}
	var seconds int64
	switch {
	case in.Minutes < 0 || in.Minutes > 24*60:
		v.Add("minutes", "用时应为 0–1440 分钟")
	case in.Minutes > 0:
		seconds = int64(in.Minutes) * 60
	case !in.StartedAt.IsZero():
		d := now.Sub(in.StartedAt)
		if d < 0 || d > 24*time.Hour {
			v.Add("started_at", "开始时间应在 24 小时之内且不晚于现在")
		}
		seconds = int64(d / time.Second)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	start := now.Add(-time.Duration(seconds) * time.Second)
	var id int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		from, err := lookupOrg(ctx, tx, "id = ?", orgID)
		if err != nil {
			return fmt.Errorf("inquiry: the actor's organisation %d: %w", orgID, err)
		}
		status, answer, answeredAt := Answered, in.Answer, db.Millis(now)
		var answeredBy any = actor.UserID
		if target != nil {
			status, answer, answeredAt, answeredBy = Referred, "", 0, nil
		}
		code := ""
		if it != nil {
			code = it.Code
		}
		name := staffName(actor)
		by := ""
		if answeredBy != nil {
			by = name
		}
		id, err = db.InsertID(ctx, tx, `INSERT INTO inquiries (channel, org_id, staff_id, staff_name, asker_name, asker_phone, question, question_key,
			item_code, status, answer, answered_by_id, answered_by, answered_at, seconds, started_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			in.Channel, from.ID, actor.UserID, name, in.AskerName, pii.Of(tx).Seal(sealPhone.Label(), in.AskerPhone), in.Question, Key(in.Question),
			code, status, answer, answeredBy, by, answeredAt, seconds, db.Millis(start), db.Millis(now))
		if err != nil {
			return err
		}
		if target != nil {
			if err := refer(ctx, tx, now, actor, id, from.ID, target, in.Guidance); err != nil {
				return err
			}
		}
		detail := map[string]any{"channel": in.Channel, "org": from.Code, "item": code, "status": status, "seconds": seconds}
		if target != nil {
			detail["refer_to"] = target.Code
		}
		return audit.Record(ctx, tx, now, actor, "inquiry.create", "inquiry:"+strconv.FormatInt(id, 10), detail)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id)
}

func staffName(a *zwfw.Actor) string {
	if a.Name != "" {
		return a.Name
	}
	return a.Username
}

func refer(ctx context.Context, tx *db.Tx, now time.Time, actor *zwfw.Actor, id, from int64, to *orgRef, guidance string) error {
	_, err := tx.Exec(ctx, `INSERT INTO inquiry_referrals (inquiry_id, from_org_id, to_org_id, guidance, referred_by_id, referred_by, referred_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, id, from, to.ID, guidance, actor.UserID, staffName(actor), db.Millis(now))
	if err := db.Conflict(err, "首问登记已经转办"); err != nil {
		return err
	}
	// The receiving side is told it has a referral to acknowledge: the
	// staff receives (MayAcknowledge) would let sign for it — recorders whose
	// subtree holds the target, and for a window its own staff and the
	// centre's managers.
	above, args := orgscope.Above("o.path", to.Path)
	q := `SELECT u.id FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.active = ? AND u.kind = 'staff' AND ` + above +
		` AND (u.roles LIKE ? OR u.roles LIKE ? OR u.roles LIKE ?)`
	args = append([]any{true}, args...)
	args = append(args, "%,"+zwfw.RoleWindow+",%", "%,"+zwfw.RoleReviewer+",%", "%,"+zwfw.RoleHallManager+",%")
	if to.Kind == "window" {
		q += " AND (u.window_id = ? OR u.roles LIKE ?)"
		args = append(args, to.ID, "%,"+zwfw.RoleHallManager+",%")
	}
	rows, err := tx.Query(ctx, q+" ORDER BY u.id", args...)
	if err != nil {
		return err
	}
	var notes []notify.Note
	for rows.Next() {
		var uid int64
		if err := rows.Scan(&uid); err != nil {
			rows.Close()
			return err
		}
		if uid != actor.UserID {
			notes = append(notes, notify.Note{UserID: uid, Subject: "首问转办待签收",
				Body: fmt.Sprintf("%s转来首问登记 #%d，请在“首问登记”中签收：/inquiries/%d", staffName(actor), id, id)})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return notify.EnqueueAll(ctx, tx, now, notes)
}

// Ask puts an online question into the register for the department
// responsible for the item (or, without an item, the county's centre). It
// returns the number and query code the asker reads the answer with.
// Questions are limited per client address.
func (s *Service) Ask(ctx context.Context, in AskInput, addr string) (*Ticket, error) {
	in.Item, in.AskerName, in.AskerPhone, in.Question = strings.TrimSpace(in.Item), strings.TrimSpace(in.AskerName), strings.TrimSpace(in.AskerPhone), strings.TrimSpace(in.Question)
	var v zwfw.Invalid
	checkName(&v, in.AskerName)
	checkPhone(&v, in.AskerPhone)
	checkQuestion(&v, in.Question)
	it := s.item(ctx, &v, in.Item)
	if it != nil && it.Cancelled() {
		v.Add("item", "事项“%s”已取消", it.Name)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	t := &Ticket{QueryCode: queryCode()}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if !s.ask.Off() {
			if _, err := throttle.Take(ctx, tx, "inquiry:ask:"+throttle.Addr(addr), s.ask, now, "提交咨询过于频繁，请稍后再试，或拨打咨询电话"); err != nil {
				return err
			}
		}
		var o *orgRef
		var err error
		code := ""
		if it != nil {
			code = it.Code
			o, err = lookupOrg(ctx, tx, "code = ?", it.Dept)
		} else {
			o, err = lookupOrg(ctx, tx, "kind = 'centre' AND parent_id = (SELECT id FROM orgs WHERE code = ?)", s.region)
		}
		if err != nil {
			return fmt.Errorf("inquiry: who answers online questions: %w", err)
		}
		t.OrgName = o.Name
		t.ID, err = db.InsertID(ctx, tx, `INSERT INTO inquiries (channel, org_id, asker_name, asker_phone, question, question_key,
			item_code, status, query_code, started_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			Online, o.ID, in.AskerName, pii.Of(tx).Seal(sealPhone.Label(), in.AskerPhone), in.Question, Key(in.Question),
			code, Open, t.QueryCode, db.Millis(now), db.Millis(now))
		return err
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// act loads record id in tx for an action and checks the actor may take it.
func (s *Service) act(ctx context.Context, tx *db.Tx, actor *zwfw.Actor, id int64, action string) (*Inquiry, error) {
	if err := MayRead(actor); err != nil {
		return nil, err
	}
	q, err := scan(tx.QueryRow(ctx, cols+" WHERE q.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) || err == nil && !sees(actor, q) {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "首问登记 %d 不存在", id)
	}
	if err != nil {
		return nil, err
	}
	return q, s.may(ctx, actor, q, action)
}

// Answer answers an open (online) question.
func (s *Service) Answer(ctx context.Context, actor *zwfw.Actor, id int64, answer string) (*Inquiry, error) {
	answer = strings.TrimSpace(answer)
	var v zwfw.Invalid
	checkAnswer(&v, answer)
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		q, err := s.act(ctx, tx, actor, id, ActAnswer)
		if err != nil {
			return err
		}
		sec := int64(now.Sub(q.StartedAt) / time.Second)
		res, err := tx.Exec(ctx, `UPDATE inquiries SET status = ?, answer = ?, answered_by_id = ?, answered_by = ?, answered_at = ?, seconds = ?
			WHERE id = ? AND status = ?`, Answered, answer, actor.UserID, staffName(actor), db.Millis(now), sec, id, Open)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return zwfw.Errorf(zwfw.ECONFLICT, "首问登记 %d 已被他人处理，请刷新", id)
		}
		return audit.Record(ctx, tx, now, actor, "inquiry.answer", "inquiry:"+strconv.FormatInt(id, 10), map[string]any{"seconds": sec})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id)
}

// Refer refers an open record to another window or department.
func (s *Service) Refer(ctx context.Context, actor *zwfw.Actor, id int64, to, guidance string) (*Inquiry, error) {
	to, guidance = strings.TrimSpace(to), strings.TrimSpace(guidance)
	now := s.now()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		q, err := s.act(ctx, tx, actor, id, ActRefer)
		if err != nil {
			return err
		}
		var from int64
		if err := tx.QueryRow(ctx, "SELECT org_id FROM inquiries WHERE id = ?", id).Scan(&from); err != nil {
			return err
		}
		var v zwfw.Invalid
		target := referTarget(ctx, tx, &v, to, from)
		checkGuidance(&v, guidance)
		if err := v.Err(); err != nil {
			return err
		}
		sec := int64(now.Sub(q.StartedAt) / time.Second)
		res, err := tx.Exec(ctx, "UPDATE inquiries SET status = ?, seconds = ? WHERE id = ? AND status = ?", Referred, sec, id, Open)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return zwfw.Errorf(zwfw.ECONFLICT, "首问登记 %d 已被他人处理，请刷新", id)
		}
		if err := refer(ctx, tx, now, actor, id, from, target, guidance); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, actor, "inquiry.refer", "inquiry:"+strconv.FormatInt(id, 10), map[string]any{"to": target.Code})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id)
}

// Acknowledge acknowledges (签收) the referral of record id, as the
// receiving side.
func (s *Service) Acknowledge(ctx context.Context, actor *zwfw.Actor, id int64) (*Inquiry, error) {
	now := s.now()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := s.act(ctx, tx, actor, id, ActAcknowledge); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, "UPDATE inquiry_referrals SET ack_by_id = ?, ack_by = ?, ack_at = ? WHERE inquiry_id = ? AND ack_at = 0",
			actor.UserID, staffName(actor), db.Millis(now), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return zwfw.Errorf(zwfw.ECONFLICT, "转办已被他人签收，请刷新")
		}
		return audit.Record(ctx, tx, now, actor, "inquiry.acknowledge", "inquiry:"+strconv.FormatInt(id, 10), nil)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id)
}

// FAQInput makes a FAQ entry of a record: the question and answer as they
// go on the guide (the record's, when empty), and the other records of
// the same item it also answers (Also).
type FAQInput struct {
	Q    string  `json:"q,omitempty"`
	A    string  `json:"a,omitempty"`
	Also []int64 `json:"also,omitempty"`
}

// MakeFAQ turns record id (and the records in.Also, and every other record
// of the same item and question) into a FAQ entry of the item's guide: a
// new version of the item through the catalog's versioned update, with
// the reason "由首问登记 #N 转为常见问题", in the same transaction as the
// records' link to it.
func (s *Service) MakeFAQ(ctx context.Context, actor *zwfw.Actor, id int64, in FAQInput) (*Inquiry, error) {
	now := s.now()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		q, err := s.act(ctx, tx, actor, id, ActFAQ)
		if err != nil {
			return err
		}
		in.Q, in.A = strings.TrimSpace(in.Q), strings.TrimSpace(in.A)
		if in.Q == "" {
			in.Q = q.Question
		}
		if in.A == "" {
			in.A = q.Answer
		}
		var v zwfw.Invalid
		checkQuestion(&v, in.Q)
		checkAnswer(&v, in.A)
		if len(in.Also) > 100 {
			v.Add("also", "一次最多关联 100 条登记")
		}
		for _, o := range in.Also {
			var item string
			err := tx.QueryRow(ctx, "SELECT item_code FROM inquiries WHERE id = ?", o).Scan(&item)
			if err != nil || item != q.ItemCode {
				v.Add("also", "首问登记 %d 不存在或不是同一事项的咨询", o)
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		it, err := s.catalog.Resolve(ctx, q.ItemCode, q.orgPath) // the inquiry's county's item of a shared code
		if err != nil {
			return err
		}
		for _, f := range it.FAQ {
			if Key(f.Q) == Key(in.Q) {
				return zwfw.Errorf(zwfw.ECONFLICT, "事项“%s”已有相同的常见问题", it.Name)
			}
		}
		next := *it
		next.FAQ = append(append([]catalog.FAQ{}, it.FAQ...), catalog.FAQ{Q: in.Q, A: in.A})
		updated, err := s.catalog.UpdateTx(ctx, tx, actor, it.Code, &next, fmt.Sprintf("由首问登记 #%d 转为常见问题", id), it.Version)
		if err != nil {
			return err
		}
		ids := append([]int64{id}, in.Also...)
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
		args := []any{updated.Code, updated.Version, staffName(actor), db.Millis(now), q.ItemCode, q.questionKey}
		for _, x := range ids {
			args = append(args, x)
		}
		if _, err := tx.Exec(ctx, `UPDATE inquiries SET faq_item_code = ?, faq_version = ?, faq_by = ?, faq_at = ?
			WHERE faq_item_code = '' AND item_code = ? AND (question_key = ? OR id IN (`+marks+`))`, args...); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, actor, "inquiry.faq", "inquiry:"+strconv.FormatInt(id, 10),
			map[string]any{"item": updated.Code, "version": updated.Version, "also": in.Also})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id)
}

// PublicAnswer is what the asker of an online question reads with the
// query code.
type PublicAnswer struct {
	ID         int64     `json:"id"`
	ItemCode   string    `json:"item_code,omitempty"`
	ItemName   string    `json:"item_name,omitempty"`
	OrgName    string    `json:"org_name"`
	Question   string    `json:"question"`
	Status     string    `json:"status"`
	StatusName string    `json:"status_name"`
	Answer     string    `json:"answer,omitempty"`
	AnsweredAt time.Time `json:"answered_at,omitzero"`
	ReferredTo string    `json:"referred_to,omitempty"`
	Guidance   string    `json:"guidance,omitempty"`
	AskedAt    time.Time `json:"asked_at"`
}

// Lookup reads an online question's answer by its number and query code.
// An unknown number and a wrong code get the same answer; failures are
// limited per client address as the case lookup's are (casework/lookup.go).
func (s *Service) Lookup(ctx context.Context, id int64, code, addr string) (*PublicAnswer, error) {
	notFound := zwfw.Errorf(zwfw.ENOTFOUND, "没有找到登记号为 %d、查询码相符的咨询，请核对登记号和查询码", id)
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return nil, notFound
	}
	key := "inquiry:lookup:" + throttle.Addr(addr)
	now := s.now()
	var start int64
	if !s.lookup.Off() {
		err := s.db.InTx(ctx, func(tx *db.Tx) error {
			var err error
			start, err = throttle.Take(ctx, tx, key, s.lookup, now, "查询失败次数过多，请稍后再试")
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	q, err := scan(s.db.QueryRow(ctx, cols+" WHERE q.id = ? AND q.channel = ?", id, Online))
	var stored string
	if err == nil {
		err = s.db.QueryRow(ctx, "SELECT query_code FROM inquiries WHERE id = ?", id).Scan(&stored)
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if err != nil || subtle.ConstantTimeCompare([]byte(code), []byte(stored)) != 1 {
		return nil, notFound
	}
	if start != 0 {
		if err := s.db.InTx(ctx, func(tx *db.Tx) error { return throttle.Give(ctx, tx, key, start) }); err != nil {
			return nil, err
		}
	}
	p := &PublicAnswer{ID: q.ID, ItemCode: q.ItemCode, ItemName: q.ItemName, OrgName: q.OrgName, Question: q.Question,
		Status: q.Status, StatusName: q.StatusName, Answer: q.Answer, AnsweredAt: q.AnsweredAt, AskedAt: q.CreatedAt}
	if q.Referral != nil {
		p.ReferredTo, p.Guidance = q.Referral.ToName, q.Referral.Guidance
	}
	return p, nil
}
