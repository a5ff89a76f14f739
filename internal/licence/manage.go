package licence

// Revocation (吊销), suspension (暂停), resumption (恢复) and change (变更:
// a new version with a new identifier, the old one superseded), each with a
// reason, decided by May, written in one transaction with its event and
// audit entry. Expiry needs no action: the status is read against the
// clock (Licence.effective).

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/db"
)

// ActInput is what an action on a licence takes.
type ActInput struct {
	Reason string `json:"reason"`
	// Change: the new number (default: the old one), the new validity
	// (YYYY-MM-DD, "长期", or "" to keep) and field values by label.
	Number  string            `json:"number,omitempty"`
	ValidTo string            `json:"valid_to,omitempty"`
	Fields  map[string]string `json:"fields,omitempty"`
}

var dateRE = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

func invalid(field, msg string) error {
	return &zwfw.Error{Code: zwfw.EINVALID, Message: msg, Details: []zwfw.ErrorDetail{{Field: field, Message: msg}}}
}

// Act takes action (revoke, suspend, resume, change) on the licence with
// identifier and returns it as it now stands — for a change, the new
// version.
func (s *Service) Act(ctx context.Context, actor *zwfw.Actor, identifier, action string, in ActInput) (*Licence, error) {
	identifier = strings.ToUpper(strings.TrimSpace(identifier))
	if actor == nil {
		return nil, zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	if actionNames[action] == "" || action == "issue" {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "没有“%s”这一证照操作（revoke 吊销、suspend 暂停、resume 恢复、change 变更）", action)
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if n := utf8.RuneCountInString(in.Reason); n < 2 || n > 500 {
		return nil, invalid("reason", "请写明"+ActionName(action)+"的原因（2–500 字）")
	}
	var newID string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		l, err := s.byIdentifier(ctx, tx, identifier)
		if err != nil {
			return err
		}
		if !May(actor, l, ActView) {
			return notFound(identifier)
		}
		if !May(actor, l, action) {
			if !actor.HasAny(zwfw.RoleReviewer, zwfw.RoleAdmin) {
				return zwfw.Errorf(zwfw.EFORBIDDEN, "只有发证部门的审核人员或系统管理员可以%s电子证照", ActionName(action))
			}
			return zwfw.Errorf(zwfw.ECONFLICT, "电子证照 %s 当前状态为“%s”，不能%s", identifier, l.StatusText(), ActionName(action))
		}
		now := s.now()
		switch action {
		case ActRevoke, ActSuspend:
			to := Revoked
			if action == ActSuspend {
				to = Suspended
			}
			if err := s.setStatus(ctx, tx, l, to, in.Reason, "", now); err != nil {
				return err
			}
		case ActResume:
			if err := s.setStatus(ctx, tx, l, Valid, "", "", now); err != nil {
				return err
			}
		case ActChange:
			d, err := changed(l, in)
			if err != nil {
				return err
			}
			var seq int64
			if err := tx.QueryRow(ctx, "SELECT sequence FROM licences WHERE id = ?", l.ID).Scan(&seq); err != nil {
				return err
			}
			iss := &issuer{id: l.IssuerID, path: l.IssuerPath, name: l.Issuer, code: l.IssuerCode}
			if err := s.write(ctx, tx, d, seq, iss, l.CaseID, actor, now, ActChange, in.Reason); err != nil {
				return err
			}
			if err := s.setStatus(ctx, tx, l, Superseded, in.Reason, d.Identifier, now); err != nil {
				return err
			}
			newID = d.Identifier
		}
		if err := event(ctx, tx, l.ID, action, in.Reason, actor, now); err != nil {
			return err
		}
		detail := map[string]any{"reason": in.Reason, "from": l.Status}
		if newID != "" {
			detail["new"] = newID
		}
		return audit.RecordFor(ctx, tx, l.IssuerID, now, actor, "licence."+action, "licence:"+identifier, detail)
	})
	if err != nil {
		return nil, err
	}
	if newID != "" {
		identifier = newID
	}
	return s.Get(ctx, actor, identifier)
}

// setStatus moves a licence from the status it was read in, or fails as a
// conflict when someone else moved it meanwhile.
func (s *Service) setStatus(ctx context.Context, tx *db.Tx, l *Licence, to, reason, replacedBy string, now time.Time) error {
	res, err := tx.Exec(ctx, "UPDATE licences SET status = ?, reason = ?, replaced_by = ?, status_at = ? WHERE id = ? AND status = ?",
		to, reason, replacedBy, db.Millis(now), l.ID, l.stored)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return zwfw.Errorf(zwfw.ECONFLICT, "电子证照 %s 已被他人处理，请刷新后重试", l.Identifier)
	}
	return nil
}

// changed is the next version of l with the changes in.
func changed(l *Licence, in ActInput) (*Doc, error) {
	var d Doc
	if err := json.Unmarshal(l.Data, &d); err != nil {
		return nil, err
	}
	id, err := Parse(l.Identifier)
	if err != nil {
		return nil, err
	}
	if id.Version >= 999 {
		return nil, zwfw.Errorf(zwfw.ECONFLICT, "电子证照 %s 的版本号已到 999，不能再变更", l.Identifier)
	}
	id.Version++
	d.Identifier, d.Version, d.Replaces = id.String(), id.Version, l.Identifier
	if n := strings.TrimSpace(in.Number); n != "" {
		if utf8.RuneCountInString(n) > 64 {
			return nil, invalid("number", "证照编号不超过 64 个字")
		}
		d.Number = n
	}
	switch v := strings.TrimSpace(in.ValidTo); v {
	case "":
	case "长期":
		d.ValidTo = ""
	default:
		if !dateRE.MatchString(v) || v < d.IssueDate {
			return nil, invalid("valid_to", "有效期至应为 YYYY-MM-DD（不早于发证日期）或“长期”")
		}
		d.ValidTo = v
	}
	for label, v := range in.Fields {
		i := -1
		for j, f := range d.Fields {
			if f.Label == label {
				i = j
			}
		}
		if i < 0 {
			return nil, invalid("fields", "证照没有“"+label+"”这一项")
		}
		v = strings.TrimSpace(v)
		if utf8.RuneCountInString(v) > 500 {
			return nil, invalid("fields", "“"+label+"”不超过 500 字")
		}
		d.Fields[i].Value = v
	}
	// The face shows number and validity too: keep them in step.
	for i, f := range d.Fields {
		switch {
		case f.Value == l.Number && d.Number != l.Number:
			d.Fields[i].Value = d.Number
		case f.Value == l.ValidTo && l.ValidTo != "" && d.ValidTo != l.ValidTo:
			d.Fields[i].Value = orLong(d.ValidTo)
		case f.Value == "长期" && l.ValidTo == "" && d.ValidTo != "":
			d.Fields[i].Value = d.ValidTo
		}
	}
	return &d, nil
}

func orLong(v string) string {
	if v == "" {
		return "长期"
	}
	return v
}
