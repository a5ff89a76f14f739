package review

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/db"
	"zwfw/internal/notify"
	orgscope "zwfw/internal/scope"
	"zwfw/internal/supervision"
)

const woCols = `r.id, r.number, r.target, COALESCE(c.serial, ''), r.status, r.level, r.channel, r.problem, r.anonymous,
	COALESCE(r.evaluator, 0), o.name, w.name, w.code, r.opened_on, r.callback_due, r.rectify_due, r.extended, r.result, r.no_basis,
	r.explanation, r.public_summary, r.follow_level, r.cleared_reason, r.closed_on, r.version, r.created_at,
	r.org_id, r.owner_id, COALESCE(r.case_id, 0), r.org_path, r.owner_path`

const woFrom = ` FROM rectifications r JOIN orgs o ON o.id = r.org_id JOIN orgs w ON w.id = r.owner_id LEFT JOIN cases c ON c.id = r.case_id`

func scanWO(sc interface{ Scan(...any) error }) (*WorkOrder, error) {
	w := &WorkOrder{}
	var created int64
	err := sc.Scan(&w.ID, &w.Number, &w.Target, &w.Serial, &w.Status, &w.Level, &w.Channel, &w.Problem, &w.Anonymous,
		&w.Evaluator, &w.OrgName, &w.OwnerName, &w.OwnerCode, &w.OpenedOn, &w.CallbackDue, &w.RectifyDue, &w.Extended, &w.Result,
		&w.NoBasis, &w.Explanation, &w.PublicSummary, &w.FollowLevel, &w.ClearedReason, &w.ClosedOn, &w.Version, &created,
		&w.OrgID, &w.OwnerID, &w.CaseID, &w.OrgPath, &w.OwnerPath)
	if err != nil {
		return nil, err
	}
	w.CreatedAt = db.Time(created)
	w.StatusName, w.LevelName, w.ChannelName = StatusNames[w.Status], casework.Levels[w.Level], casework.RatingChannelName(w.Channel)
	w.HasEvaluator = w.Evaluator != 0
	w.What, _, _ = strings.Cut(w.Problem, "：")
	return w, nil
}

// ListQuery filters the work order list.
type ListQuery struct {
	Status string
	Limit  int
}

// List lists the work orders in the actor's subtree (its centre's or its
// owner's), newest first.
func (s *Service) List(ctx context.Context, actor *zwfw.Actor, q ListQuery) ([]*WorkOrder, error) {
	if actor == nil || !actor.IsStaff() {
		return nil, zwfw.Errorf(zwfw.EFORBIDDEN, "只有工作人员可以查看差评整改工单")
	}
	where := orgscope.Of(actor).Where("r.org_path", "r.owner_path")
	if q.Status != "" {
		if _, ok := StatusNames[q.Status]; !ok {
			return nil, invalid("status", "工单状态无效")
		}
		where.And("r.status = ?", q.Status)
	}
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 200
	}
	cond, args := where.SQL()
	var out []*WorkOrder
	err := s.db.ReadTx(ctx, func(tx db.Querier) error {
		rows, err := tx.Query(ctx, "SELECT "+woCols+woFrom+cond+fmt.Sprintf(" ORDER BY r.id DESC LIMIT %d", q.Limit), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			w, err := scanWO(rows)
			if err != nil {
				return err
			}
			w.Actions = Allowed(actor, w)
			out = append(out, w)
		}
		return rows.Err()
	})
	return out, err
}

// Get returns a work order with its steps and what the actor may do now.
func (s *Service) Get(ctx context.Context, actor *zwfw.Actor, number string) (*WorkOrder, error) {
	var w *WorkOrder
	err := s.db.ReadTx(ctx, func(q db.Querier) error {
		var err error
		w, err = s.load(ctx, q, number)
		return err
	})
	if err != nil {
		return nil, err
	}
	if actor == nil || !actor.IsStaff() || !canSee(actor, w) {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "工单 %s 不存在", number)
	}
	w.Actions = Allowed(actor, w)
	return w, nil
}

func (s *Service) load(ctx context.Context, q db.Querier, number string) (*WorkOrder, error) {
	w, err := scanWO(q.QueryRow(ctx, "SELECT "+woCols+woFrom+" WHERE r.number = ?", number))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "工单 %s 不存在", number)
	}
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, "SELECT action, actor_name, note, outcome, at FROM rectification_events WHERE rectification_id = ? ORDER BY id", w.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&e.Action, &e.Actor, &e.Note, &e.Outcome, &at); err != nil {
			return nil, err
		}
		e.At, e.Name = db.Time(at), ActionName(e.Action)
		w.Events = append(w.Events, e)
	}
	return w, rows.Err()
}

