package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"zwfw"
	"zwfw/internal/account/ident"
	"zwfw/internal/app/apptest"
	"zwfw/internal/catalog"
)

// client calls the API of a test instance as one signed-in account (or as
// nobody, with an empty token).
type client struct {
	t     *testing.T
	base  string
	token string
}

func anon(t *testing.T, e *apptest.Env) *client {
	return &client{t: t, base: e.URL + "/api/v1"}
}

// login signs username in and returns a client carrying its bearer token.
func login(t *testing.T, e *apptest.Env, username, password string) *client {
	t.Helper()
	c := anon(t, e)
	res := c.post("/auth/login", map[string]string{"username": username, "password": password})
	if res.Status != http.StatusOK {
		t.Fatalf("login %s: %d %s", username, res.Status, res.Body)
	}
	var out struct{ Token string }
	res.decode(&out)
	c.token = out.Token
	return c
}

func demo(t *testing.T, e *apptest.Env, username string) *client {
	t.Helper()
	if username == "admin" {
		return login(t, e, "admin", apptest.AdminPassword)
	}
	return login(t, e, username, apptest.DemoPassword)
}

type response struct {
	t      *testing.T
	Status int
	Header http.Header
	Body   []byte
}

// decode reads the JSON body into v.
func (r *response) decode(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		r.t.Fatalf("decode %s: %v", r.Body, err)
	}
}

type apiError struct {
	Code    string             `json:"code"`
	Message string             `json:"message"`
	Details []zwfw.ErrorDetail `json:"details"`
}

// apiErr checks the response is an error with status and code in the one
// error shape, and returns it.
func (r *response) apiErr(status int, code string) apiError {
	r.t.Helper()
	if r.Status != status {
		r.t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		r.t.Fatalf("error Content-Type %q", ct)
	}
	var body map[string]json.RawMessage
	r.decode(&body)
	if len(body) != 1 || body["error"] == nil {
		r.t.Fatalf("error body is not {\"error\":…}: %s", r.Body)
	}
	var e apiError
	dec := json.NewDecoder(bytes.NewReader(body["error"]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		r.t.Fatalf("error object %s: %v", body["error"], err)
	}
	if e.Code != code || e.Message == "" || e.Details == nil {
		r.t.Fatalf("error = %+v, want code %s with a message and a details array", e, code)
	}
	return e
}

// hasDetail reports whether e lists a problem on field whose message
// contains msg.
func (e apiError) hasDetail(field, msg string) bool {
	for _, d := range e.Details {
		if d.Field == field && strings.Contains(d.Message, msg) {
			return true
		}
	}
	return false
}

func (c *client) do(method, path, ctype string, body io.Reader, hdr map[string]string) *response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return &response{t: c.t, Status: resp.StatusCode, Header: resp.Header, Body: b}
}

func (c *client) get(path string) *response {
	c.t.Helper()
	return c.do("GET", path, "", nil, nil)
}

func (c *client) send(method, path string, v any) *response {
	c.t.Helper()
	var b []byte
	switch v := v.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			c.t.Fatal(err)
		}
	}
	return c.do(method, path, "application/json", bytes.NewReader(b), nil)
}

func (c *client) post(path string, v any) *response {
	c.t.Helper()
	return c.send("POST", path, v)
}

func (c *client) put(path string, v any) *response {
	c.t.Helper()
	return c.send("PUT", path, v)
}

// upload posts a multipart form with a file field and extra fields.
func (c *client) upload(path, field, name string, content []byte, fields map[string]string) *response {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	fw, err := mw.CreateFormFile(field, name)
	if err != nil {
		c.t.Fatal(err)
	}
	_, _ = fw.Write(content)
	_ = mw.Close()
	return c.do("POST", path, mw.FormDataContentType(), &buf, nil)
}

// total is the "total" of a list response.
func (c *client) total(path string) int {
	c.t.Helper()
	res := c.get(path)
	if res.Status != http.StatusOK {
		c.t.Fatalf("GET %s: %d %s", path, res.Status, res.Body)
	}
	var l struct{ Total int }
	res.decode(&l)
	return l.Total
}

// itemView is an item as the API returns it.
type itemView struct {
	catalog.Item
	TypeName string `json:"type_name"`
	KindName string `json:"kind_name"`
	DeptName string `json:"dept_name"`
}

func (c *client) item(code string) itemView {
	c.t.Helper()
	res := c.get("/items/" + code)
	if res.Status != http.StatusOK {
		c.t.Fatalf("GET item %s: %d %s", code, res.Status, res.Body)
	}
	var it itemView
	res.decode(&it)
	return it
}

// testItem is a complete, valid promised item of 宁陕县市场监督管理局.
func testItem(code, name string) *catalog.Item {
	return &catalog.Item{
		Code: code, ImplCode: code + "-610923000000-000-11610923MB0000174F-1-00",
		Name: name, Type: "01", Kind: catalog.KindPromised, Dept: "610923D01",
		Levels: []string{"county"}, Audience: []string{"person", "enterprise"}, Themes: []string{"经营许可"},
		Basis:      []catalog.Basis{{Law: "《中华人民共和国食品安全法》", Article: "第三十五条"}},
		Conditions: "申请人应当具有与经营的食品品种、数量相适应的经营场所。",
		Materials: []catalog.Material{
			{Name: "申请书", Form: "original", Copies: 1, Source: "applicant", Required: "required", Signature: true},
			{Name: "营业执照", Form: "copy", Copies: 1, Source: "government", Issuer: "市场监督管理部门", Required: "required"},
		},
		LegalLimitDays: 20, PromisedLimitDays: 10,
		Steps: []catalog.Step{
			{Name: "受理", Post: "市场准入窗口", Person: "李晓燕", Phone: "0915-6826789", LimitDays: 1},
			{Name: "审查", Post: "食品经营许可股", Person: "周建国", Phone: "0915-6821125", LimitDays: 6},
			{Name: "决定", Post: "分管副局长", Person: "陈立新", Phone: "0915-6821125", LimitDays: 3},
		},
		Fees: []catalog.Fee{}, Visits: 1, OnlineDepth: []int{1, 2, 3, 4},
		Place: "宁陕县政务服务中心一楼", Hours: "周一至周五 上午8:30—12:00，下午14:30—18:00",
		ConsultPhone: "0915-6821125", ComplaintPhone: "12345", ResultName: "许可证", ResultType: "证照",
	}
}

// body is an item as a request body, with extra keys (reason, version).
func body(t *testing.T, it *catalog.Item, extra map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(it)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"status", "version", "updated_at"} {
		delete(m, k)
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// idNumber completes 17 digits with the right check digit.
func idNumber(first17 string) string {
	return first17 + string(ident.IDCheckDigit(first17))
}

// creditCode makes a valid unified social credit code from registration
// authority and category ("91"), division ("610923") and an 8-character
// organisation code body.
func creditCode(prefix8, body8 string) string {
	c17 := prefix8 + body8 + string(ident.OrgCodeCheck(body8))
	return c17 + string(ident.CreditCheckChar(c17))
}
