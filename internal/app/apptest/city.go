package apptest

import (
	"context"
	"testing"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/config"
)

// CityCode is the city platform's code in tests (安康市, the seeded tree's
// root).
const CityCode = "610900"

// CitySupervisor is the city platform's supervisor (电子监察) at the city's
// root organisation: seeded with the demo accounts, else StartCity creates it.
const CitySupervisor = "city.supervisor"

// CityConfig makes an instance the city platform (ZWFW_ROLE=city, 安康市).
func CityConfig(c *config.Config) {
	c.Role = config.RoleCity
	c.PlatformCode = CityCode
	c.PlatformName = "安康市"
	c.Site.Name, c.Site.Organizer, c.Site.Contact, c.Site.Domain = "安康市政务服务网", "安康市人民政府办公室", "0915-3212345", "zwfw.ankang.gov.cn"
}

// StartCity opens a city platform's instance on dialect, with its
// supervisor CitySupervisor (password DemoPassword) beside the seeded
// accounts.
func StartCity(t testing.TB, dialect string, o ...Options) *Env {
	t.Helper()
	var opt Options
	if len(o) > 0 {
		opt = o[0]
	}
	more := opt.Config
	opt.Config = func(c *config.Config) {
		CityConfig(c)
		if more != nil {
			more(c)
		}
	}
	e := Start(t, dialect, opt)
	// A city with the demo seed has it already (seed.CityDemoAccounts).
	if _, err := e.App.Users.ByUsername(context.Background(), CitySupervisor); err == nil {
		return e
	}
	if _, err := e.App.Users.CreateStaff(context.Background(), zwfw.System, account.UserInput{Username: CitySupervisor, Password: DemoPassword,
		Name: "市监察", Phone: "0915-3212345", Roles: []string{zwfw.RoleSupervisor}, OrgCode: CityCode, Post: "电子监察"}); err != nil {
		t.Fatalf("city supervisor: %v", err)
	}
	return e
}
