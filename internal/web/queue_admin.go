package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"zwfw"
	"zwfw/internal/hall"
	"zwfw/internal/org"
)

// The categories of a centre's hall, set up by its administrators
// (hall.MayManage decides who).

type adminHallPage struct {
	base
	Centres    []*org.Org
	Centre     *org.Org
	Categories []*hall.Category
	Windows    []*hall.WindowSetup
	Edit       *hall.Category
	In         hall.CategoryInput
	Active     bool
	May        bool
}

// adminHall lists a centre's categories with the form to add or change
// one. The centres offered are those in the account's subtree.
func (s *server) adminHall(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	if err := hall.MayManage(a, nil); err != nil {
		return err
	}
	all, err := s.d.Orgs.List(ctx, a.OrgPath)
	if err != nil {
		return err
	}
	p := &adminHallPage{base: s.base(w, r, "大厅业务类别"), Active: true,
		In: hall.CategoryInput{Opens: "08:30", Closes: "17:30", DailyMax: hall.DefaultDailyMax, MaxRecalls: hall.DefaultMaxRecalls, Minutes: hall.DefaultMinutes,
			RequeuePlaces: hall.DefaultRequeuePlaces, SlotCapacity: hall.DefaultSlotCapacity}}
	p.Nav = "hall-admin"
	for _, o := range all {
		if o.Kind == org.KindCentre && o.Active {
			p.Centres = append(p.Centres, o)
		}
	}
	code := r.URL.Query().Get("centre")
	if code == "" && len(p.Centres) > 0 {
		code = p.Centres[0].Code
	}
	if code != "" {
		centre, cats, err := s.d.Hall.Categories(ctx, code, true)
		if err != nil {
			return err
		}
		if err := hall.MayManage(a, centre); err != nil {
			return err
		}
		p.Centre, p.Categories, p.May = centre, cats, true
		if p.Windows, err = s.d.Hall.Windows(ctx, code); err != nil {
			return err
		}
		if id, _ := strconv.ParseInt(r.URL.Query().Get("edit"), 10, 64); id > 0 {
			for _, c := range cats {
				if c.ID == id {
					p.Edit, p.Active = c, c.Active
					p.In = hall.CategoryInput{Name: c.Name, Prefix: c.Prefix, Opens: c.Opens, Closes: c.Closes, DailyMax: c.DailyMax,
						Priority: c.Priority, MaxRecalls: c.MaxRecalls, Minutes: c.Minutes, Sort: c.Sort, RequeuePlaces: c.RequeuePlaces, SlotCapacity: c.SlotCapacity, Quotas: c.Quotas}
				}
			}
		}
	}
	s.render(w, r, http.StatusOK, "admin_hall", p)
	return nil
}

// categoryForm reads the category form; a number that does not read is
// left 0, which the service refuses or defaults.
func categoryForm(r *http.Request) hall.CategoryInput {
	num := func(k string) int { n, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue(k))); return n }
	active := r.PostFormValue("active") == "1"
	return hall.CategoryInput{Name: r.PostFormValue("name"), Prefix: r.PostFormValue("prefix"), Opens: r.PostFormValue("opens"),
		Closes: r.PostFormValue("closes"), DailyMax: num("daily_max"), Priority: r.PostFormValue("priority") == "1",
		MaxRecalls: num("max_recalls"), RequeuePlaces: num("requeue_places"), Minutes: num("minutes"), Sort: num("sort"), Active: &active, SlotCapacity: num("slot_capacity"), Quotas: r.PostFormValue("quotas")}
}

func (s *server) adminHallCreate(w http.ResponseWriter, r *http.Request) error {
	code := r.PathValue("centre")
	c, err := s.d.Hall.CreateCategory(r.Context(), actor(r), code, categoryForm(r))
	back := "/admin/hall?centre=" + url.QueryEscape(code)
	if err != nil {
		if zwfw.ErrorCode(err) == zwfw.EINVALID || zwfw.ErrorCode(err) == zwfw.ECONFLICT {
			s.redirect(w, r, back+"#ah-form", "warn", zwfw.ErrorMessage(err))
			return nil
		}
		return err
	}
	s.redirect(w, r, back, "ok", "已新设业务类别“"+c.Name+"”（"+c.Prefix+"）。")
	return nil
}

func (s *server) adminHallUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return zwfw.Errorf(zwfw.ENOTFOUND, "业务类别不存在")
	}
	c, err := s.d.Hall.UpdateCategory(r.Context(), actor(r), id, categoryForm(r))
	if err != nil {
		if zwfw.ErrorCode(err) == zwfw.EINVALID || zwfw.ErrorCode(err) == zwfw.ECONFLICT {
			if cur, cerr := s.d.Hall.Category(r.Context(), id); cerr == nil {
				s.redirect(w, r, "/admin/hall?centre="+url.QueryEscape(cur.CentreCode)+"&edit="+strconv.FormatInt(id, 10)+"#ah-form", "warn", zwfw.ErrorMessage(err))
				return nil
			}
		}
		return err
	}
	s.redirect(w, r, "/admin/hall?centre="+url.QueryEscape(c.CentreCode), "ok", "已保存业务类别“"+c.Name+"”。")
	return nil
}

// adminHallWindow sets the letters a window calls, in order ("A B" or
// "A、B"; empty: every category of the centre).
func (s *server) adminHallWindow(w http.ResponseWriter, r *http.Request) error {
	code := r.PathValue("window")
	letters := strings.FieldsFunc(r.PostFormValue("prefixes"), func(c rune) bool {
		return c == ',' || c == '，' || c == '、' || c == ' ' || c == '　' || c == ';'
	})
	err := s.d.Hall.SetWindowPrefixes(r.Context(), actor(r), code, letters)
	_, centre, werr := s.d.Hall.Window(r.Context(), code)
	if werr != nil {
		return werr
	}
	back := "/admin/hall?centre=" + url.QueryEscape(centre.Code) + "#ah-windows"
	if err != nil {
		if zwfw.ErrorCode(err) == zwfw.EINVALID {
			s.redirect(w, r, back, "warn", zwfw.ErrorMessage(err))
			return nil
		}
		return err
	}
	s.redirect(w, r, back, "ok", "已保存窗口 "+code+" 的叫号顺序。")
	return nil
}