// ActInput carries what an action needs.
type ActInput struct {
	Version     int    `json:"version,omitempty"`
	Reason      string `json:"reason,omitempty"`      // clear, extend, close
	Owner       string `json:"owner,omitempty"`       // assign: the window's or department's code
	Note        string `json:"note,omitempty"`        // validate, callback (what was said), spotcheck
	Unreachable bool   `json:"unreachable,omitempty"` // callback: 无法回访 (the note says why)
	Outcome     string `json:"outcome,omitempty"`     // spotcheck: 属实, 不属实, 未接通
	Result      string `json:"result,omitempty"`      // reply: what was done
	NoBasis     bool   `json:"no_basis,omitempty"`    // reply: the request has no legal basis
	Explanation string `json:"explanation,omitempty"` // reply: the written explanation
	Summary     string `json:"summary,omitempty"`     // reply: one line for the public summary, no names or numbers
}

// SpotOutcomes are the outcomes of a spot-check call-back.
var SpotOutcomes = []string{"属实", "不属实", "未接通", "部分属实"}

// Act takes an action on a work order, in one transaction with its step,
// the audit entry and the notifications.
func (s *Service) Act(ctx context.Context, actor *zwfw.Actor, number, action string, in ActInput) (*WorkOrder, error) {
	now := s.now()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		w, err := s.load(ctx, tx, number)
		if err != nil {
			return err
		}
		if err := Check(actor, w, action); err != nil {
			return err
		}
		if in.Version != 0 && in.Version != w.Version {
			return zwfw.Errorf(zwfw.ECONFLICT, "工单 %s 已被他人处理，请刷新后重试", number)
		}
		r := machine[action]
		set := map[string]any{}
		note, outcome := strings.TrimSpace(in.Note), ""
		var tell []string // subject, body to the evaluator
		switch action {
		case ActValidate:
			if note, err = checkText("note", "审核意见", note, 0, 500); err != nil {
				return err
			}
		case ActClear:
			if note, err = checkText("reason", "核销理由（无效或恶意差评的依据）", in.Reason, 4, 500); err != nil {
				return err
			}
			set["cleared_reason"] = note
			set["closed_on"] = calendar.Date(now).Format(calendar.DateLayout)
			tell = []string{"差评核销告知", fmt.Sprintf("您对“%s”的评价经核查认定为无效评价，不计入差评统计。理由：%s。如有异议，可拨打监督电话反映。", w.What, note)}
		case ActAssign:
			var id int64
			var path string
			if err := tx.QueryRow(ctx, "SELECT id, path FROM orgs WHERE code = ? AND active = ?", strings.TrimSpace(in.Owner), true).Scan(&id, &path); err != nil {
				return invalid("owner", "责任单位“%s”不存在：请填写窗口或部门编码", in.Owner)
			}
			if !orgscope.Of(actor).Contains(path) {
				return invalid("owner", "责任单位“%s”不在您的管辖范围内", in.Owner)
			}
			set["owner_id"], set["owner_path"] = id, path
			note = "责任单位：" + in.Owner
		case ActCallback:
			min := 4
			if note, err = checkText("note", "回访情况（谁接听、说了什么）", note, min, 1000); err != nil {
				return err
			}
			if in.Unreachable {
				outcome = "无法回访"
			} else if !w.HasEvaluator {
				return invalid("unreachable", "评价人匿名且未留联系方式：请勾选“无法回访”并写明原因")
			} else {
				outcome = "已回访"
			}
		case ActExtend:
			if note, err = checkText("reason", "延期理由", in.Reason, 4, 500); err != nil {
				return err
			}
			st, err := s.settings(ctx, tx, w.OrgPath)
			if err != nil {
				return err
			}
			due, err := calendar.ParseDate(w.RectifyDue)
			if err != nil {
				return err
			}
			nd, err := s.cal.AddWorkdays(ctx, w.OrgPath, due, st.ExtensionDays)
			if err != nil {
				return err
			}
			set["extended"], set["rectify_due"] = true, nd.Format(calendar.DateLayout)
			note += "（延至 " + nd.Format(calendar.DateLayout) + "）"
		case ActReply:
			result, err := checkText("result", "整改结果", in.Result, 4, 1000)
			if err != nil {
				return err
			}
			expl := strings.TrimSpace(in.Explanation)
			if in.NoBasis {
				if expl, err = checkText("explanation", "书面解释（诉求无法律依据时必填）", expl, 10, 2000); err != nil {
					return err
				}
			}
			sum, err := checkText("summary", "公开摘要（问题和整改，一句话）", in.Summary, 6, 100)
			if err != nil {
				return err
			}
			if digitsRun.MatchString(sum) {
				return invalid("summary", "公开摘要不得含电话、证件号等数字，也不写姓名")
			}
			set["result"], set["no_basis"], set["explanation"], set["public_summary"] = result, in.NoBasis, expl, sum
			note = result
			body := fmt.Sprintf("您对“%s”的差评已整改：%s。", w.What, result)
			if in.NoBasis {
				body += "书面解释：" + expl + "。"
			}
			if w.Target == "case" {
				body += "欢迎再次评价：" + s.base() + s.RatePath("c", w.Serial, casework.ChannelSMS)
			}
			tell = []string{"差评整改结果", body}
		case ActSpotCheck:
			outcome = strings.TrimSpace(in.Outcome)
			ok := false
			for _, o := range SpotOutcomes {
				ok = ok || o == outcome
			}
			if !ok {
				return invalid("outcome", "抽查结果应为：%s", strings.Join(SpotOutcomes, "、"))
			}
			if note, err = checkText("note", "抽查情况", note, 0, 500); err != nil {
				return err
			}
		case ActClose:
			if note, err = checkText("reason", "结案说明（如评价人未追评）", in.Reason, 4, 500); err != nil {
				return err
			}
			set["closed_on"] = calendar.Date(now).Format(calendar.DateLayout)
		}
		status := w.Status
		if r.to != "" {
			status = r.to
		}
		q := "UPDATE rectifications SET status = ?, version = version + 1, updated_at = ?"
		args := []any{status, db.Millis(now)}
		for _, k := range []string{"cleared_reason", "closed_on", "owner_id", "owner_path", "extended", "rectify_due", "result", "no_basis", "explanation", "public_summary"} {
			if v, ok := set[k]; ok {
				q += ", " + k + " = ?"
				args = append(args, v)
			}
		}
		res, err := tx.Exec(ctx, q+" WHERE id = ? AND version = ?", append(args, w.ID, w.Version)...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return zwfw.Errorf(zwfw.ECONFLICT, "工单 %s 已被他人处理，请刷新后重试", number)
		}
		if err := s.event(ctx, tx, w.ID, actor, action, note, outcome, now); err != nil {
			return err
		}
		if err := audit.RecordFor(ctx, tx, w.OrgID, now, actor, "review."+action, "rectification:"+number,
			map[string]any{"from": w.Status, "to": status, "note": note, "outcome": outcome}); err != nil {
			return err
		}
		if tell != nil && w.Evaluator != 0 {
			n := notify.Note{UserID: w.Evaluator, Subject: tell[0], Body: tell[1], CaseSerial: w.Serial}
			n.Phone = phoneOf(ctx, tx, w.Evaluator)
			if err := notify.Enqueue(ctx, tx, now, n); err != nil {
				return err
			}
		}
		if action == ActAssign {
			return s.tellOwner(ctx, tx, set["owner_id"].(int64), w, now)
		}
		if action == ActValidate {
			return s.tellOwner(ctx, tx, w.OwnerID, w, now)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, number)
}

