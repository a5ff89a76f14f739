package api

import (
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/files"
	"zwfw/internal/supervision"
)

// Reports (日检查、周考勤、月通报、季考核) and error registration (差错登记):
// the supervision package decides roles, scope and validation.

// handleListReports lists the published reports the actor may read
// (?kind=daily|weekly|monthly|quarterly), newest first.
func handleListReports(reps *supervision.Reports) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		pg, err := pageOf(r)
		if err != nil {
			return err
		}
		list, total, err := reps.List(r.Context(), actor(r), supervision.ReportQuery{Kind: r.URL.Query().Get("kind"), Limit: pg.Limit, Offset: pg.Offset})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newList(list, total))
		return nil
	}
}

// handleGenerateReport generates and publishes a report on demand.
func handleGenerateReport(reps *supervision.Reports) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in supervision.ReportRequest
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		rep, err := reps.GenerateReport(r.Context(), actor(r), in.Kind, in.Period, in.Org)
		if err != nil {
			return err
		}
		w.Header().Set("Location", Prefix+"/reports/"+strconv.FormatInt(rep.ID, 10))
		writeJSON(w, http.StatusCreated, rep)
		return nil
	}
}

// reportDoc is the printable document the API returns for format=html: the
// bulletin as published, with the print stylesheet the pages use (the
// static handler serves the current file whatever the hash segment).
var reportDoc = template.Must(template.New("doc").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{.Title}}</title>
<link rel="stylesheet" href="/static/report/reports.css"></head>
<body class="rp-doc">{{.HTML}}</body></html>
`))

// handleGetReport returns a report as JSON (default), as a printable HTML
// document (?format=html, or Accept: text/html) or as an Excel workbook
// (?format=xlsx).
func handleGetReport(reps *supervision.Reports, auditLog *audit.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "报表编号")
		if err != nil {
			return err
		}
		format := r.URL.Query().Get("format")
		if format == "" {
			format = "json"
			for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
				if mt, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && mt == "text/html" {
					format = "html"
					break
				}
			}
		}
		if format != "json" && format != "html" && format != "xlsx" {
			return &zwfw.Error{Code: zwfw.EBADREQUEST, Message: fmt.Sprintf("format 应为 json、html 或 xlsx，而不是“%s”", format),
				Details: []zwfw.ErrorDetail{{Field: "format", Message: "应为 json、html 或 xlsx"}}}
		}
		rep, err := reps.Get(r.Context(), actor(r), id)
		if err != nil {
			return err
		}
		switch format {
		case "html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			return reportDoc.Execute(w, rep)
		case "xlsx":
			b, err := rep.XLSX()
			if err != nil {
				return err
			}
			if err := auditLog.Exported(r.Context(), actor(r), fmt.Sprintf("report:%d", rep.ID), "导出报表 Excel："+rep.Number); err != nil {
				return err
			}
			h := w.Header()
			h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
			h.Set("Content-Disposition", files.Attachment(fmt.Sprintf("report-%d.xlsx", rep.ID), rep.FileName("xlsx")))
			_, err = w.Write(b)
			return err
		}
		writeJSON(w, http.StatusOK, rep)
		return nil
	}
}

// handleGetWeights returns the assessment weights in force for an
// organisation (?org=, the actor's own by default), and whose they are.
func handleGetWeights(reps *supervision.Reports) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		wt, err := reps.Weights(r.Context(), actor(r), r.URL.Query().Get("org"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, wt)
		return nil
	}
}

// handlePutWeights sets the assessment weights of an organisation (?org=,
// the actor's own by default): its own administrators only.
func handlePutWeights(reps *supervision.Reports) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in supervision.Weights
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		wt, err := reps.SetOrgWeights(r.Context(), actor(r), r.URL.Query().Get("org"), in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, wt)
		return nil
	}
}

// handleRegisterError registers an error (supervisors).
func handleRegisterError(errs *supervision.Errors) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in supervision.ErrorInput
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		e, err := errs.Register(r.Context(), actor(r), in)
		if err != nil {
			return err
		}
		w.Header().Set("Location", Prefix+"/errors/"+strconv.FormatInt(e.ID, 10))
		writeJSON(w, http.StatusCreated, e)
		return nil
	}
}

// handleListErrors lists the errors the actor may read (?state=, ?kind=).
func handleListErrors(errs *supervision.Errors) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		pg, err := pageOf(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		list, total, err := errs.List(r.Context(), actor(r), supervision.ErrorQuery{State: q.Get("state"), Kind: q.Get("kind"), Limit: pg.Limit, Offset: pg.Offset})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newList(list, total))
		return nil
	}
}

// handleGetError returns one error with its steps and evidence.
func handleGetError(errs *supervision.Errors) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "差错编号")
		if err != nil {
			return err
		}
		e, err := errs.Get(r.Context(), actor(r), id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, e)
		return nil
	}
}

// errorActionInput is the body of an action: the response, the appeal's
// grounds, or the supervisor's reason.
type errorActionInput struct {
	Text string `json:"text"`
}

// handleErrorAction responds, appeals, confirms or revokes.
func handleErrorAction(errs *supervision.Errors) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "差错编号")
		if err != nil {
			return err
		}
		action := r.PathValue("action")
		if !slices.Contains(supervision.ErrorActions, action) {
			return zwfw.Errorf(zwfw.EBADREQUEST, "不支持的操作“%s”（可用：respond、appeal、confirm、revoke）", action)
		}
		var in errorActionInput
		if err := decodeOptionalJSON(r, &in); err != nil {
			return err
		}
		e, err := errs.Act(r.Context(), actor(r), id, action, in.Text)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, e)
		return nil
	}
}

// handleErrorFile downloads an evidence file of an error the actor may read.
func handleErrorFile(errs *supervision.Errors, store *files.Store) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "差错编号")
		if err != nil {
			return err
		}
		fid, err := pathID(r, "file", "文件编号")
		if err != nil {
			return err
		}
		ev, err := errs.Evidence(r.Context(), actor(r), id, fid)
		if err != nil {
			return err
		}
		f, err := store.Open(ev.SHA256)
		if err != nil {
			return err
		}
		defer f.Close()
		h := w.Header()
		h.Set("Content-Type", ev.ContentType)
		h.Set("Content-Disposition", files.Disposition(ev.Name, ev.ContentType, fmt.Sprintf("evidence-%d-%d", id, fid)))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "sandbox")
		http.ServeContent(w, r, "", time.Time{}, f)
		return nil
	}
}
