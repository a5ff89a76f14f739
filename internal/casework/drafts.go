package casework

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/pii"
)

// Draft is an online application saved before it is submitted (UX.md:
// 阅读须知 ▸ 填写信息 ▸ 上传材料, over several sittings). It is not a case
// yet: no serial number, nobody but the applicant sees it.
type Draft struct {
	ID        int64           `json:"id"`
	ItemCode  string          `json:"item_code"`
	ItemName  string          `json:"item_name"`
	OrgCode   string          `json:"org_code"`
	Form      Form            `json:"form"`
	Materials []MaterialInput `json:"materials"`
	UpdatedAt time.Time       `json:"updated_at"`
	// ProjectCode is the investment project's code typed so far (project.go).
	ProjectCode string `json:"project_code,omitempty"`
}

func applicantOnly(actor *zwfw.Actor) error {
	if actor == nil {
		return zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	if actor.Kind != zwfw.KindPerson && actor.Kind != zwfw.KindEnterprise {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有申请人可以保存申请草稿")
	}
	return nil
}

// SaveDraft stores a draft (id 0: a new one) and returns it. The item must
// exist and take applications; materials may still be missing, but any file
// named must be the applicant's own upload.
func (s *Service) SaveDraft(ctx context.Context, actor *zwfw.Actor, id int64, in ApplyInput) (*Draft, error) {
	if err := applicantOnly(actor); err != nil {
		return nil, err
	}
	in.ItemCode, in.OrgCode = strings.TrimSpace(in.ItemCode), strings.TrimSpace(in.OrgCode)
	cur, err := s.catalog.Resolve(ctx, in.ItemCode, s.filingWithin(ctx, actor, in.OrgCode))
	if catalog.ErrNotFound(err) {
		return nil, invalid("item_code", "事项 %s 不存在", in.ItemCode)
	}
	if err != nil {
		return nil, err
	}
	it, err := s.itemVersion(ctx, cur.ImplCode, "", cur.Version)
	if err != nil {
		return nil, err
	}
	if it.Cancelled() {
		return nil, zwfw.Errorf(zwfw.ECONFLICT, "事项“%s”已取消，不再受理新的申请", it.Name)
	}
	var probs zwfw.Invalid
	checkForm(&in.Form, &probs, false)
	if err := probs.Err(); err != nil {
		return nil, err
	}
	if err := s.draftFormData(ctx, it, &in.Form); err != nil {
		return nil, err
	}
	if _, err := s.materials(ctx, s.db.Reader(), actor, it, in.Materials, false, ""); err != nil {
		return nil, err
	}
	b, _ := json.Marshal(in.Form)
	form := pii.Of(s.db).Seal(pii.DraftForm.Label(), string(b)) // 联系地址 and the fields are personal data
	mats, _ := json.Marshal(in.Materials)
	// A draft keeps the project code as typed: it is checked on submission.
	project := strings.TrimSpace(in.ProjectCode)
	if len([]rune(project)) > 40 {
		return nil, invalid("project_code", "项目代码过长")
	}
	now := db.Millis(s.now())
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if id == 0 {
			var n int
			if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM drafts WHERE user_id = ?", actor.UserID).Scan(&n); err != nil {
				return err
			}
			if n >= 50 {
				return zwfw.Errorf(zwfw.ECONFLICT, "草稿已有 %d 份，请先提交或删除不需要的草稿", n)
			}
			id, err = db.InsertID(ctx, tx, `INSERT INTO drafts (user_id, item_code, org_code, form, materials, created_at, updated_at, project_code)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, actor.UserID, in.ItemCode, in.OrgCode, form, string(mats), now, now, project)
			return err
		}
		res, err := tx.Exec(ctx, "UPDATE drafts SET item_code = ?, org_code = ?, form = ?, materials = ?, updated_at = ?, project_code = ? WHERE id = ? AND user_id = ?",
			in.ItemCode, in.OrgCode, form, string(mats), now, project, id, actor.UserID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return zwfw.Errorf(zwfw.ENOTFOUND, "草稿不存在")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Draft(ctx, actor, id)
}

// Drafts lists the applicant's drafts, newest first.
func (s *Service) Drafts(ctx context.Context, actor *zwfw.Actor) ([]Draft, error) {
	if err := applicantOnly(actor); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT d.id, d.item_code, COALESCE((SELECT MIN(i.name) FROM items i WHERE i.code = d.item_code OR i.impl_code = d.item_code), ''), d.org_code, d.form, d.materials, d.updated_at, d.project_code
		FROM drafts d WHERE d.user_id = ? ORDER BY d.updated_at DESC`, actor.UserID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Draft
	for rows.Next() {
		d, err := scanDraft(pii.Of(s.db), rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *d)
	}
	return out, rows.Err()
}

func scanDraft(r *pii.Ring, row interface{ Scan(...any) error }) (*Draft, error) {
	var d Draft
	var form, mats string
	var at int64
	if err := row.Scan(&d.ID, &d.ItemCode, &d.ItemName, &d.OrgCode, &form, &mats, &at, &d.ProjectCode); err != nil {
		return nil, err
	}
	form, err := r.Open(pii.DraftForm.Label(), form)
	if err != nil {
		return nil, err
	}
	_ = json.Unmarshal([]byte(form), &d.Form)
	_ = json.Unmarshal([]byte(mats), &d.Materials)
	d.UpdatedAt = db.Time(at)
	return &d, nil
}

// Draft returns one of the applicant's drafts.
func (s *Service) Draft(ctx context.Context, actor *zwfw.Actor, id int64) (*Draft, error) {
	if err := applicantOnly(actor); err != nil {
		return nil, err
	}
	d, err := scanDraft(pii.Of(s.db), s.db.QueryRow(ctx, `SELECT d.id, d.item_code, COALESCE((SELECT MIN(i.name) FROM items i WHERE i.code = d.item_code OR i.impl_code = d.item_code), ''), d.org_code, d.form, d.materials, d.updated_at, d.project_code
		FROM drafts d WHERE d.id = ? AND d.user_id = ?`, id, actor.UserID))
	if err != nil {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "草稿不存在")
	}
	return d, nil
}

// DeleteDraft removes one of the applicant's drafts.
func (s *Service) DeleteDraft(ctx context.Context, actor *zwfw.Actor, id int64) error {
	if err := applicantOnly(actor); err != nil {
		return err
	}
	res, err := s.db.Exec(ctx, "DELETE FROM drafts WHERE id = ? AND user_id = ?", id, actor.UserID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return zwfw.Errorf(zwfw.ENOTFOUND, "草稿不存在")
	}
	return nil
}

// SubmitDraft files the draft as a case and removes the draft.
func (s *Service) SubmitDraft(ctx context.Context, actor *zwfw.Actor, id int64) (*Case, error) {
	d, err := s.Draft(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	c, err := s.Apply(ctx, actor, ApplyInput{ItemCode: d.ItemCode, OrgCode: d.OrgCode, Form: d.Form, Materials: d.Materials, ProjectCode: d.ProjectCode})
	if err != nil {
		return nil, err
	}
	if err := s.DeleteDraft(ctx, actor, id); err != nil {
		return c, fmt.Errorf("casework: case %s filed, draft %d not removed: %w", c.Serial, id, err)
	}
	return c, nil
}
