package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/db"
)

type workdaysJSON struct {
	Date string `json:"date"`
}

// handleWorkdays answers "which date is N working days after from" on the
// statutory holiday calendar with local adjustments; counting starts the day
// after from, as for deadlines.
func handleWorkdays(cal *calendar.Calendar) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
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
		d, err := cal.AddWorkdays(r.Context(), from, n)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, workdaysJSON{Date: d.Format(calendar.DateLayout)})
		return nil
	}
}

// handleCalendarDays lists the days of a month: working day or not, and the
// holiday, make-up day or local note that makes it so.
func handleCalendarDays(cal *calendar.Calendar) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		year, err := intParam(r, "year", "年份", 2000, 2100)
		if err != nil {
			return err
		}
		month, err := intParam(r, "month", "月份", 1, 12)
		if err != nil {
			return err
		}
		days, err := cal.Month(r.Context(), year, time.Month(month))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newList(days, len(days)))
		return nil
	}
}

// handleListAdjustments lists the local adjustments of a year (default:
// this year).
func handleListAdjustments(cal *calendar.Calendar, now func() time.Time) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		year := now().In(db.Zone).Year()
		if r.URL.Query().Get("year") != "" {
			var err error
			if year, err = intParam(r, "year", "年份", 2000, 2100); err != nil {
				return err
			}
		}
		list, err := cal.Adjustments(r.Context(), year)
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
}

// handlePutAdjustment makes a date a local holiday or working day
// (administrators only; the calendar checks).
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
		a := calendar.Adjustment{Date: r.PathValue("date"), Kind: in.Kind, Note: strings.TrimSpace(in.Note)}
		if err := cal.Adjust(r.Context(), actor(r), a); err != nil {
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
		if err := cal.Adjust(r.Context(), actor(r), calendar.Adjustment{Date: r.PathValue("date")}); err != nil {
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
