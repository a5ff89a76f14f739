package catalog

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"zwfw"
	"zwfw/internal/db"
	"zwfw/internal/org"
	"zwfw/internal/scope"
)

// The city publishes the catalog, counties pull it (issue 14 item 4;
// 实施方案 §2(2) "统一事项、统一标准、同一编码"): the city's departments' items
// carry the city-wide standard elements of each 基本编码 — name, type, legal
// basis, statutory and promised limits, materials, conditions and the fees'
// basis. A county applies them to its own implementation of the same code
// and keeps its local elements (实施编码, department, place, phones,
// windows, steps, its promised limit, which must stay within the city's).

// CityItem is one item of the city's published catalog: its city-wide
// elements and the city department that implements it.
type CityItem struct {
	Code              string     `json:"code"`
	Name              string     `json:"name"`
	Type              string     `json:"type"`
	Kind              string     `json:"kind"`
	DeptCode          string     `json:"dept_code"`
	DeptName          string     `json:"dept_name"` // the department's short name (市场监管局): see AdoptDept
	Basis             []Basis    `json:"basis"`
	Conditions        string     `json:"conditions"`
	Materials         []Material `json:"materials"`
	LegalLimitDays    int        `json:"legal_limit_days"`
	PromisedLimitDays int        `json:"promised_limit_days"`
	Fees              []Fee      `json:"fees"`
	Version           int        `json:"version"` // the city item's version
}

// CityCatalog is the catalog a city publishes.
type CityCatalog struct {
	Platform string     `json:"platform"` // the city's code
	Name     string     `json:"name"`
	Version  string     `json:"version"` // a digest of the items: the same items, the same version
	Items    []CityItem `json:"items"`
}

