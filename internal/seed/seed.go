// Package seed puts the county into a new database: the organisation tree of
// 宁陕县 and its service-item catalog on first start, and on request the demo
// accounts a newcomer uses to click through every role. Each step runs in one
// transaction that first claims a flag in the meta table, so a step runs once
// even when several server processes start together on one PostgreSQL.
package seed

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/casework"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/files"
	"zwfw/internal/hall"
	"zwfw/internal/org"
)

//go:embed data/*.json
var data embed.FS

// Deps are the services the seed works through: it goes through the same
// validation as an administrator would.
type Deps struct {
	DB      *db.DB
	Orgs    *org.Service
	Catalog *catalog.Service
	Users   *account.Service
	Files   *files.Store
	Hall    *hall.Service
	Now     func() time.Time
	Log     *slog.Logger
	// Licences issues the electronic licences of the demo cases that
	// complete (internal/licence; nil: none).
	Licences casework.LicenceIssuer
	// City: the platform is the city's (ZWFW_ROLE=city): the city's own
	// departments, items (seedCity) and demo accounts (CityDemoAccounts)
	// are seeded too.
	City bool
}

// RootCode is the code of the root of the seeded tree (安康市), under which
// the first administrator is created.
const RootCode = "610900"

// CountyCode is the deploying county (宁陕县).
const CountyCode = "610923"

