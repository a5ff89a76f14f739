package api

import (
	"net/http"
	"strconv"
	"strings"

	"zwfw"
	"zwfw/internal/city"
	"zwfw/internal/files"
)

// The city platform's API (issue 14 item 5; tag "city"): the dashboard's
// figures, a county's drill-down, a case's events and the city-wide report
// as Excel. city.Scope decides who may read them; on a county platform
// they answer 404 to everyone, so the routes are public here.

// cityOf is the city view, or 404 where this platform is no city's.
func cityOf(c *city.Service) (*city.Service, error) {
	if c == nil || !c.Enabled() {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "本平台不是市级平台，没有全市监管接口")
	}
	return c, nil
}

func cityFilter(r *http.Request) city.Filter {
	q := r.URL.Query()
	return city.Filter{Period: strings.TrimSpace(q.Get("period")), From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to"))}
}

func handleCityOverview(c *city.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		s, err := cityOf(c)
		if err != nil {
			return err
		}
		ov, err := s.Overview(r.Context(), actor(r), cityFilter(r))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, ov)
		return nil
	}
}

func handleCityCounty(c *city.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		s, err := cityOf(c)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		page := 1
		if v := q.Get("page"); v != "" {
			if page, err = strconv.Atoi(v); err != nil || page < 1 {
				return zwfw.Errorf(zwfw.EINVALID, "page 应为正整数")
			}
		}
		v, err := s.County(r.Context(), actor(r), r.PathValue("code"), city.CountyQuery{Filter: cityFilter(r), Dept: strings.TrimSpace(q.Get("dept")), Page: page})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, v)
		return nil
	}
}

func handleCityCase(c *city.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		s, err := cityOf(c)
		if err != nil {
			return err
		}
		v, err := s.Case(r.Context(), actor(r), r.PathValue("county"), r.PathValue("serial"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, v)
		return nil
	}
}

// handleCityReport downloads the report of a month or quarter as Excel:
// /city/reports/2026-11.xlsx, /city/reports/2026-Q4.xlsx.
func handleCityReport(c *city.Service, exported func(r *http.Request, what, detail string) error) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		s, err := cityOf(c)
		if err != nil {
			return err
		}
		period, ok := strings.CutSuffix(r.PathValue("file"), ".xlsx")
		if !ok {
			return zwfw.Errorf(zwfw.ENOTFOUND, "报表文件应以 .xlsx 结尾，如 2026-11.xlsx 或 2026-Q4.xlsx")
		}
		rep, err := s.Report(r.Context(), actor(r), period)
		if err != nil {
			return err
		}
		names, err := s.Counties(r.Context())
		if err != nil {
			return err
		}
		b, err := rep.XLSX(names)
		if err != nil {
			return err
		}
		if err := exported(r, "city-report:"+period, "导出全市统计报表 Excel："+rep.Title); err != nil {
			return err
		}
		h := w.Header()
		h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		h.Set("Content-Disposition", files.Attachment("city-report-"+period+".xlsx", rep.FileName()))
		h.Set("Content-Length", strconv.Itoa(len(b)))
		_, err = w.Write(b)
		return err
	}
}