// CityCatalog returns the catalog the city cityCode publishes: the items in
// force of the departments directly under the city, in code order.
func (s *Service) CityCatalog(ctx context.Context, cityCode, name string) (*CityCatalog, error) {
	city, err := s.orgs.ByCode(ctx, cityCode)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT i.doc, d.code, d.name FROM items i JOIN orgs d ON d.id = i.dept_id
		WHERE d.parent_id = ? AND d.kind = 'dept' AND i.status = 'active' ORDER BY i.code, d.code`, city.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := &CityCatalog{Platform: cityCode, Name: name, Items: []CityItem{}}
	for rows.Next() {
		var doc string
		var ci CityItem
		if err := rows.Scan(&doc, &ci.DeptCode, &ci.DeptName); err != nil {
			return nil, err
		}
		var it Item
		if err := json.Unmarshal([]byte(doc), &it); err != nil {
			return nil, err
		}
		ci.Code, ci.Name, ci.Type, ci.Kind, ci.Version = it.Code, it.Name, it.Type, it.Kind, it.Version
		ci.Basis, ci.Conditions, ci.LegalLimitDays, ci.PromisedLimitDays, ci.Fees = it.Basis, it.Conditions, it.LegalLimitDays, it.PromisedLimitDays, it.Fees
		for _, m := range it.Materials {
			// The city's attachments are the city's files: a county keeps its own.
			m.BlankForm, m.Sample, m.GuideFile = nil, nil, nil
			ci.Materials = append(ci.Materials, m)
		}
		out.Items = append(out.Items, ci)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	b, err := json.Marshal(out.Items)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	out.Version = hex.EncodeToString(sum[:12])
	return out, nil
}

// CityReason is the change log's reason of an update from the city's catalog.
const CityReason = "市级目录同步"

// CitySync is what applying a city's catalog did in one county.
type CitySync struct {
	Version   string         `json:"version"`
	Updated   []CityOutcome  `json:"updated"`   // a new version of the county's item
	Unchanged int            `json:"unchanged"` // already as the city says
	Refused   []CityOutcome  `json:"refused"`   // flagged: not applied, with why
	Adopt     []CityAdoption `json:"adopt"`     // the city's items the county does not implement yet
}

// CityOutcome is one county item's result.
type CityOutcome struct {
	Code     string   `json:"code"`
	ImplCode string   `json:"impl_code"`
	Name     string   `json:"name"`
	Version  int      `json:"version,omitempty"`
	Changed  []string `json:"changed,omitempty"`
	Message  string   `json:"message,omitempty"`
}

// CityAdoption is an item of the city the county may adopt, with the
// county department it maps onto (AdoptDept; empty: none found, the
// administrator chooses).
type CityAdoption struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	CityDept string `json:"city_dept"`
	Dept     string `json:"dept,omitempty"`
	DeptName string `json:"dept_name,omitempty"`
	// Item is the city's item, for the draft of the county's (Adopt).
	Item *CityItem `json:"item,omitempty"`
}

// Adopt is the draft of the county's own item for a city item it does not
// implement yet: the city-wide elements and the department AdoptDept found
// ("" when none), at county level. The administrator adds the 实施编码,
// place, phones, windows and steps and saves it as a new item (新设): a
// pull never creates one.
func (ci *CityItem) Adopt(dept string) *Item {
	it := &Item{Code: ci.Code, Name: ci.Name, Type: ci.Type, Kind: ci.Kind, Dept: dept, Levels: []string{LevelCounty},
		Basis: ci.Basis, Conditions: ci.Conditions, LegalLimitDays: ci.LegalLimitDays, PromisedLimitDays: ci.PromisedLimitDays,
		Fees: ci.Fees, Visits: 1, ResultType: "证照"}
	it.Materials = append(it.Materials, ci.Materials...)
	return it
}

// MayPull says whether the actor may apply the city's catalog to county:
// catalog administrators (and administrators) of the county, and the system.
func MayPull(actor *zwfw.Actor, county *org.Org) error {
	if err := MayMaintain(actor); err != nil {
		return err
	}
	if county == nil || !actor.InScope(county.Path) {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有本县的事项管理员可以同步市级目录")
	}
	return nil
}

// ApplyCity applies the city's catalog to the county countyCode's items:
// each county item with a 基本编码 of the city's gets the city-wide
// elements (a new version, reason 市级目录同步, in the change log) unless its
// promised limit is longer than the city's (the city's promised limit, or
// its statutory limit when it promises none): then it is refused and
// flagged, and nothing of it changes. Items the county does not implement
// are listed for adoption, never created. Each item is applied in its own
// transaction: one refused item does not hold back the others.
func (s *Service) ApplyCity(ctx context.Context, actor *zwfw.Actor, cc *CityCatalog, countyCode string) (*CitySync, error) {
	county, err := s.orgs.ByCode(ctx, countyCode)
	if err != nil {
		return nil, err
	}
	if err := MayPull(actor, county); err != nil {
		return nil, err
	}
	res := &CitySync{Version: cc.Version, Updated: []CityOutcome{}, Refused: []CityOutcome{}, Adopt: []CityAdoption{}}
	for i := range cc.Items {
		ci := &cc.Items[i]
		ids, err := s.countyItems(ctx, ci.Code, county.Path)
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			a := CityAdoption{Code: ci.Code, Name: ci.Name, CityDept: ci.DeptName, Item: ci}
			if d, err := s.AdoptDept(ctx, county, ci.DeptName); err != nil {
				return nil, err
			} else if d != nil {
				a.Dept, a.DeptName = d.Code, d.DisplayName()
			}
			res.Adopt = append(res.Adopt, a)
			continue
		}
		for _, id := range ids {
			if err := s.applyCityItem(ctx, actor, ci, id, res); err != nil {
				return nil, err
			}
		}
	}
	return res, nil
}

func (s *Service) applyCityItem(ctx context.Context, actor *zwfw.Actor, ci *CityItem, id int64, res *CitySync) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		var doc string
		if err := tx.QueryRow(ctx, "SELECT doc FROM items WHERE id = ?", id).Scan(&doc); err != nil {
			return err
		}
		var cur Item
		if err := json.Unmarshal([]byte(doc), &cur); err != nil {
			return err
		}
		out := CityOutcome{Code: cur.Code, ImplCode: cur.ImplCode, Name: cur.Name, Version: cur.Version}
		if cur.Cancelled() {
			return nil
		}
		limit, what := ci.PromisedLimitDays, "承诺办结时限"
		if limit == 0 {
			limit, what = ci.LegalLimitDays, "法定办结时限"
		}
		if limit > 0 && cur.PromisedLimitDays > limit {
			out.Message = fmt.Sprintf("本县承诺办结时限 %d 个工作日超过市级%s %d 个工作日：请先压缩承诺时限，未同步", cur.PromisedLimitDays, what, limit)
			res.Refused = append(res.Refused, out)
			return nil
		}
		next := cur
		next.Name, next.Type, next.Basis, next.Conditions, next.LegalLimitDays, next.Fees = ci.Name, ci.Type, ci.Basis, ci.Conditions, ci.LegalLimitDays, ci.Fees
		next.Materials = make([]Material, len(ci.Materials))
		for i, m := range ci.Materials {
			for _, own := range cur.Materials { // the county's own forms and samples stay
				if own.Name == m.Name {
					m.BlankForm, m.Sample, m.GuideFile = own.BlankForm, own.Sample, own.GuideFile
				}
			}
			next.Materials[i] = m
		}
		changed := Diff(&cur, &next)
		if len(changed) == 0 {
			res.Unchanged++
			return nil
		}
		var up *Item
		err := tx.Savepoint(ctx, func() error {
			var err error
			up, err = s.update(ctx, tx, s.refs(ctx, tx), actor, cur.ImplCode, &next, CityReason+"（目录版本 "+res.Version+"）", cur.Version)
			return err
		})
		if err != nil {
			var e *zwfw.Error
			if !errors.As(err, &e) {
				return err
			}
			out.Message = "未同步：" + zwfw.ErrorMessage(err)
			res.Refused = append(res.Refused, out)
			return nil
		}
		out.Version, out.Changed = up.Version, changed
		res.Updated = append(res.Updated, out)
		return nil
	})
}

// countyItems are the ids of the items with code of departments in the
// county's subtree (the county's, its towns').
func (s *Service) countyItems(ctx context.Context, code, countyPath string) ([]int64, error) {
	in, args := scope.Subtree(countyPath).Cond("d.path")
	rows, err := s.db.Query(ctx, `SELECT i.id FROM items i JOIN orgs d ON d.id = i.dept_id WHERE i.code = ? AND `+in+` ORDER BY d.path`,
		append([]any{code}, args...)...)
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

// AdoptDept is the county department an item of the city's department
// named cityDept maps onto: the county's own department (directly under
// the county) with the same short name — 安康市市场监管局's items go to
// 宁陕县's 市场监管局 —, or nil when the county has none by that name (the
// administrator then chooses).
func (s *Service) AdoptDept(ctx context.Context, county *org.Org, cityDept string) (*org.Org, error) {
	var code string
	err := s.db.QueryRow(ctx, "SELECT code FROM orgs WHERE parent_id = ? AND kind = 'dept' AND name = ? ORDER BY sort, code",
		county.ID, strings.TrimSpace(cityDept)).Scan(&code)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.orgs.ByCode(ctx, code)
}
