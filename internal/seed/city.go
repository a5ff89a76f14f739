package seed

import (
	"context"
	"fmt"
	"strings"

	"zwfw"
	"zwfw/internal/account/ident"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/org"
)

// The city platform's own seed (issue 14 item 5): on a platform started
// with ZWFW_ROLE=city, 安康市 gets departments of its own beside the
// county's tree (which stays: the city's database keeps 宁陕县 for the
// cases and catalogs it exchanges), each implementing some items with the
// SAME 基本编码 as the county's (实施方案 §2(2) "统一事项、统一标准、同一编码"),
// so that an 上报件 forwarded from 宁陕县 resolves to the city's own item
// (catalog.Resolve: the nearest implementation) and the city's published
// catalog (catalog.CityCatalog) has items of its own.

// CityDept is one department of the city with the county items it
// implements at the city level.
type CityDept struct {
	Code     string
	Name     string // the short name: the same as the county's department (catalog.AdoptDept matches on it)
	FullName string
	Phone    string
	// Reviewer is the department's post and person the items' review and
	// decision steps name (附件2（三）7: every step names its person).
	Post, Person string
	Items        []string // 基本编码 of the county's items the department implements
}

// CityDepts are the city's departments. The short names are the county's
// (610923D01 市场监管局 …) so catalog.AdoptDept and the city's cross-county
// grouping pair them; 取水许可 (010700100000), the seeded 上报件 whose
// upper body is 安康市水利局, is implemented by the city's 水利局.
var CityDepts = []CityDept{
	{"610900D01", "市场监管局", "安康市市场监督管理局", "0915-3218001", "行政审批科科长", "韦俊峰", []string{"010100300000"}},
	{"610900D02", "民政局", "安康市民政局", "0915-3218002", "社会组织管理科科长", "柯玉梅", []string{"010200600000"}},
	{"610900D04", "住建局", "安康市住房和城乡建设局", "0915-3218004", "房地产市场监管科科长", "詹永平", []string{"010400200000"}},
	{"610900D07", "水利局", "安康市水利局", "0915-3218007", "水资源科", "钱志远", []string{"010700100000", "010700200000"}},
	{"610900D17", "发改局", "安康市发展和改革委员会", "0915-3218017", "投资科科长", "田晓东", []string{"101700100000"}},
}

// cityCreditCode is a department's unified social credit code (GB 32100:
// 11 机关, the city's division, a GB 11714 organisation code, the check
// character).
func cityCreditCode(i int) string {
	body := fmt.Sprintf("MB%06d", 9001+i)
	first := "11" + RootCode + body + string(ident.OrgCodeCheck(body))
	return first + string(ident.CreditCheckChar(first))
}

// seedCity adds the city's departments and their items, once (flag
// seed.city), on a city platform only. A city that made some of them
// itself before this seed existed keeps what it made: a department of the
// same code is used as it is (or, not a department of the city, left with
// no items), an item it already implements is not added again.
func seedCity(ctx context.Context, d Deps) error {
	if !d.City {
		return nil
	}
	if done, err := Done(ctx, d.DB, "seed.city"); err != nil || done {
		return err
	}
	county, err := d.Orgs.ByCode(ctx, CountyCode)
	if zwfw.ErrorCode(err) == zwfw.ENOTFOUND {
		return nil // no county tree to take the items from
	} else if err != nil {
		return err
	}
	// The county's items the city implements, as the county sees them (the
	// city may share the code already).
	items := map[string][]*catalog.Item{}
	for _, cd := range CityDepts {
		for _, code := range cd.Items {
			it, err := d.Catalog.Resolve(ctx, code, county.Path)
			if err != nil {
				return fmt.Errorf("county item %s: %w", code, err)
			}
			items[cd.Code] = append(items[cd.Code], cityItem(it, cd))
		}
	}
	n := 0
	err = d.DB.InTx(ctx, func(tx *db.Tx) error {
		ok, err := claim(ctx, tx, "seed.city", d.Now())
		if err != nil || !ok {
			return err
		}
		var add []*catalog.Item
		for i, cd := range CityDepts {
			credit := cityCreditCode(i)
			o, err := org.Lookup(ctx, tx, cd.Code)
			switch {
			case err == nil && (o.Kind != org.KindDept || o.ParentCode != RootCode):
				continue
			case err == nil:
				if o.CreditCode != "" {
					credit = o.CreditCode
				}
			case zwfw.ErrorCode(err) == zwfw.ENOTFOUND:
				_, err := d.Orgs.CreateTx(ctx, tx, zwfw.System, org.Input{Code: cd.Code, ParentCode: RootCode, Kind: org.KindDept,
					Name: cd.Name, FullName: cd.FullName, Sort: i + 1, CreditCode: credit, Phone: cd.Phone,
					Address: "安康市政务服务中心", Hours: "周一至周五 上午8:30—12:00，下午14:30—18:00（法定节假日除外）"})
				if err != nil {
					return fmt.Errorf("%s %s: %w", cd.Code, cd.FullName, err)
				}
			default:
				return err
			}
			for _, it := range items[cd.Code] {
				var have int
				if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM items i JOIN orgs d ON d.id = i.dept_id WHERE i.code = ? AND d.code = ?",
					it.Code, cd.Code).Scan(&have); err != nil {
					return err
				}
				if have == 0 {
					it.ImplCode = ImplCode(it.Code, RootCode, credit)
					add = append(add, it)
				}
			}
		}
		if len(add) == 0 {
			return nil
		}
		res, err := d.Catalog.ImportTx(ctx, tx, zwfw.System, add, nil, "安康市政务服务事项实施清单（市级）")
		if err != nil {
			return err
		}
		n = res.Created
		return nil
	})
	if err == nil && n > 0 {
		d.Log.Info("seeded the city's departments and items", "departments", len(CityDepts), "items", n)
	}
	return err
}

// cityItem is the city department's implementation of the county's item:
// the same city-wide elements (name, type, basis, conditions, materials,
// limits, fees — a county pulling the city's catalog finds them unchanged),
// the city's own department, place and phones. An 上报件 at the county is
// decided at the city: a 承诺件 here, with no upper body.
func cityItem(county *catalog.Item, cd CityDept) *catalog.Item {
	it := *county
	it.Dept, it.ImplCode, it.ImplBody, it.CoDepts, it.UpperBody = cd.Code, "", "", nil, ""
	if it.Kind == catalog.KindUpward {
		it.Kind = catalog.KindPromised
	}
	it.Place, it.ConsultPhone = "安康市政务服务中心", cd.Phone
	it.ComplaintPhone = "0915-12345"
	// The same steps and limits, the city's people: the first and the last
	// at the city centre's window (city.window), the others at the
	// department; the county's steps of an 上报件 (初审上报, 市级审批) are
	// the city's review and decision.
	it.Steps = make([]catalog.Step, len(county.Steps))
	for i, st := range county.Steps {
		st.Note = ""
		switch {
		case i == 0 || (i == len(county.Steps)-1 && strings.Contains(st.Post, "窗口")):
			st.Post, st.Person, st.Phone = "市政务服务中心县区上报件受理窗口", "赵敏", "0915-3268888"
		default:
			st.Post, st.Person, st.Phone = cd.Post, cd.Person, cd.Phone
		}
		switch st.Name {
		case "初审上报":
			st.Name = "审查"
		case "市级审批":
			st.Name = "决定"
		}
		it.Steps[i] = st
	}
	it.Materials = append([]catalog.Material(nil), county.Materials...)
	it.Status, it.Version = "", 0
	it.LimitNote = strings.ReplaceAll(it.LimitNote, "宁陕县", "安康市")
	return &it
}
