package web

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

// A missing or broken template stops the start, not a request.
func TestTemplatesFailAtStart(t *testing.T) {
	a, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{}
	good := fstest.MapFS{}
	err = fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFS, p)
		good[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseTemplates(good, s.funcs(a)); err != nil {
		t.Fatalf("the embedded templates do not parse: %v", err)
	}
	clone := func() fstest.MapFS {
		c := fstest.MapFS{}
		for k, v := range good {
			c[k] = v
		}
		return c
	}
	missing := clone()
	delete(missing, "templates/guide.html")
	if _, err := parseTemplates(missing, s.funcs(a)); err == nil || !strings.Contains(err.Error(), "guide.html") {
		t.Errorf("a missing page template: %v", err)
	}
	broken := clone()
	broken["templates/login.html"] = &fstest.MapFile{Data: []byte(`{{define "main"}}{{if .Error}}unclosed{{end}`)}
	if _, err := parseTemplates(broken, s.funcs(a)); err == nil {
		t.Error("a broken template parsed")
	}
	nomain := clone()
	nomain["templates/account.html"] = &fstest.MapFile{Data: []byte(`{{define "other"}}x{{end}}`)}
	if _, err := parseTemplates(nomain, s.funcs(a)); err == nil {
		t.Error("a page without main parsed")
	}
	unknownFunc := clone()
	unknownFunc["templates/home.html"] = &fstest.MapFile{Data: []byte(`{{define "main"}}{{nosuchfunc .}}{{end}}`)}
	if _, err := parseTemplates(unknownFunc, s.funcs(a)); err == nil {
		t.Error("a template calling an unknown function parsed")
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/items/1":             "/items/1",
		"/admin?x=1":           "/admin?x=1",
		"":                     "D",
		"//evil.example":       "D",
		"/\\evil.example":      "D",
		"https://evil.example": "D",
		"javascript:alert(1)":  "D",
		"/login":               "D",
		"/%0d%0aSet-Cookie:x":  "/%0d%0aSet-Cookie:x",
	} {
		if got := safeNext(in, "D"); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestContentDisposition(t *testing.T) {
	got := contentDisposition("食品经营许可申请书（空白表格）.xlsx")
	want := `attachment; filename="download.xlsx"; filename*=UTF-8''%E9%A3%9F%E5%93%81%E7%BB%8F%E8%90%A5%E8%AE%B8%E5%8F%AF%E7%94%B3%E8%AF%B7%E4%B9%A6%EF%BC%88%E7%A9%BA%E7%99%BD%E8%A1%A8%E6%A0%BC%EF%BC%89.xlsx`
	if got != want {
		t.Errorf("got %s", got)
	}
	if got := contentDisposition(`a"b;c.pdf`); strings.Contains(got, `a"b`) {
		t.Errorf("quote not escaped: %s", got)
	}
}

func TestParseYuan(t *testing.T) {
	for in, want := range map[string]int64{"10": 1000, "12.5": 1250, "12.50元": 1250, "0.05": 5} {
		if got, ok := parseYuan(in); !ok || got != want {
			t.Errorf("parseYuan(%q) = %d %v", in, got, ok)
		}
	}
	for _, in := range []string{"abc", "1.234", "-1", ""} {
		if _, ok := parseYuan(in); ok {
			t.Errorf("parseYuan(%q) accepted", in)
		}
	}
}
