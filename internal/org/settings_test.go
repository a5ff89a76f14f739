package org_test

import (
	"testing"

	"zwfw"
	"zwfw/internal/org"
)

// TestMaySetSettings: a county's settings (calendar, weights) are changed by
// that county's administrators only; the city's by the city's.
func TestMaySetSettings(t *testing.T) {
	city := &org.Org{Code: "610900", Name: "安康市", Kind: org.KindCity, Path: "/1/"}
	county := &org.Org{Code: "610923", Name: "宁陕县", Kind: org.KindCounty, Path: "/1/2/"}
	town := &org.Org{Code: "610923100", Name: "城关镇", Kind: org.KindTown, Path: "/1/2/3/"}
	staff := func(path string, roles ...string) *zwfw.Actor {
		return &zwfw.Actor{Kind: zwfw.KindStaff, OrgPath: path, Roles: roles}
	}
	cases := []struct {
		name  string
		actor *zwfw.Actor
		o     *org.Org
		ok    bool
	}{
		{"county admin, own county", staff("/1/2/", zwfw.RoleAdmin), county, true},
		{"city admin, city", staff("/1/", zwfw.RoleAdmin), city, true},
		{"system", zwfw.System, county, true},
		{"city admin, a county", staff("/1/", zwfw.RoleAdmin), county, false},
		{"town admin, its county", staff("/1/2/3/", zwfw.RoleAdmin), county, false},
		{"other county's admin", staff("/1/9/", zwfw.RoleAdmin), county, false},
		{"county supervisor", staff("/1/2/", zwfw.RoleSupervisor), county, false},
		{"town admin, own town", staff("/1/2/3/", zwfw.RoleAdmin), town, false},
		{"applicant", &zwfw.Actor{Kind: zwfw.KindPerson, OrgPath: "/1/2/", Roles: []string{zwfw.RoleAdmin}}, county, false},
		{"nobody", nil, county, false},
	}
	for _, c := range cases {
		if err := org.MaySetSettings(c.actor, c.o, "工作日历"); (err == nil) != c.ok {
			t.Errorf("%s: err = %v, want allowed = %v", c.name, err, c.ok)
		}
	}
}
