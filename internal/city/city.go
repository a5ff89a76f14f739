// Package city is the city platform's view of its counties (issue 14 item
// 5; 实施方案 §1(2): "与'市云平台'进行对接，构建…市县两级数据共享网上政务
// 服务平台", §2(1) 统一反馈). The same binary runs as the city platform
// (ZWFW_ROLE=city): every county pushes each of its case events through the
// exchange (internal/exchange), and the applier here keeps, in the
// transaction that records the event in the exchange's inbox, the
// projections the city's dashboard and reports read (migration 00049):
// one row per case (city_cases) and the figures by county, department and
// day or month (city_rollup). A period's figures are so summed from a few
// hundred rows however many events made them.
//
// Who may see it is decided here, once (Scope): the city's supervisors and
// administrators — staff of the city's root organisation — see every
// county; on a county platform nobody does, and the pages and the API
// answer 404 there.
package city

import (
	"context"
	"time"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/db"
	"zwfw/internal/exchange"
)

// Service is the city's view of its counties.
type Service struct {
	db      *db.DB
	cal     *calendar.Calendar
	rule    casework.WarnRule
	now     func() time.Time
	enabled bool   // this deployment is the city platform
	root    string // the city's root organisation (ZWFW_PLATFORM_CODE)
	events  EventSource
}

// EventSource reads the case events a county sent, in sequence order, from
// the exchange's inbox (the events are kept there once, not copied here):
// exchange.Service.Inbox.
type EventSource func(ctx context.Context, from, caseSerial string) ([]exchange.Received, error)

// Options configure a Service.
type Options struct {
	City     bool   // Config.Role == "city"
	RootCode string // the city's root organisation: Config.PlatformCode
	Rule     casework.WarnRule
	Events   EventSource
}

// New returns the city view over d.
func New(d *db.DB, cal *calendar.Calendar, now func() time.Time, o Options) *Service {
	rule := o.Rule
	if rule.Days == 0 && rule.Share == 0 {
		rule = casework.DefaultWarnRule
	}
	return &Service{db: d, cal: cal, rule: rule, now: now, enabled: o.City, root: o.RootCode, events: o.Events}
}

// Enabled reports whether this deployment is the city platform.
func (s *Service) Enabled() bool { return s.enabled }

// SetEvents sets where the drill-down reads a case's events from.
func (s *Service) SetEvents(e EventSource) { s.events = e }

// Subscribe registers the applier with the exchange: on the city platform
// every received case event updates the projections in its receipt's
// transaction. A county platform keeps no city view.
func (s *Service) Subscribe(x *exchange.Service) {
	if !s.enabled || x == nil {
		return
	}
	x.Subscribe(s.Applier())
}

// Applier is the exchange applier that keeps the projections.
func (s *Service) Applier() exchange.Applier {
	return func(ctx context.Context, tx *db.Tx, from *exchange.Peer, ev *exchange.Event) error {
		name := ev.From
		code := ev.From
		if from != nil {
			code = from.Code
			if from.Name != "" {
				name = from.Name
			}
		}
		return s.Apply(ctx, tx, code, name, ev)
	}
}

// View is what an actor may see of the city's view of its counties.
type View struct {
	All bool // every county (the only view there is today)
}

// Scope decides who sees the city's dashboard, drill-down and reports: on
// the city platform, its supervisors (电子监察) and administrators — staff
// of the city's root organisation — and the platform itself, over every
// county. On a county platform the pages do not exist (ENOTFOUND, 404);
// anyone else on the city platform is refused (EFORBIDDEN).
func (s *Service) Scope(a *zwfw.Actor) (*View, error) {
	if !s.enabled {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "本平台不是市级平台，没有全市监管页面")
	}
	if a == nil {
		return nil, zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	}
	if a.Kind == zwfw.KindSystem {
		return &View{All: true}, nil
	}
	if a.IsStaff() && a.HasAny(zwfw.RoleSupervisor, zwfw.RoleAdmin) && a.OrgCode != "" && a.OrgCode == s.root {
		return &View{All: true}, nil
	}
	return nil, zwfw.Errorf(zwfw.EFORBIDDEN, "全市监管数据仅供市级平台的电子监察人员和管理人员查看")
}

// May reports whether the actor may see the city's view (for menus).
func (s *Service) May(a *zwfw.Actor) bool {
	_, err := s.Scope(a)
	return err == nil
}
