package scope

import (
	"reflect"
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
