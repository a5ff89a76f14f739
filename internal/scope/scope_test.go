package scope

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"zwfw"
)

func TestOf(t *testing.T) {
	town := &zwfw.Actor{Kind: zwfw.KindStaff, OrgPath: "/1/2/5/"}
	cases := []struct {
		name string
		a    *zwfw.Actor
		in   []string
		out  []string
	}{
		{"anonymous", nil, nil, []string{"/1/", "/1/2/5/"}},
		{"system", zwfw.System, []string{"/1/", "/9/"}, nil},
		{"town staff", town, []string{"/1/2/5/", "/1/2/5/7/"}, []string{"/1/2/", "/1/2/50/", "/1/2/6/", ""}},
		{"applicant", &zwfw.Actor{Kind: zwfw.KindPerson, OrgPath: "/1/"}, nil, []string{"/1/"}},
		{"staff without org", &zwfw.Actor{Kind: zwfw.KindStaff}, nil, []string{"/1/"}},
	}
	for _, c := range cases {
		s := Of(c.a)
		for _, p := range c.in {
			if !s.Contains(p) {
				t.Errorf("%s: %s should be in scope", c.name, p)
			}
		}
		for _, p := range c.out {
			if s.Contains(p) {
				t.Errorf("%s: %s should be out of scope", c.name, p)
			}
		}
	}
}

func TestWhere(t *testing.T) {
	sql, args := Subtree("/1/2_3/").Where("c.org_path", "c.dept_path").And("c.status = ?", "accepted").SQL()
	want := ` WHERE (c.org_path LIKE ? ESCAPE '\' OR c.dept_path LIKE ? ESCAPE '\') AND c.status = ?`
	if sql != want {
		t.Errorf("sql = %q, want %q", sql, want)
	}
	if !reflect.DeepEqual(args, []any{`/1/2\_3/%`, `/1/2\_3/%`, "accepted"}) {
		t.Errorf("args = %#v", args)
	}
	if sql, args := All.Where("c.org_path").SQL(); sql != "" || len(args) != 0 {
		t.Errorf("all: %q %v", sql, args)
	}
	if sql, _ := None.Where("c.org_path").SQL(); sql != " WHERE 1 = 0" {
		t.Errorf("none: %q", sql)
	}
}

// TestInScopeAgrees holds zwfw.Actor.InScope (for code that cannot import
// this package) to the same answer as Of(a).Contains.
func TestInScopeAgrees(t *testing.T) {
	actors := []*zwfw.Actor{
		nil, zwfw.System,
		{Kind: zwfw.KindStaff, OrgPath: "/1/"},
		{Kind: zwfw.KindStaff, OrgPath: "/1/2/"},
		{Kind: zwfw.KindStaff, OrgPath: "/1/2/5/"},
		{Kind: zwfw.KindStaff, OrgPath: "/"},
		{Kind: zwfw.KindStaff},
		{Kind: zwfw.KindPerson, OrgPath: "/1/"},
		{Kind: zwfw.KindPerson},
		{Kind: zwfw.KindEnterprise, OrgPath: "/1/2/"},
	}
	paths := []string{"", "/", "/1/", "/1/2/", "/1/2/5/", "/1/2/5/7/", "/1/20/", "/1/3/", "/9/"}
	for _, a := range actors {
		for _, p := range paths {
			if got, want := a.InScope(p), Of(a).Contains(p); got != want {
				t.Errorf("actor %+v, path %q: InScope = %v, scope.Of(a).Contains = %v", a, p, got, want)
			}
		}
	}
}

// TestOnePlaceWritesTheSubtree fails when a file outside this package
// writes an organisation-path condition by hand: the next list or report
// that did so could forget the escape, or whose data it reads.
func TestOnePlaceWritesTheSubtree(t *testing.T) {
	by := regexp.MustCompile(`(?i)(_path|\bpath)\s+LIKE|LIKE\s+\w+\.(\w+_)?path\b`)
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); n == ".git" || n == "node_modules" || p == filepath.Join(root, "internal", "scope") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if by.MatchString(line) {
				t.Errorf("%s:%d writes an organisation-path condition; use internal/scope: %s", p, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
