// Package services is the one set of domain services the two surfaces are
// built on: internal/app builds it once, and the pages (internal/web) and
// the API (internal/api) take the same value. Neither surface reaches the
// database but through these.
package services

import (
	"log/slog"
	"time"

	"zwfw/internal/account"
	"zwfw/internal/attendance"
	"zwfw/internal/audit"
	"zwfw/internal/calendar"
	"zwfw/internal/casework"
	"zwfw/internal/catalog"
	"zwfw/internal/catalogsync"
	"zwfw/internal/city"
	"zwfw/internal/complaint"
	"zwfw/internal/config"
	"zwfw/internal/disclosure"
	"zwfw/internal/esign"
	"zwfw/internal/exchange"
	"zwfw/internal/files"
	"zwfw/internal/hall"
	"zwfw/internal/inquiry"
	"zwfw/internal/licence"
	"zwfw/internal/materials"
	"zwfw/internal/notify"
	"zwfw/internal/org"
	"zwfw/internal/review"
	"zwfw/internal/supervision"
)

// Services are what the page and API handlers call.
type Services struct {
	Config   config.Config
	Orgs     *org.Service
	Users    *account.Service
	Catalog  *catalog.Service
	Files    *files.Store
	Cases    *casework.Service
	Calendar *calendar.Calendar
	Inbox    *notify.Inbox // 站内消息
	Warnings *supervision.Warnings
	// Supervision computes the dashboard figures (电子监察、监管大屏).
	Supervision *supervision.Service
	Reports     *supervision.Reports // 日检查、周考勤、月通报、季考核
	Errors      *supervision.Errors  // 差错登记
	Attendance  *attendance.Service  // 考勤、请销假、AB岗
	Audit       *audit.Service       // audit reads, scoped
	Hall        *hall.Service        // 大厅: categories, tickets, calling, screens
	Complaints  *complaint.Service   // 投诉建议、意见箱
	Log         *slog.Logger
	Now         func() time.Time
	// Inquiries: 首问登记 (first-inquiry register) and 办事体验.
	Inquiries *inquiry.Service
	// Reviews: the rating links, staff ratings and 差评整改 work orders.
	Reviews *review.Service

	// Sanctions is the accountability register (责任追究, issue 11).
	Sanctions *supervision.Sanctions

	// Disclosure is 政务公开: documents, their workflow and search, and
	// the government-site marks of the footer (issue 12 item 2).
	Disclosure *disclosure.Service
	// SMS chooses each organisation's SMS gateway (org/sms.go).
	SMS *org.SMSGateways
	// Esign is 电子签章: the organisations' SM2 keys, signatures and signed
	// PDFs (issue 13 items 2, 4).
	Esign *esign.Service
	// Materials is the materials library (我的材料) and the reuse of
	// licences and earlier materials when applying (issue 13).
	Materials *materials.Service
	// Licences are 电子证照: issuing, verification, revocation, the wallet.
	Licences *licence.Service
	// Exchange is the county ↔ city exchange (issue 14).
	Exchange *exchange.Service
	// City is the city platform's view of its counties (issue 14 item 5):
	// the dashboard, drill-down and reports; 404 on a county platform.
	City *city.Service
	// CatalogSync publishes the city's catalog and pulls it into a county
	// (issue 14 item 4).
	CatalogSync *catalogsync.Service
}
