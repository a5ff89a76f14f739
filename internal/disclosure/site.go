package disclosure

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/db"
	"zwfw/internal/org"
)

// Marks are the government-site marks every public page carries in its
// footer (政府网站发展指引: 网站标识码, ICP备案号, 公安机关备案号), a
// setting of the county (or the city) whose site it is.
type Marks struct {
	IDCode string `json:"id_code"` // 网站标识码, 10 digits
	ICP    string `json:"icp"`     // ICP备案号, e.g. 陕ICP备12345678号
	PSB    string `json:"psb"`     // 公安机关备案号, e.g. 陕公网安备61092302000001号
}

// ICPLink is where the ICP filing is checked (工业和信息化部备案管理系统).
func (m Marks) ICPLink() string { return "https://beian.miit.gov.cn/" }

// PSBLink is where the public-security filing is checked, by its number.
func (m Marks) PSBLink() string {
	return "https://beian.mps.gov.cn/#/query/webSearch?code=" + psbDigits.FindString(m.PSB)
}

var (
	idCodeRE  = regexp.MustCompile(`^\d{10}$`)
	psbDigits = regexp.MustCompile(`\d{14}`)
)

// siteCache keeps the marks of a region for a minute: every public page
// shows them, and another process may change them.
type siteCache struct {
	mu   sync.Mutex
	at   map[string]time.Time
	vals map[string]Marks
}

const siteTTL = time.Minute

// Site is the marks set at the organisation code (zero fields: not set;
// the caller keeps its configured defaults).
func (s *Service) Site(ctx context.Context, code string) (Marks, error) {
	s.site.mu.Lock()
	if t, ok := s.site.at[code]; ok && time.Since(t) < siteTTL {
		m := s.site.vals[code]
		s.site.mu.Unlock()
		return m, nil
	}
	s.site.mu.Unlock()
	var m Marks
	err := s.db.Reader().QueryRow(ctx, `SELECT s.id_code, s.icp, s.psb FROM disclosure_site s JOIN orgs o ON o.id = s.org_id WHERE o.code = ?`, code).
		Scan(&m.IDCode, &m.ICP, &m.PSB)
	if err != nil && !isNoRows(err) {
		return Marks{}, fmt.Errorf("disclosure: site marks of %s: %w", code, err)
	}
	s.site.mu.Lock()
	if s.site.at == nil {
		s.site.at, s.site.vals = map[string]time.Time{}, map[string]Marks{}
	}
	s.site.at[code], s.site.vals[code] = time.Now(), m
	s.site.mu.Unlock()
	return m, nil
}

// SetSite sets the marks of the organisation code: a county's or the
// city's setting, made by its own administrators (org.MaySetSettings).
func (s *Service) SetSite(ctx context.Context, a *zwfw.Actor, code string, m Marks) (Marks, error) {
	var o org.Org
	if err := s.db.Reader().QueryRow(ctx, "SELECT id, path, kind, name, full_name FROM orgs WHERE code = ?", code).
		Scan(&o.ID, &o.Path, &o.Kind, &o.Name, &o.FullName); err != nil {
		return Marks{}, zwfw.Errorf(zwfw.ENOTFOUND, "机构“%s”不存在", code)
	}
	if err := org.MaySetSettings(a, &o, "网站标识码和备案号"); err != nil {
		return Marks{}, err
	}
	m.IDCode, m.ICP, m.PSB = strings.TrimSpace(m.IDCode), strings.TrimSpace(m.ICP), strings.TrimSpace(m.PSB)
	var v zwfw.Invalid
	if m.IDCode != "" && !idCodeRE.MatchString(m.IDCode) {
		v.Add("id_code", "网站标识码应为 10 位数字")
	}
	if m.ICP != "" && (!strings.Contains(m.ICP, "ICP备") || utf8.RuneCountInString(m.ICP) > 40) {
		v.Add("icp", "ICP备案号格式应如“陕ICP备12345678号”")
	}
	if m.PSB != "" && (!strings.Contains(m.PSB, "公网安备") || psbDigits.FindString(m.PSB) == "" || utf8.RuneCountInString(m.PSB) > 40) {
		v.Add("psb", "公安机关备案号格式应如“陕公网安备61092302000001号”（14 位数字）")
	}
	if err := v.Err(); err != nil {
		return Marks{}, err
	}
	now := s.now()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO disclosure_site (org_id, id_code, icp, psb, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (org_id) DO UPDATE SET id_code = excluded.id_code, icp = excluded.icp, psb = excluded.psb,
			updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			o.ID, m.IDCode, m.ICP, m.PSB, optID(a.UserID), db.Millis(now)); err != nil {
			return fmt.Errorf("disclosure: set site marks: %w", err)
		}
		return audit.RecordFor(ctx, tx, o.ID, now, a, "disclosure.site", "org:"+code, m)
	})
	if err != nil {
		return Marks{}, err
	}
	s.site.mu.Lock()
	delete(s.site.at, code)
	s.site.mu.Unlock()
	return m, nil
}
