package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/catalog"
	"zwfw/internal/files"
	"zwfw/internal/org"
)

const (
	mimeJSON = "application/json"
	mimeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// handleExport downloads the whole catalog, cancelled items included, as
// the JSON import document (default) or an Excel workbook.
func handleExport(cat *catalog.Service, orgs *org.Service, now func() time.Time) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		format := r.URL.Query().Get("format")
		if format == "" {
			format = "json"
		}
		if format != "json" && format != "xlsx" {
			return &zwfw.Error{Code: zwfw.EBADREQUEST, Message: fmt.Sprintf("format 应为 json 或 xlsx，而不是“%s”", format),
				Details: []zwfw.ErrorDetail{{Field: "format", Message: "应为 json 或 xlsx"}}}
		}
		// Build the file before sending anything, so that a failure is
		// still an error response rather than a truncated download.
		var buf bytes.Buffer
		ctype := mimeJSON + "; charset=utf-8"
		if format == "json" {
			if err := cat.ExportJSON(r.Context(), &buf); err != nil {
				return err
			}
		} else {
			items, err := cat.All(r.Context())
			if err != nil {
				return err
			}
			names := newDeptNames(r.Context(), orgs)
			if err := catalog.WriteXLSX(&buf, items, names.name); err != nil {
				return fmt.Errorf("api: write xlsx: %w", err)
			}
			ctype = mimeXLSX
		}
		day := now().In(zwfw.Zone).Format("20060102")
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Disposition", files.Attachment("zwfw-catalog-"+day+"."+format, "政务服务事项清单-"+day+"."+format))
		w.Header().Set("Content-Length", fmt.Sprint(buf.Len()))
		_, _ = w.Write(buf.Bytes())
		return nil
	}
}

// handleImport applies a whole catalog file in one transaction: a JSON
// document (or array), an Excel workbook, or either as the field "file" of a
// multipart form. Any problem rejects the whole file, with every problem
// listed by row and column.
func handleImport(cat *catalog.Service, maxUpload int64) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		a := actor(r)
		// Refuse before reading a large file; the catalog checks again, with
		// scope, when it imports.
		if !a.HasAny(zwfw.RoleCatalogAdmin, zwfw.RoleAdmin) {
			return zwfw.Errorf(zwfw.EFORBIDDEN, "只有事项管理员可以导入事项清单")
		}
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		var (
			data   []byte
			isXLSX bool
			reason string
			err    error
		)
		switch mt {
		case mimeJSON, mimeXLSX:
			data, err = readAllLimited(r.Body, maxUpload)
			isXLSX = mt == mimeXLSX
		case "multipart/form-data":
			var name string
			name, data, err = formFile(r, "file", maxUpload)
			if err == nil {
				isXLSX, err = looksXLSX(name, data)
			}
			reason = r.FormValue("reason")
		default:
			return zwfw.Errorf(zwfw.EBADREQUEST, "导入文件须以 application/json、%s 或 multipart/form-data（字段 file）上传", mimeXLSX)
		}
		if err != nil {
			return err
		}
		if reason == "" {
			reason = r.URL.Query().Get("reason")
		}
		var items []*catalog.Item
		loc := catalog.Locator(catalog.JSONLocator)
		if isXLSX {
			items, loc, err = catalog.ReadXLSX(bytes.NewReader(data))
		} else {
			items, err = catalog.DecodeJSON(bytes.NewReader(data))
		}
		if err != nil {
			return err
		}
		res, err := cat.Import(r.Context(), a, items, loc, reason)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, res)
		return nil
	}
}

// looksXLSX tells an uploaded workbook from a JSON document by its name,
// else by its first bytes (a workbook is a ZIP archive).
func looksXLSX(name string, data []byte) (bool, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".xlsx":
		return true, nil
	case ".json":
		return false, nil
	}
	head := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return true, nil
	case len(head) > 0 && (head[0] == '{' || head[0] == '['):
		return false, nil
	}
	return false, zwfw.Errorf(zwfw.EINVALID, "文件“%s”既不是 JSON 也不是 Excel（.xlsx）事项清单", name)
}

// readAllLimited reads a raw upload of at most max bytes.
func readAllLimited(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, tooLarge(max)
	case err != nil:
		return nil, zwfw.Errorf(zwfw.EBADREQUEST, "上传中断，未能读完文件")
	case int64(len(b)) > max:
		return nil, tooLarge(max)
	}
	return b, nil
}

// openFormFile parses a multipart form (the body is bounded by serve) and
// opens its file field. The caller closes the file; the form's temporary
// files are removed when the request ends.
func openFormFile(r *http.Request, field string, max int64) (multipart.File, *multipart.FileHeader, error) {
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, nil, tooLarge(max)
		}
		return nil, nil, zwfw.Errorf(zwfw.EBADREQUEST, "无法读取上传的表单：须为 multipart/form-data")
	}
	f, h, err := r.FormFile(field)
	if err != nil {
		return nil, nil, &zwfw.Error{Code: zwfw.EBADREQUEST, Message: fmt.Sprintf("请在表单字段“%s”中上传文件", field),
			Details: []zwfw.ErrorDetail{{Field: field, Message: "缺少文件"}}}
	}
	return f, h, nil
}

// formFile reads the whole file field of a multipart form.
func formFile(r *http.Request, field string, max int64) (string, []byte, error) {
	f, h, err := openFormFile(r, field, max)
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	defer removeForm(r)
	b, err := readAllLimited(f, max)
	return h.Filename, b, err
}

// removeForm deletes the temporary files of a parsed multipart form. The
// server would only do it for its own *Request, not the copies middleware
// makes.
func removeForm(r *http.Request) {
	if r.MultipartForm != nil {
		_ = r.MultipartForm.RemoveAll()
	}
}