// claim inserts flag into meta inside tx; it reports false when the flag is
// already there (the step was done, or another process is doing it).
func claim(ctx context.Context, tx *db.Tx, flag string, now time.Time) (bool, error) {
	// ON CONFLICT DO NOTHING rather than catching the error: on PostgreSQL a
	// failed statement would abort the whole transaction.
	res, err := tx.Exec(ctx, "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", flag, now.Format(time.RFC3339))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Done reports whether a seed step has run.
func Done(ctx context.Context, d *db.DB, flag string) (bool, error) {
	var n int
	err := d.QueryRow(ctx, "SELECT COUNT(*) FROM meta WHERE key = ?", flag).Scan(&n)
	return n > 0, err
}

// Base records the platform's first start and seeds the organisation tree
// and the catalog when they are not there.
func Base(ctx context.Context, d Deps) error {
	if err := markStarted(ctx, d); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if err := seedOrgs(ctx, d); err != nil {
		return fmt.Errorf("seed: organisations: %w", err)
	}
	if err := seedCatalog(ctx, d); err != nil {
		return fmt.Errorf("seed: catalog: %w", err)
	}
	if err := seedCity(ctx, d); err != nil {
		return fmt.Errorf("seed: city: %w", err)
	}
	return nil
}

// markStarted records the first start: now on a new database; on one
// from before the record, when its organisations were seeded, which was
// its first start. Scheduled reports begin after it.
func markStarted(ctx context.Context, d Deps) error {
	if t, err := d.DB.Started(ctx); err != nil || !t.IsZero() {
		return err
	}
	return d.DB.InTx(ctx, func(tx *db.Tx) error {
		at := d.Now()
		var v string
		err := tx.QueryRow(ctx, "SELECT value FROM meta WHERE key = 'seed.orgs'").Scan(&v)
		switch {
		case err == nil:
			if t, perr := time.Parse(time.RFC3339, v); perr == nil {
				at = t
			}
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		return db.MarkStarted(ctx, tx, at)
	})
}

type orgNode struct {
	org.Input
	// Notice: the centre's 机关代字 and other document settings.
	Notice   *org.NoticeSettings `json:"notice,omitempty"`
	Children []orgNode           `json:"children"`
}

func seedOrgs(ctx context.Context, d Deps) error {
	if done, err := Done(ctx, d.DB, "seed.orgs"); err != nil || done {
		return err
	}
	b, err := data.ReadFile("data/orgs.json")
	if err != nil {
		return err
	}
	var root orgNode
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&root); err != nil {
		return fmt.Errorf("decode orgs.json: %w", err)
	}
	n := 0
	err = d.DB.InTx(ctx, func(tx *db.Tx) error {
		ok, err := claim(ctx, tx, "seed.orgs", d.Now())
		if err != nil || !ok {
			return err
		}
		var walk func(parent string, nodes []orgNode) error
		walk = func(parent string, nodes []orgNode) error {
			// Departments first: windows refer to them.
			sort.SliceStable(nodes, func(i, j int) bool { return nodes[i].Kind == org.KindDept && nodes[j].Kind != org.KindDept })
			for _, node := range nodes {
				node.ParentCode = parent
				o, err := d.Orgs.CreateTx(ctx, tx, zwfw.System, node.Input)
				if err != nil {
					return fmt.Errorf("%s %s: %w", node.Code, node.Name, err)
				}
				if node.Notice != nil {
					if err := node.Notice.Check(); err != nil {
						return fmt.Errorf("%s %s: %w", node.Code, node.Name, err)
					}
					if err := org.PutNoticeSettings(ctx, tx, o.ID, 0, *node.Notice, d.Now()); err != nil {
						return err
					}
				}
				n++
				if err := walk(node.Code, node.Children); err != nil {
					return err
				}
			}
			return nil
		}
		return walk("", []orgNode{root})
	})
	if err == nil && n > 0 {
		d.Log.Info("seeded organisation tree", "nodes", n)
	}
	return err
}

// template describes a form to fill in; the seed renders it into the
// material's blank form, sample and fill-in guide.
type template struct {
	Title  string `json:"title"`
	Fields []struct {
		Label  string `json:"label"`
		Sample string `json:"sample"`
	} `json:"fields"`
	Notes []string `json:"notes"`
}

type seedMaterial struct {
	catalog.Material
	Template *template `json:"template,omitempty"`
}

type seedItem struct {
	catalog.Item
	Materials []seedMaterial `json:"materials"`
}

// Items returns the seed catalog with its attachments generated and stored,
// ready to import.
func Items(ctx context.Context, d Deps) ([]*catalog.Item, error) {
	names, err := fs.Glob(data, "data/catalog-*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []*catalog.Item
	for _, name := range names {
		b, err := data.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var items []seedItem
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&items); err != nil {
			return nil, fmt.Errorf("decode %s: %w", path.Base(name), err)
		}
		for _, si := range items {
			it := si.Item
			it.Materials = nil
			for _, sm := range si.Materials {
				m := sm.Material
				if sm.Template != nil {
					if err := attachForms(ctx, d, &m, sm.Template); err != nil {
						return nil, fmt.Errorf("%s %s: %w", it.Code, m.Name, err)
					}
					// The 申请书 is filled in online (the downloads stay
					// for those who apply on paper at a window).
					if it.Form == nil {
						it.Form = formOf(sm.Template, m)
					}
				}
				it.Materials = append(it.Materials, m)
			}
			if it.ImplCode == "" {
				dept, err := d.Orgs.ByCode(ctx, it.Dept)
				if err != nil {
					return nil, fmt.Errorf("%s: department %s: %w", it.Code, it.Dept, err)
				}
				it.ImplCode = ImplCode(it.Code, CountyCode, dept.CreditCode)
			}
			out = append(out, &it)
		}
	}
	return out, nil
}

// ImplCode composes an implementation code (实施编码) the way the national
// platform does: basic code, 12-digit division, 000, the implementing body's
// unified social credit code, body nature (1 法定机关) and handling item 00.
func ImplCode(basic, division, credit string) string {
	div := division + strings.Repeat("0", max(0, 12-len(division)))
	return fmt.Sprintf("%s-%s-000-%s-1-00", basic, div, credit)
}

func seedCatalog(ctx context.Context, d Deps) error {
	if done, err := Done(ctx, d.DB, "seed.catalog"); err != nil || done {
		return err
	}
	items, err := Items(ctx, d)
	if err != nil {
		return err
	}
	var res *catalog.ImportResult
	err = d.DB.InTx(ctx, func(tx *db.Tx) error {
		ok, err := claim(ctx, tx, "seed.catalog", d.Now())
		if err != nil || !ok {
			return err
		}
		res, err = d.Catalog.ImportTx(ctx, tx, zwfw.System, items, nil, "宁陕县政务服务事项目录清单和实施清单首次发布（宁政发〔2017〕17号）")
		return err
	})
	if err != nil {
		var e *zwfw.Error
		if errors.As(err, &e) {
			for _, p := range e.Details {
				d.Log.Error("seed catalog problem", "item", p.Row, "field", p.Column, "message", p.Message)
			}
		}
		return err
	}
	if res != nil {
		d.Log.Info("seeded service-item catalog", "items", res.Created)
	}
	return nil
}

// DemoPassword is the password of every demo account (README lists them).
const DemoPassword = "Demo@2026"

// DemoAccount is one demo login.
type DemoAccount struct {
	Username, Name, Role, Org, Window, Post string
}

// DemoAccounts are one account per role at the county and in 城关镇.
var DemoAccounts = []DemoAccount{
	{"county.window", "李晓燕", zwfw.RoleWindow, "610923C", "610923CW01", "综合受理窗口A岗"},
	{"county.reviewer", "周建国", zwfw.RoleReviewer, "610923D01", "", "市场监管局审批股股长"},
	{"county.supervisor", "孙立华", zwfw.RoleSupervisor, "610923", "", "县监察局电子监察员"},
	{"county.catalog", "吴文静", zwfw.RoleCatalogAdmin, "610923", "", "县政务服务中心事项管理员"},
	{"county.cashier", "郑美玲", zwfw.RoleCashier, "610923C", "610923CW11", "银行收费窗口"},
	{"county.admin", "冯志强", zwfw.RoleAdmin, "610923", "", "县政务服务中心信息股"},
	// The other two of the three administrators (三员分立, §2(7)).
	{"county.security", "陈思远", zwfw.RoleSecurityAdmin, "610923", "", "县政务服务中心安全管理员"},
	{"county.auditor", "许文华", zwfw.RoleAuditAdmin, "610923", "", "县政务服务中心审计管理员"},
	{"chengguan.window", "杨春梅", zwfw.RoleWindow, "610923100C", "610923100CW01", "综合窗口A岗"},
	{"chengguan.reviewer", "何东升", zwfw.RoleReviewer, "610923100", "", "城关镇社会事务办"},
	{"chengguan.supervisor", "马玉兰", zwfw.RoleSupervisor, "610923100", "", "城关镇纪委"},
	{"chengguan.catalog", "曹文博", zwfw.RoleCatalogAdmin, "610923100", "", "城关镇便民服务中心"},
	{"chengguan.cashier", "韩丽", zwfw.RoleCashier, "610923100C", "610923100CW01", "代收窗口"},
	{"chengguan.admin", "唐海军", zwfw.RoleAdmin, "610923100", "", "城关镇便民服务中心主任"},
	{"chengguan.auditor", "林小燕", zwfw.RoleAuditAdmin, "610923100", "", "城关镇便民服务中心审计管理员"},
	// The halls' managers and the B posts of the first windows (附件2（四）
	// 2、4: every window has an A and a B post; a leader runs the centre).
	{"county.hall", "郭建华", zwfw.RoleHallManager, "610923C", "", "县政务服务中心副主任"},
	{"county.windowb", "王丽", zwfw.RoleWindow, "610923C", "610923CW01", "综合受理窗口B岗"},
	{"chengguan.hall", "陈国庆", zwfw.RoleHallManager, "610923100C", "", "城关镇便民服务中心负责人"},
	{"chengguan.windowb", "刘芳", zwfw.RoleWindow, "610923100C", "610923100CW01", "综合窗口B岗"},
	// Reviewers of the departments the demo cases pass through.
	{"minzheng.reviewer", "刘慧敏", zwfw.RoleReviewer, "610923D02", "", "民政局社会救助股"},
	{"canlian.reviewer", "赵永刚", zwfw.RoleReviewer, "610923D14", "", "残联康复维权股"},
	{"gongan.reviewer", "黄志明", zwfw.RoleReviewer, "610923D15", "", "公安局户政大队"},
	{"ziran.reviewer", "罗建平", zwfw.RoleReviewer, "610923D05", "", "自然资源局不动产登记中心"},
	{"linye.reviewer", "蒋林", zwfw.RoleReviewer, "610923D06", "", "林业局资源股"},
	{"weijian.reviewer", "邓秀英", zwfw.RoleReviewer, "610923D09", "", "卫健局医政股"},
}

// CityDemoAccounts are the city platform's demo accounts (added on a city
// only): its administrator and supervisor (电子监察) at 安康市, the window of
// the city's centre that receives the counties' 上报件, and a reviewer of the
// city's 水利局 (取水许可).
var CityDemoAccounts = []DemoAccount{
	{"city.admin", "高建军", zwfw.RoleAdmin, RootCode, "", "市政务服务中心信息科"},
	{"city.supervisor", "市监察", zwfw.RoleSupervisor, RootCode, "", "电子监察"},
	{"city.window", "赵敏", zwfw.RoleWindow, "610900C", "610900CW01", "县区上报件受理窗口"},
	{"city.reviewer", "钱志远", zwfw.RoleReviewer, "610900D07", "", "市水利局水资源科"}, // CityDepts names him in 取水许可's steps
}

// DemoApplicants are a resident and an enterprise.
var DemoApplicants = []account.RegisterInput{
	{Username: "resident.wang", Password: DemoPassword, Name: "王秀兰", Phone: "13991561234", IDNumber: "610923198503120025"},
	{Username: "enterprise.qinling", Password: DemoPassword, Name: "宁陕县秦岭人家餐饮有限公司", Phone: "13709151234", CreditCode: "91610923MA70XJ1K16"},
}

// Demo adds the demo accounts that are not there yet. It is idempotent: an
// account that exists (made by an earlier run or by another process) is
// left as it is.
func Demo(ctx context.Context, d Deps) error {
	added := 0
	accounts := DemoAccounts
	if d.City {
		accounts = append(append([]DemoAccount(nil), DemoAccounts...), CityDemoAccounts...)
	}
	for _, a := range accounts {
		if _, err := d.Users.ByUsername(ctx, a.Username); err == nil {
			continue
		}
		_, err := d.Users.CreateStaff(ctx, zwfw.System, account.UserInput{Username: a.Username, Password: DemoPassword, Name: a.Name,
			Roles: []string{a.Role}, OrgCode: a.Org, WindowCode: a.Window, Post: a.Post, Phone: "0915-6826789"})
		if err != nil && zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			return fmt.Errorf("seed: demo %s: %w", a.Username, err)
		}
		added++
	}
	for _, a := range DemoApplicants {
		if _, err := d.Users.ByUsername(ctx, a.Username); err == nil {
			continue
		}
		if _, err := d.Users.RegisterTrusted(ctx, a); err != nil && zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			return fmt.Errorf("seed: demo %s: %w", a.Username, err)
		}
		added++
	}
	if added > 0 {
		d.Log.Info("added demo accounts", "accounts", added, "password", DemoPassword)
	}
	if err := demoHall(ctx, d); err != nil {
		return err
	}
	return demoAppointments(ctx, d)
}
