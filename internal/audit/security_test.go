package audit_test

import (
	"testing"

	"zwfw"
	"zwfw/internal/audit"
)

// The security log keeps no number whole: a username that holds a phone or
// identity number is masked; ordinary usernames are kept.
func TestMaskUsername(t *testing.T) {
	for in, want := range map[string]string{
		"county.window":      "county.window",
		"13991561234":        "139******34",
		"610923198503120025": "610*************25",
		"wang12345":          "wang12345",
		"x13991561234y":      "x139******34y",
	} {
		if got := audit.MaskUsername(in); got != want {
			t.Errorf("MaskUsername(%q) = %q, want %q", in, got, want)
		}
	}
}

// MayRead admits the audit administrators and the platform, nobody else
// (三员分立).
func TestMayRead(t *testing.T) {
	for _, c := range []struct {
		a  *zwfw.Actor
		ok bool
	}{
		{zwfw.System, true},
		{&zwfw.Actor{Kind: zwfw.KindStaff, Roles: []string{zwfw.RoleAuditAdmin}}, true},
		{&zwfw.Actor{Kind: zwfw.KindStaff, Roles: []string{zwfw.RoleAdmin}}, false},
		{&zwfw.Actor{Kind: zwfw.KindStaff, Roles: []string{zwfw.RoleSecurityAdmin}}, false},
		{&zwfw.Actor{Kind: zwfw.KindPerson, Roles: []string{zwfw.RoleAuditAdmin}}, false},
		{nil, false},
	} {
		if err := audit.MayRead(c.a); (err == nil) != c.ok {
			t.Errorf("%+v: %v", c.a, err)
		}
	}
}