// tellOwner tells the staff of the owner a work order is theirs.
func (s *Service) tellOwner(ctx context.Context, tx *db.Tx, owner int64, w *WorkOrder, now time.Time) error {
	ids, err := ownerStaff(ctx, tx, owner)
	if err != nil {
		return err
	}
	var notes []notify.Note
	for _, u := range ids {
		notes = append(notes, notify.Note{UserID: u, Subject: "差评整改工单", CaseSerial: w.Serial,
			Body: fmt.Sprintf("差评整改工单 %s（%s）由您单位负责：请于 %s 前回访评价人，%s 前完成整改。", w.Number, w.What, w.CallbackDue, w.RectifyDue)})
	}
	return notify.EnqueueAll(ctx, tx, now, notes)
}

// ownerStaff are the active staff of a window or department.
func ownerStaff(ctx context.Context, q db.Querier, owner int64) ([]int64, error) {
	rows, err := q.Query(ctx, `SELECT id FROM users WHERE active = ? AND kind = 'staff' AND (window_id = ? OR org_id = ?) ORDER BY id`, true, owner, owner)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// ---- warnings ----

// Duties is the work orders as a source of duty warnings (附件2（九）2:
// 预警, 红牌): the open ones with their current step's deadline.
type Duties struct{ s *Service }

// Duties returns the warning source of the work orders.
func (s *Service) Duties() *Duties { return &Duties{s} }

// Kind names the source.
func (Duties) Kind() string { return "rectification" }

// Name is its Chinese name.
func (Duties) Name() string { return "差评整改" }

// Open lists the open work orders with a deadline.
func (d *Duties) Open(ctx context.Context, q db.Querier) ([]supervision.Duty, error) {
	rows, err := q.Query(ctx, "SELECT "+woCols+woFrom+" WHERE r.status IN (?, ?, ?) ORDER BY r.id", StReview, StCallback, StRectify)
	if err != nil {
		return nil, err
	}
	var ws []*WorkOrder
	for rows.Next() {
		w, err := scanWO(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		ws = append(ws, w)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []supervision.Duty
	for _, w := range ws {
		start, err1 := calendar.ParseDate(w.OpenedOn)
		due, err2 := calendar.ParseDate(w.Due())
		if err1 != nil || err2 != nil {
			continue
		}
		owners, err := ownerStaff(ctx, q, w.OwnerID)
		if err != nil {
			return nil, err
		}
		out = append(out, supervision.Duty{Ref: w.ID, Number: w.Number, Title: StatusNames[w.Status] + "：" + w.What,
			Link: "/work/rectifications/" + w.Number, OrgPath: w.OrgPath, DeptPath: w.OwnerPath, Start: start, Deadline: due, Owners: owners})
	}
	return out, nil
}
