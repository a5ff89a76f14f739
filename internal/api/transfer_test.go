package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zwfw/internal/api"
	"zwfw/internal/app/apptest"
	"zwfw/internal/catalog"
	"zwfw/internal/httpauth"
)

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// tinyPDF is enough of a PDF for content sniffing.
var tinyPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

func TestImportExportAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := demo(t, e, "county.catalog")
		// Make sure the catalog has a current and a cancelled item whatever
		// the seed holds.
		for _, code := range []string{"019999900020", "019999900021"} {
			if res := c.post("/items", body(t, testItem(code, "导入导出测试"+code[len(code)-2:]), map[string]any{"reason": "测试新设"})); res.Status != http.StatusCreated {
				t.Fatalf("create %s: %d %s", code, res.Status, res.Body)
			}
		}
		if res := c.post("/items/019999900021/cancel", map[string]any{"reason": "测试取消", "version": 1}); res.Status != http.StatusOK {
			t.Fatalf("cancel: %d %s", res.Status, res.Body)
		}
		all := anon(t, e).total("/items?status=all")

		exportJSON := func(t *testing.T) []byte {
			res := anon(t, e).get("/catalog/export")
			if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("export: %d %s", res.Status, res.Header.Get("Content-Type"))
			}
			return res.Body
		}
		exportXLSX := func(t *testing.T) []byte {
			res := anon(t, e).get("/catalog/export?format=xlsx")
			if res.Status != http.StatusOK || res.Header.Get("Content-Type") != xlsxType || !bytes.HasPrefix(res.Body, []byte("PK")) {
				t.Fatalf("export xlsx: %d %s", res.Status, res.Header.Get("Content-Type"))
			}
			return res.Body
		}

		t.Run("export", func(t *testing.T) {
			res := anon(t, e).get("/catalog/export?format=json")
			cd := res.Header.Get("Content-Disposition")
			_, enc, ok := strings.Cut(cd, "filename*=UTF-8''")
			name, _ := url.PathUnescape(enc)
			if !ok || !strings.HasPrefix(cd, "attachment;") || !strings.HasPrefix(name, "政务服务事项清单-") || !strings.HasSuffix(name, ".json") {
				t.Fatalf("Content-Disposition %q (name %q)", cd, name)
			}
			var doc catalog.Document
			if err := json.Unmarshal(exportJSON(t), &doc); err != nil || doc.Format != catalog.FormatJSON || len(doc.Items) != all {
				t.Fatalf("export document: %d items of %d (%v)", len(doc.Items), all, err)
			}
			x := exportXLSX(t)
			f, err := excelize.OpenReader(bytes.NewReader(x))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rows, _ := f.GetRows("事项")
			if len(rows) != all+1 || rows[0][0] != "基本编码" {
				t.Fatalf("workbook has %d item rows, want %d", len(rows)-1, all)
			}
			anon(t, e).get("/catalog/export?format=pdf").apiErr(http.StatusBadRequest, "bad_request")
		})

		t.Run("re-importing an export changes nothing", func(t *testing.T) {
			res := c.do("POST", "/catalog/import?reason="+url.QueryEscape("按导出文件核对"), "application/json", bytes.NewReader(exportJSON(t)), nil)
			want := catalog.ImportResult{Unchanged: all}
			var got catalog.ImportResult
			res.decode(&got)
			if res.Status != http.StatusOK || got != want {
				t.Fatalf("JSON re-import: %d %s, want %+v", res.Status, res.Body, want)
			}
			res = c.upload("/catalog/import", "file", "事项清单.xlsx", exportXLSX(t), map[string]string{"reason": "按导出的 Excel 核对"})
			res.decode(&got)
			if res.Status != http.StatusOK || got != want {
				t.Fatalf("xlsx re-import: %d %s, want %+v", res.Status, res.Body, want)
			}
			res = c.do("POST", "/catalog/import?reason="+url.QueryEscape("按导出的 Excel 核对"), xlsxType, bytes.NewReader(exportXLSX(t)), nil)
			res.decode(&got)
			if res.Status != http.StatusOK || got != want {
				t.Fatalf("raw xlsx re-import: %d %s, want %+v", res.Status, res.Body, want)
			}
		})

		t.Run("a JSON file with broken items is refused whole", func(t *testing.T) {
			versions := c.total("/items/019999900020/versions")
			good := testItem("019999900020", "导入导出测试20")
			good.Hours = "导入修改的办理时间"
			fresh := testItem("019999900022", "导入新设")
			late := testItem("019999900023", "承诺时限超过法定")
			late.PromisedLimitDays = 25
			vague := testItem("019999900024", "材料不明确")
			vague.Materials[1].Form = "fax"
			file, _ := json.Marshal([]*catalog.Item{good, late, fresh, vague})
			res := c.upload("/catalog/import", "file", "catalog.json", file, map[string]string{"reason": "批量调整"})
			er := res.apiErr(http.StatusUnprocessableEntity, "invalid")
			find := func(row int, column string) bool {
				for _, d := range er.Details {
					if d.Row == row && d.Column == column && d.Message != "" {
						return true
					}
				}
				return false
			}
			if !find(2, "promised_limit_days") || !find(4, "materials[1].form") {
				t.Fatalf("details do not name row 2 promised_limit_days and row 4 materials[1].form: %+v", er.Details)
			}
			if !strings.Contains(er.Message, "未导入任何事项") {
				t.Fatalf("message %q", er.Message)
			}
			if n := anon(t, e).total("/items?status=all"); n != all {
				t.Fatalf("items %d after refused import, want %d", n, all)
			}
			if n := c.total("/items/019999900020/versions"); n != versions {
				t.Fatalf("versions %d after refused import, want %d", n, versions)
			}
			anon(t, e).get("/items/019999900022").apiErr(http.StatusNotFound, "not_found")

			// Broken JSON says where.
			er = c.do("POST", "/catalog/import?reason=x", "application/json", strings.NewReader("[\n{\"code\": \"1\",\n\"name\": }\n]"), nil).
				apiErr(http.StatusUnprocessableEntity, "invalid")
			if len(er.Details) != 1 || er.Details[0].Row != 3 {
				t.Fatalf("syntax error location: %+v", er.Details)
			}
			if er := c.do("POST", "/catalog/import", "application/json", bytes.NewReader(exportJSON(t)), nil).
				apiErr(http.StatusUnprocessableEntity, "invalid"); !er.hasDetail("reason", "") {
				t.Fatalf("import without a reason: %+v", er)
			}
			c.do("POST", "/catalog/import?reason=x", "text/csv", strings.NewReader("a,b"), nil).apiErr(http.StatusBadRequest, "bad_request")
		})

		t.Run("an implementation code used by another item is refused", func(t *testing.T) {
			// Item 20 takes item 21's implementation code; item 22 is new.
			clash := testItem("019999900020", "导入导出测试20")
			clash.ImplCode = testItem("019999900021", "").ImplCode
			file, _ := json.Marshal([]*catalog.Item{clash, testItem("019999900025", "冲突之后的新设")})
			er := c.upload("/catalog/import", "file", "catalog.json", file, map[string]string{"reason": "编码调整"}).
				apiErr(http.StatusUnprocessableEntity, "invalid")
			if len(er.Details) != 1 || er.Details[0].Row != 1 || er.Details[0].Column != "impl_code" || !strings.Contains(er.Details[0].Message, "实施编码") {
				t.Fatalf("details: %+v", er.Details)
			}
			anon(t, e).get("/items/019999900025").apiErr(http.StatusNotFound, "not_found")
		})

		t.Run("an Excel file with a bad cell names sheet, row and column", func(t *testing.T) {
			f, err := excelize.OpenReader(bytes.NewReader(exportXLSX(t)))
			if err != nil {
				t.Fatal(err)
			}
			rows, _ := f.GetRows("事项")
			col, row := -1, -1
			for i, h := range rows[0] {
				if h == "承诺办结时限（工作日）" {
					col = i
				}
			}
			for i, r := range rows {
				if r[0] == "019999900020" {
					row = i + 1
				}
			}
			if col < 0 || row < 0 {
				t.Fatalf("column %d row %d", col, row)
			}
			cell, _ := excelize.CoordinatesToCellName(col+1, row)
			letter, _ := excelize.ColumnNumberToName(col + 1)
			_ = f.SetCellStr("事项", cell, "十个工作日")
			var buf bytes.Buffer
			if err := f.Write(&buf); err != nil {
				t.Fatal(err)
			}
			f.Close()
			er := c.upload("/catalog/import", "file", "清单.xlsx", buf.Bytes(), map[string]string{"reason": "Excel 调整"}).
				apiErr(http.StatusUnprocessableEntity, "invalid")
			ok := false
			for _, d := range er.Details {
				ok = ok || (d.Row == row && strings.HasPrefix(d.Column, "事项!"+letter+"列") && strings.Contains(d.Column, "承诺办结时限") && strings.Contains(d.Message, "整数"))
			}
			if !ok {
				t.Fatalf("no detail at 事项!%s%d: %+v", letter, row, er.Details)
			}
			if n := c.total("/items/019999900020/versions"); n != 1 {
				t.Fatalf("refused Excel import changed the item: %d versions", n)
			}
		})

		t.Run("files", func(t *testing.T) {
			res := c.upload("/files", "file", "申请书（空白）.pdf", tinyPDF, nil)
			if res.Status != http.StatusCreated {
				t.Fatalf("upload: %d %s", res.Status, res.Body)
			}
			var f struct {
				SHA256      string `json:"sha256"`
				Name        string
				ContentType string `json:"content_type"`
				Size        int64
			}
			res.decode(&f)
			sum := sha256.Sum256(tinyPDF)
			if f.SHA256 != hex.EncodeToString(sum[:]) || f.ContentType != "application/pdf" || f.Size != int64(len(tinyPDF)) || f.Name != "申请书（空白）.pdf" {
				t.Fatalf("stored file %s", res.Body)
			}
			// The uploaded file can be an item's blank form.
			it := testItem("019999900030", "带空白表格的事项")
			it.Materials[0].BlankForm = &catalog.Attachment{Name: f.Name, SHA256: f.SHA256, Size: f.Size, ContentType: f.ContentType}
			if res := c.post("/items", body(t, it, map[string]any{"reason": "新设"})); res.Status != http.StatusCreated {
				t.Fatalf("item with the uploaded blank form: %d %s", res.Status, res.Body)
			}
			er := c.upload("/files", "file", "setup.exe", append([]byte("MZ\x90\x00\x03"), make([]byte, 100)...), nil).
				apiErr(http.StatusUnprocessableEntity, "invalid")
			if !strings.Contains(er.Message, "类型") {
				t.Fatalf("wrong type: %q", er.Message)
			}
			// Window staff upload application materials, not catalog files.
			demo(t, e, "county.window").upload("/files", "file", "a.pdf", tinyPDF, map[string]string{"purpose": "catalog"}).apiErr(http.StatusForbidden, "forbidden")
			c.post("/files", map[string]string{"file": "x"}).apiErr(http.StatusBadRequest, "bad_request")
		})

		t.Run("uploads over the limit get 413", func(t *testing.T) {
			// The same API with a 4 KB upload limit.
			cfg := e.App.Config
			cfg.MaxUpload = 4 << 10
			svc := e.App.Services()
			svc.Config = cfg
			h := api.New(svc)
			srv := httptest.NewServer(httpauth.Middleware(e.App.Users, httpauth.Options{})(h))
			defer srv.Close()
			small := &client{t: t, base: srv.URL + "/api/v1", token: c.token}
			big := append(bytes.Clone(tinyPDF), bytes.Repeat([]byte("%"), 5<<10)...)
			if er := small.upload("/files", "file", "big.pdf", big, nil).apiErr(http.StatusRequestEntityTooLarge, "too_large"); !strings.Contains(er.Message, "4 KB") {
				t.Fatalf("message %q", er.Message)
			}
			huge := append(bytes.Clone(tinyPDF), bytes.Repeat([]byte("%"), 200<<10)...)
			small.upload("/files", "file", "huge.pdf", huge, nil).apiErr(http.StatusRequestEntityTooLarge, "too_large")
			doc := exportJSON(t)
			if len(doc) <= 4<<10 {
				t.Fatalf("export only %d bytes", len(doc))
			}
			small.do("POST", "/catalog/import?reason=x", "application/json", bytes.NewReader(doc), nil).apiErr(http.StatusRequestEntityTooLarge, "too_large")
			small.upload("/catalog/import", "file", "c.json", doc, map[string]string{"reason": "x"}).apiErr(http.StatusRequestEntityTooLarge, "too_large")
			if res := small.upload("/files", "file", "ok.pdf", tinyPDF, nil); res.Status != http.StatusCreated {
				t.Fatalf("small file refused: %d %s", res.Status, res.Body)
			}
		})

		t.Run("openapi.json describes every route", func(t *testing.T) {
			res := anon(t, e).get("/openapi.json")
			var doc struct {
				OpenAPI string `json:"openapi"`
				Paths   map[string]map[string]json.RawMessage
			}
			if res.Status != http.StatusOK || json.Unmarshal(res.Body, &doc) != nil || !strings.HasPrefix(doc.OpenAPI, "3.1") {
				t.Fatalf("openapi.json: %d", res.Status)
			}
			for _, p := range []string{"/auth/login", "/items/{code}", "/catalog/import", "/files"} {
				if doc.Paths[p] == nil {
					t.Fatalf("openapi.json lacks %s", p)
				}
			}
		})
	})
}
