package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/org"
)

type workdaysJSON struct {
	Date string `json:"date"`
}

// calendarPlace reads the optional ?org= of a calendar question: the path
// whose adjustments apply (a county's, and the city's above it), or the
// whole platform's when none is given.
func calendarPlace(r *http.Request, orgs *org.Service) (string, error) {
	code := strings.TrimSpace(r.URL.Query().Get("org"))
	if code == "" {
		return "/", nil
	}
	o, err := orgs.ByCode(r.Context(), code)
	if err != nil {
		if org.ErrNotFound(err) {
			return "", paramError(zwfw.EINVALID, "org", fmt.Sprintf("机构代码 %s 不存在", code))
		}
		return "", err
	}
	return o.Path, nil
}

// handleWorkdays answers "which date is N working days after from" on the
// statutory holiday calendar with the local adjustments of ?org=; counting
// starts the day after from, as for deadlines.
func handleWorkdays(cal *calendar.Calendar, orgs *org.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		place, err := calendarPlace(r, orgs)
		if err != nil {
			return err
		}
		from, err := dateParam(r, "from", "起算日期")
		if err != nil {
			return err
		}
		s := r.URL.Query().Get("add")
		if s == "" {
			return paramError(zwfw.EBADREQUEST, "add", "请提供要加的工作日数 add（0–365 的整数）")
		}
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return paramError(zwfw.EBADREQUEST, "add", fmt.Sprintf("工作日数 add 应为 0–365 的整数，而不是“%s”", s))
		}
		if n < 0 || n > 365 {
			return paramError(zwfw.EINVALID, "add", fmt.Sprintf("工作日数 add 应为 0–365，而不是 %d", n))
		}
		d, err := cal.AddWorkdays(r.Context(), place, from, n)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, workdaysJSON{Date: d.Format(calendar.DateLayout)})
		return nil
	}
}

// handleCalendarDays lists the days of a month at ?org=: working day or
// not, and the holiday, make-up day or local note that makes it so.
func handleCalendarDays(cal *calendar.Calendar, orgs *org.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		place, err := calendarPlace(r, orgs)
		if err != nil {
			return err
		}
		year, err := intParam(r, "year", "年份", 2000, 2100)
		if err != nil {
			return err
		}
		month, err := intParam(r, "month", "月份", 1, 12)
		if err != nil {
			return err
		}
		days, err := cal.Month(r.Context(), place, year, time.Month(month))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newList(days, len(days)))
		return nil
	}
}

// handleListAdjustments lists the local adjustments in force at ?org= in a
// year (default: this year).
func handleListAdjustments(cal *calendar.Calendar, orgs *org.Service, now func() time.Time) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		place, err := calendarPlace(r, orgs)
		if err != nil {
			return err
		}
		year := now().In(zwfw.Zone).Year()
		if r.URL.Query().Get("year") != "" {
			if year, err = intParam(r, "year", "年份", 2000, 2100); err != nil {
				return err
			}
		}
		list, err := cal.Adjustments(r.Context(), place, year)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newList(list, len(list)))
		return nil
	}
}

type adjustmentRequest struct {
	Kind string `json:"kind"`
	Note string `json:"note"`
	Org  string `json:"org"`
}

// handlePutAdjustment makes a date a local holiday or working day of a
// county or the city (its own administrators only; the calendar checks).
func handlePutAdjustment(cal *calendar.Calendar) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in adjustmentRequest
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		// An empty kind would remove the adjustment: that is DELETE's job.
		if in.Kind == "" {
			return paramError(zwfw.EINVALID, "kind", "请选择调整类型：holiday（放假）或 workday（上班）")
		}
		a := calendar.Adjustment{Date: r.PathValue("date"), Kind: in.Kind, Note: strings.TrimSpace(in.Note), Org: strings.TrimSpace(in.Org)}
		a, err := cal.Adjust(r.Context(), actor(r), a)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, a)
		return nil
	}
}

// handleDeleteAdjustment removes a date's local adjustment; the national
// calendar applies again.
func handleDeleteAdjustment(cal *calendar.Calendar) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		a := calendar.Adjustment{Date: r.PathValue("date"), Org: strings.TrimSpace(r.URL.Query().Get("org"))}
		if _, err := cal.Adjust(r.Context(), actor(r), a); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// dateParam reads a required YYYY-MM-DD query parameter.
func dateParam(r *http.Request, name, what string) (time.Time, error) {
	s := strings.TrimSpace(r.URL.Query().Get(name))
	if s == "" {
		return time.Time{}, paramError(zwfw.EBADREQUEST, name, fmt.Sprintf("请提供%s %s（YYYY-MM-DD）", what, name))
	}
	t, err := calendar.ParseDate(s)
	if err != nil {
		return time.Time{}, paramError(zwfw.EINVALID, name, fmt.Sprintf("%s“%s”不是有效日期，应为 YYYY-MM-DD，如 2026-09-30", what, s))
	}
	return t, nil
}

// intParam reads a required integer query parameter within [lo, hi]:
// missing or not a number is 400, out of range 422.
func intParam(r *http.Request, name, what string, lo, hi int) (int, error) {
	s := strings.TrimSpace(r.URL.Query().Get(name))
	if s == "" {
		return 0, paramError(zwfw.EBADREQUEST, name, fmt.Sprintf("请提供%s %s", what, name))
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, paramError(zwfw.EBADREQUEST, name, fmt.Sprintf("%s %s 应为整数，而不是“%s”", what, name, s))
	}
	if n < lo || n > hi {
		return 0, paramError(zwfw.EINVALID, name, fmt.Sprintf("%s %s 应在 %d–%d 之间", what, name, lo, hi))
	}
	return n, nil
}

// paramError is an error about one request parameter.
func paramError(code, field, msg string) error {
	return &zwfw.Error{Code: code, Message: msg, Details: []zwfw.ErrorDetail{{Field: field, Message: msg}}}
}
