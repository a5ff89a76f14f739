package web

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"

	"zwfw"
	"zwfw/internal/catalog"
)

type importPage struct {
	base
	Reason   string
	Errors   fieldErrors
	Error    string
	Problems []zwfw.ErrorDetail
	Format   string
	items    []*catalog.Item // the file's items, to name them in the problem list
}

// Where names a problem's place in the file for people.
func (p *importPage) Where(d zwfw.ErrorDetail) string {
	if p.Format == "json" && d.Row > 0 {
		where := "第 " + strconv.Itoa(d.Row) + " 个事项"
		if d.Row <= len(p.items) {
			if it := p.items[d.Row-1]; it.Name != "" || it.Code != "" {
				where += "（" + strings.TrimSpace(it.Code+" "+it.Name) + "）"
			}
		}
		return where
	}
	if d.Row > 0 {
		return "第 " + strconv.Itoa(d.Row) + " 行"
	}
	return "—"
}

// Column names a problem's column, with the element's Chinese name when
// the column is an element key.
func (p *importPage) Column(d zwfw.ErrorDetail) string {
	if d.Column == "" {
		return "—"
	}
	key := d.Column
	if i := strings.IndexAny(key, "[."); i > 0 {
		key = key[:i]
	}
	if l, ok := catalog.Labels[key]; ok && !strings.Contains(d.Column, "!") {
		return l + "（" + d.Column + "）"
	}
	return d.Column
}

func (s *server) adminImportPage(w http.ResponseWriter, r *http.Request) error {
	if err := needCatalog(actor(r)); err != nil {
		return err
	}
	p := importPage{base: s.base(w, r, "导入事项清单"), Errors: fieldErrors{}}
	p.Nav = "items-admin"
	s.render(w, r, http.StatusOK, "admin_import", &p)
	return nil
}

func (s *server) adminImport(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	if err := needCatalog(a); err != nil {
		return err
	}
	p := importPage{base: s.base(w, r, "导入事项清单"), Errors: fieldErrors{}, Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	p.Nav = "items-admin"
	fail := func(st int) error {
		if p.Error == "" {
			p.Error = "导入失败，未导入任何事项。"
		}
		s.render(w, r, st, "admin_import", &p)
		return nil
	}
	fh := uploaded(r, "file")
	if fh == nil {
		p.Errors.add("file", "请选择要导入的 JSON 或 Excel（.xlsx）文件")
	}
	if len([]rune(p.Reason)) < 2 {
		p.Errors.add("reason", "请填写导入原因（2–500 字），它将公开在每个变更事项的变更记录中")
	}
	if len(p.Errors) > 0 {
		return fail(http.StatusUnprocessableEntity)
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReader(io.LimitReader(f, s.maxUpload()+1))
	head, _ := br.Peek(4)
	var items []*catalog.Item
	var loc catalog.Locator
	if bytes.HasPrefix(head, []byte("PK")) || strings.EqualFold(path.Ext(fh.Filename), ".xlsx") {
		p.Format = "xlsx"
		items, loc, err = catalog.ReadXLSX(br)
	} else {
		p.Format = "json"
		items, err = catalog.DecodeJSON(br)
		loc = catalog.JSONLocator
	}
	p.items = items
	var res *catalog.ImportResult
	if err == nil {
		res, err = s.d.Catalog.Import(r.Context(), a, items, loc, p.Reason)
	}
	if err != nil {
		code := zwfw.ErrorCode(err)
		if code != zwfw.EINVALID && code != zwfw.ECONFLICT {
			return err
		}
		var e *zwfw.Error
		if asError(err, &e) {
			for _, d := range e.Details {
				if d.Field != "" && d.Row == 0 {
					p.Errors.add(d.Field, d.Message)
					continue
				}
				p.Problems = append(p.Problems, d)
			}
		}
		p.Error = zwfw.ErrorMessage(err)
		return fail(status(code))
	}
	s.dropStats()
	s.redirect(w, r, "/admin/items", "ok", fmt.Sprintf("导入完成：新设 %d 项，变更 %d 项，取消 %d 项，未变 %d 项。",
		res.Created, res.Updated, res.Cancelled, res.Unchanged))
	return nil
}

func (s *server) adminExport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	stamp := s.now().Format("20060102")
	var buf bytes.Buffer
	var ctype, name string
	switch r.URL.Query().Get("format") {
	case "json", "":
		if err := s.d.Catalog.ExportJSON(ctx, &buf); err != nil {
			return err
		}
		ctype, name = "application/json; charset=utf-8", "事项清单-"+stamp+".json"
	case "xlsx":
		items, err := s.d.Catalog.All(ctx)
		if err != nil {
			return err
		}
		x, err := s.orgIndex(ctx)
		if err != nil {
			return err
		}
		if err := catalog.WriteXLSX(&buf, items, x.name); err != nil {
			return err
		}
		ctype, name = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "事项清单-"+stamp+".xlsx"
	default:
		return zwfw.Errorf(zwfw.EBADREQUEST, "导出格式应为 json 或 xlsx")
	}
	if err := s.d.Audit.Exported(ctx, actor(r), "catalog", "导出事项清单："+name); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", contentDisposition(name))
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes())
	return nil
}
