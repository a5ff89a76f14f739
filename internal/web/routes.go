package web

import (
	"net/http"

	"zwfw/internal/attendance"
	"zwfw/internal/licence"
)

// access says who may open a page. Roles and scope are the services'
// business; the access wrapper only turns away those who cannot be served
// at all (visitors from signed-in pages, applicants from staff pages …).
type access int

const (
	public    access = iota // anyone
	signedIn                // any signed-in account; visitors go to the sign-in page
	applicant               // applicants; staff get the note that sends them to the workbench
	staff                   // staff; applicants get the 403 page
)

func (a access) String() string {
	switch a {
	case public:
		return "public"
	case signedIn:
		return "signedIn"
	case applicant:
		return "applicant"
	case staff:
		return "staff"
	}
	return "unknown"
}

// route is one page route. Limit > 0 makes it a form post: the body is
// bounded to Limit bytes, parsed, and the CSRF token checked before Handle.
type route struct {
	Method  string
	Pattern string
	Access  access
	Limit   int64
	Handle  handlerFunc
}

// table is every page of the web surface, in the order of the menus. The
// authorization matrix (internal/app/authz_test.go) has a row for each;
// a page added here without one fails it.
func (s *server) table() []route {
	upload := s.maxUpload()
	// A post of the application form may carry one file per material; each
	// is held to the upload limit by files.Store.Put, the whole post to four
	// of them (more files: save a draft and upload the rest after).
	multi := 4*upload + formLimit
	return []route{
		// The online hall.
		{"GET", "/{$}", public, 0, s.home},
		{"GET", "/items", public, 0, s.itemList},
		{"GET", "/items/{code}", public, 0, s.itemGuide},
		{"GET", "/items/{code}/files/{sha}", public, 0, s.itemFile},
		{"GET", "/towns/{code}", public, 0, s.town},
		{"POST", "/care", public, formLimit, s.setCare},

		// Accounts.
		{"GET", "/login", public, 0, s.loginPage},
		{"POST", "/login", public, formLimit, s.login},
		{"GET", "/register", public, 0, s.registerPage},
		{"POST", "/register", public, formLimit, s.register},
		// Phone verification, sign-in by SMS code, the privacy notice (verify.go).
		{"POST", "/register/code", public, formLimit, s.registerCode},
		{"POST", "/login/code", public, formLimit, s.loginCode},
		{"POST", "/login/sms", public, formLimit, s.loginSMS},
		{"GET", "/privacy", public, 0, s.privacy},
		{"POST", "/privacy", signedIn, formLimit, s.acceptPrivacy},
		{"POST", "/logout", public, formLimit, s.logout},
		// Unified identity (统一身份认证) and the second step (oidc.go).
		{"GET", "/login/oidc", public, 0, s.oidcStart},
		{"GET", "/login/oidc/callback", public, 0, s.oidcCallback},
		{"GET", "/login/totp", public, 0, s.totpStep},
		{"POST", "/login/totp", public, formLimit, s.totpStepPost},
		{"GET", "/login/totp/enrol", public, 0, s.totpEnrolStep},
		{"POST", "/login/totp/enrol", public, formLimit, s.totpEnrolStepPost},
		{"GET", "/account/totp", signedIn, 0, s.accountTOTP},
		{"POST", "/account/totp", signedIn, formLimit, s.accountTOTPPost},
		{"GET", "/account", signedIn, 0, s.accountPage},
		{"POST", "/account/password", signedIn, formLimit, s.changePassword},
		{"POST", "/account/keepalive", signedIn, formLimit, s.keepAlive},

		// Administration (every action is scoped by the services).
		{"GET", "/admin", staff, 0, s.adminHome},
		{"GET", "/admin/orgs", staff, 0, s.adminOrgs},
		{"GET", "/admin/orgs/new", staff, 0, s.adminOrgNew},
		{"POST", "/admin/orgs", staff, formLimit, s.adminOrgCreate},
		{"GET", "/admin/orgs/{code}/edit", staff, 0, s.adminOrgEdit},
		{"POST", "/admin/orgs/{code}", staff, formLimit, s.adminOrgUpdate},
		{"POST", "/admin/orgs/{code}/active", staff, formLimit, s.adminOrgActive},
		{"GET", "/admin/orgs/{code}/notices", staff, 0, s.adminOrgNotices},
		{"POST", "/admin/orgs/{code}/notices", staff, formLimit, s.adminOrgNoticesPost},
		{"GET", "/admin/orgs/{code}/sms", staff, 0, s.adminOrgSMS},
		{"POST", "/admin/orgs/{code}/sms", staff, formLimit, s.adminOrgSMSPost},
		{"POST", "/admin/orgs/{code}/sms/test", staff, formLimit, s.adminOrgSMSTest},
		{"GET", "/admin/orgs/{code}/security", staff, 0, s.adminOrgSecurity},
		{"POST", "/admin/orgs/{code}/security", staff, formLimit, s.adminOrgSecurityPost},

		{"GET", "/admin/users", staff, 0, s.adminUsers},
		{"GET", "/admin/users/new", staff, 0, s.adminUserNew},
		{"POST", "/admin/users", staff, formLimit, s.adminUserCreate},
		{"GET", "/admin/users/{username}/edit", staff, 0, s.adminUserEdit},
		{"POST", "/admin/users/{username}", staff, formLimit, s.adminUserUpdate},
		{"POST", "/admin/users/{username}/password", staff, formLimit, s.adminUserPassword},
		{"POST", "/admin/users/{username}/unlock", staff, formLimit, s.adminUserUnlock},
		{"GET", "/admin/users/{username}/oidc", staff, 0, s.adminUserOIDC},
		{"POST", "/admin/users/{username}/oidc", staff, formLimit, s.adminUserOIDCPost},
		{"POST", "/admin/users/{username}/oidc/{id}/delete", staff, formLimit, s.adminUserOIDCDelete},
		{"POST", "/admin/users/{username}/totp/reset", staff, formLimit, s.adminUserTOTPReset},

		{"GET", "/admin/items", staff, 0, s.adminItems},
		{"GET", "/admin/items/new", staff, 0, s.adminItemNew},
		{"POST", "/admin/items", staff, 4 * upload, s.adminItemCreate},
		{"GET", "/admin/items/{code}/edit", staff, 0, s.adminItemEdit},
		{"POST", "/admin/items/{code}", staff, 4 * upload, s.adminItemUpdate},
		{"GET", "/admin/items/{code}/cancel", staff, 0, s.adminItemCancelPage},
		{"POST", "/admin/items/{code}/cancel", staff, formLimit, s.adminItemCancel},
		{"GET", "/admin/items/{code}/form", staff, 0, s.adminFormPage},
		{"POST", "/admin/items/{code}/form", staff, formLimit, s.adminFormSave},

		{"GET", "/admin/catalog/import", staff, 0, s.adminImportPage},
		{"POST", "/admin/catalog/import", staff, upload + formLimit, s.adminImport},
		{"GET", "/admin/catalog/export", staff, 0, s.adminExport},
		{"GET", "/admin/catalog/city", staff, 0, s.adminCatalogCity},
		{"POST", "/admin/catalog/city/pull", staff, formLimit, s.adminCatalogCityPull},

		// The service hall's categories (queue_admin.go).
		{"GET", "/admin/hall", staff, 0, s.adminHall},
		{"POST", "/admin/hall/centres/{centre}/categories", staff, formLimit, s.adminHallCreate},
		{"POST", "/admin/hall/categories/{id}", staff, formLimit, s.adminHallUpdate},
		{"POST", "/admin/hall/windows/{window}/categories", staff, formLimit, s.adminHallWindow},
		// A day's appointments per slot, for the hall manager (appointments.go).
		{"GET", "/admin/hall/appointments", staff, 0, s.adminHallAppointments},

		// The security log (security.go): the audit administrators'.
		{"GET", "/admin/security", staff, 0, s.securityEvents},
		{"GET", "/admin/security/export", staff, 0, s.securityExport},
		// The security administrator's overview (locked, expired accounts).
		{"GET", "/admin/security/accounts", staff, 0, s.securityAccounts},

		// The applicant's case pages (apply.go, mycase.go): applying online,
		// 我的办件 and its messages.
		{"GET", "/apply/{code}", applicant, 0, s.applyPage},
		{"POST", "/apply/{code}", applicant, multi, s.applyPost},
		{"POST", "/apply/{code}/autosave", applicant, formLimit, s.applyAutosave},
		{"POST", "/apply/{code}/upload", applicant, upload + formLimit, s.applyUpload},
		{"GET", "/apply/submitted/{serial}", applicant, 0, s.applyDone},

		{"GET", "/my", applicant, 0, s.myCases},
		{"POST", "/my/drafts/{id}/delete", applicant, formLimit, s.myDraftDelete},
		{"GET", "/my/cases/{serial}", applicant, 0, s.myCase},
		// Staff open materials from the workbench too; Cases.File decides.
		{"GET", "/my/cases/{serial}/files/{id}", signedIn, 0, s.myCaseFile},
		{"POST", "/my/cases/{serial}/supplement", applicant, multi, s.mySupplement},
		{"GET", "/my/cases/{serial}/withdraw", applicant, 0, s.myWithdrawPage},
		{"POST", "/my/cases/{serial}/withdraw", applicant, formLimit, s.myWithdraw},
		{"POST", "/my/cases/{serial}/evaluate", applicant, formLimit, s.myEvaluate},
		// Paying a fee online (pay.go): the gateway of the collecting unit;
		// the demo gateway's simulator page (演示).
		{"POST", "/my/cases/{serial}/pay", applicant, formLimit, s.myPay},
		{"GET", "/pay/demo/{serial}", applicant, 0, s.payDemo},
		{"POST", "/pay/demo/{serial}", applicant, formLimit, s.payDemoPost},
		{"GET", "/my/messages", applicant, 0, s.myMessages},
		{"POST", "/my/messages/read", applicant, formLimit, s.myMessagesRead},
		// Appointments (appointments.go): booking, 我的预约, cancel, check-in.
		{"GET", "/my/appointments", applicant, 0, s.myAppointments},
		{"GET", "/my/book/{centre}", applicant, 0, s.bookPage},
		{"POST", "/my/book/{centre}", applicant, formLimit, s.bookPost},
		{"GET", "/my/appointments/{token}", applicant, 0, s.myAppointment},
		{"POST", "/my/appointments/{token}/cancel", applicant, formLimit, s.myAppointmentCancel},
		{"POST", "/my/appointments/{token}/checkin", applicant, formLimit, s.myAppointmentCheckIn},

		// 电子证照 (licences.go): verification for anyone (网上验证核对), the
		// holder's wallet, the downloads, the organisation's licences.
		{"GET", "/verify", public, 0, s.verifyForm},
		{"POST", "/verify", public, formLimit, s.verifyPost},
		{"POST", "/verify/file", public, licence.MaxFile + formLimit, s.verifyFile},
		{"GET", "/verify/{identifier}", public, 0, s.verifyQR},
		{"GET", "/my/licences", applicant, 0, s.myLicences},
		{"GET", "/licences/{identifier}/pdf", signedIn, 0, s.licencePDF},
		{"GET", "/licences/{identifier}/json", signedIn, 0, s.licenceJSON},
		{"GET", "/work/licences", staff, 0, s.workLicences},
		{"GET", "/work/licences/{identifier}", staff, 0, s.workLicence},
		{"POST", "/work/licences/{identifier}/{action}", staff, formLimit, s.workLicenceAct},

		// 材料库 (issue 13, materials.go): 我的材料, and taking one out.
		{"GET", "/my/materials", applicant, 0, s.myMaterials},
		{"POST", "/my/materials/{id}/remove", applicant, formLimit, s.myMaterialRemove},

		// The public progress lookup (progress.go).
		{"GET", "/progress", public, 0, s.progressForm},
		{"POST", "/progress", public, formLimit, s.progressPost},
		{"GET", "/progress/{serial}", public, 0, s.progressCase},
		{"GET", "/progress/{serial}/qr.png", public, 0, s.progressQR},

		// Notices are printed by applicants and by the staff who may see the
		// case (the workbench links here); Cases.Notice checks who may.
		{"GET", "/notices/{serial}/{id}", signedIn, 0, s.noticePage},
		{"GET", "/notices/{serial}/{id}/qr.png", signedIn, 0, s.noticeQR},
		// Sealed PDF notices (issue 13 item 4, h-pdf): the notice as a signed
		// A4 PDF, for whoever may see the notice.
		{"GET", "/notices/{serial}/{id}/pdf", signedIn, 0, s.noticePDF},

		// The staff's workbench (work.go, work_case.go, work_new.go): the
		// window's queues, the reviewer's inbox, the cashier's and the
		// supervisor's lists, one case with its actions, walk-in applications.
		{"GET", "/work", staff, 0, s.workHome},
		{"GET", "/work/new", staff, 0, s.workNew},
		{"POST", "/work/new", staff, 8*upload + formLimit, s.workNewPost()},
		{"GET", "/work/cases/{serial}", staff, 0, s.workCase},
		{"GET", "/work/cases/{serial}/files/{id}", staff, 0, s.workFile},
		{"GET", "/work/cases/{serial}/form", staff, 0, s.workFormPrint},
		{"POST", "/work/cases/{serial}/actions/{action}", staff, formLimit, s.workAct},
		{"POST", "/work/cases/{serial}/ident", staff, formLimit, s.workIdent},
		{"POST", "/work/cases/{serial}/instant", staff, formLimit, s.workInstant},
		{"GET", "/work/cases/{serial}/evaluate", staff, 0, s.workEvaluate},
		{"POST", "/work/cases/{serial}/evaluate", staff, formLimit, s.workEvaluatePost},
		// The calling panel's buttons (queue.go).
		{"POST", "/work/hall/{window}/{action}", staff, formLimit, s.workHallAct},
		{"POST", "/work/hall/{window}/transfer", staff, formLimit, s.workHallTransfer},
		{"POST", "/work/hall/{window}/tickets/{number}/requeue", staff, formLimit, s.workHallRequeue},
		{"GET", "/work/hall/{window}/tickets/{number}/rate", staff, 0, s.workHallRate},
		{"POST", "/work/hall/{window}/tickets/{number}/rate", staff, formLimit, s.workHallRatePost},

		// The service hall (queue.go): the ticket machine, the centre's phone
		// page, the ticket, the display screen — public, with no personal
		// data on any of them.
		{"GET", "/hall/{centre}", public, 0, s.hallCentre},
		{"GET", "/hall/{centre}/kiosk", public, 0, s.hallKiosk},
		{"GET", "/hall/{centre}/qr.png", public, 0, s.hallCentreQR},
		{"POST", "/hall/{centre}/tickets", public, formLimit, s.hallTake},
		{"GET", "/hall/{centre}/screen", public, 0, s.hallScreen},
		// The window's small screen, the centre's rolling display, the
		// 查询机 and the display's voice clips (screens.go).
		{"GET", "/hall/{centre}/windows/{window}/screen", public, 0, s.hallWindowScreen},
		{"GET", "/hall/{centre}/rolling", public, 0, s.hallRolling},
		{"GET", "/hall/{centre}/info", public, 0, s.hallInfo},
		{"GET", "/screens/voice/{clip}", public, 0, s.hallVoice},
		{"GET", "/queue/{token}", public, 0, s.hallTicket},
		{"GET", "/queue/{token}/qr.png", public, 0, s.hallTicketQR},
		// The kiosk's 预约签到 (appointments.go).
		{"POST", "/hall/{centre}/checkin", public, formLimit, s.hallCheckIn},

		// Supervision (电子监察): the dashboard, the large screen and the cases
		// behind a figure (supervision.go); warnings (warnings.go); reports,
		// assessment weights and the error register (reports.go, errors.go).
		{"GET", "/supervision", staff, 0, s.supervisionHome},
		{"GET", "/supervision/screen", staff, 0, s.supervisionScreen},
		{"GET", "/supervision/cases", staff, 0, s.supervisionCases},
		// The hall's queue statistics (supervision_hall.go).
		{"GET", "/supervision/hall", staff, 0, s.supervisionHall},
		{"GET", "/supervision/hall/export", staff, 0, s.supervisionHallExport},
		{"GET", "/supervision/warnings", staff, 0, s.warningsPage},
		{"GET", "/supervision/reports", staff, 0, s.reportsPage},
		{"POST", "/supervision/reports", staff, formLimit, s.reportGenerate},
		{"GET", "/supervision/reports/{id}", staff, 0, s.reportPage},
		{"GET", "/supervision/reports/{id}/xlsx", staff, 0, s.reportXLSX},
		{"GET", "/supervision/weights", staff, 0, s.weightsPage},
		{"POST", "/supervision/weights", staff, formLimit, s.weightsSave},
		// The hall's attendance (考勤与请假, AB岗).
		{"GET", "/attendance", staff, 0, s.attendancePage},
		{"POST", "/attendance/punch", staff, formLimit, s.attendancePunch},
		{"POST", "/attendance/leaves", staff, formLimit, s.attendanceLeave},
		{"POST", "/attendance/leaves/{id}/actions/{action}", staff, formLimit, s.attendanceLeaveAct},
		{"POST", "/attendance/corrections", staff, formLimit, s.attendanceCorrection},
		{"POST", "/attendance/corrections/{id}/actions/{action}", staff, formLimit, s.attendanceCorrectionAct},
		{"POST", "/attendance/posts/{window}", staff, formLimit, s.attendancePosts},
		{"POST", "/attendance/posts/{window}/cover", staff, formLimit, s.attendanceCover},
		{"POST", "/attendance/posts/{window}/handback", staff, formLimit, s.attendanceHandBack},
		{"GET", "/attendance/export", staff, 0, s.attendanceExport},
		{"POST", "/attendance/devices", staff, formLimit, s.attendanceDevice},
		{"POST", "/attendance/devices/{id}/revoke", staff, formLimit, s.attendanceDeviceRevoke},
		{"POST", "/attendance/profiles/{username}", staff, attendance.MaxPhotoBytes + formLimit, s.attendanceProfile},
		// Staff public boards (公示牌).
		{"GET", "/boards/{centre}", public, 0, s.boardsPage},
		{"GET", "/boards/photos/{sha}", public, 0, s.boardPhoto},
		{"GET", "/supervision/errors", staff, 0, s.errorsPage},
		{"GET", "/supervision/errors/new", staff, 0, s.errorNew},
		{"POST", "/supervision/errors", staff, 8*upload + formLimit, s.errorRegister},
		{"GET", "/supervision/errors/{id}", staff, 0, s.errorPage},
		{"POST", "/supervision/errors/{id}/actions/{action}", staff, formLimit, s.errorAct},
		{"GET", "/supervision/errors/{id}/files/{file}", staff, 0, s.errorFile},
		// The first-inquiry register (首问登记), online questions and
		// experiences (办事体验): inquiries.go.
		{"GET", "/inquiries", staff, 0, s.inquiriesPage},
		{"GET", "/inquiries/new", staff, 0, s.inquiryNew},
		{"POST", "/inquiries", staff, formLimit, s.inquiryCreate},
		{"GET", "/inquiries/export", staff, 0, s.inquiriesExport},
		{"GET", "/inquiries/{id}", staff, 0, s.inquiryPage},
		{"POST", "/inquiries/{id}/{action}", staff, formLimit, s.inquiryAct},
		{"GET", "/questions", public, 0, s.questionForm},
		{"POST", "/questions", public, formLimit, s.questionAsk},
		{"GET", "/questions/lookup", public, 0, s.questionLookup},
		{"POST", "/questions/lookup", public, formLimit, s.questionLookup},
		{"GET", "/questions/{id}", public, 0, s.questionAnswer},
		{"POST", "/items/{code}/experiences", applicant, formLimit, s.experienceShare},
		{"GET", "/experiences", staff, 0, s.experiencesPage},
		{"POST", "/experiences/{id}/{action}", staff, formLimit, s.experienceModerate},
		// Complaints and suggestions (complaints.go, 附件2（九）3): the public
		// form and lookup, a centre's 意见箱 tablet, the staff's register.
		{"GET", "/complaints/new", public, 0, s.complaintNew},
		{"POST", "/complaints", public, formLimit, s.complaintPost},
		{"GET", "/complaints/lookup", public, 0, s.complaintLookup},
		{"POST", "/complaints/lookup", public, formLimit, s.complaintLookupPost},
		{"GET", "/hall/{centre}/yijianxiang", public, 0, s.complaintBox},
		{"POST", "/hall/{centre}/yijianxiang", public, formLimit, s.complaintBoxPost},
		{"GET", "/work/complaints", staff, 0, s.workComplaints},
		{"GET", "/work/complaints/export", staff, 0, s.workComplaintsExport},
		{"POST", "/work/complaints/limits", staff, formLimit, s.workComplaintLimits},
		{"GET", "/work/complaints/new", staff, 0, s.workComplaintNew},
		{"POST", "/work/complaints", staff, formLimit, s.workComplaintPost},
		{"GET", "/work/complaints/{number}", staff, 0, s.workComplaint},
		{"POST", "/work/complaints/{number}/actions/{action}", staff, formLimit, s.workComplaintAct},
		{"POST", "/work/complaints/{number}/phone", staff, formLimit, s.workComplaintPhone},
		// 好差评 and 差评整改 (reviews.go): the rating page a QR code or an
		// SMS link opens, the window's rating card, the phone call-back
		// entry, the work orders and the public summary.
		{"GET", "/rate/{token}", public, 0, s.ratePage},
		{"POST", "/rate/{token}", public, formLimit, s.ratePost},
		{"GET", "/rate/{token}/qr.png", public, 0, s.rateQR},
		{"GET", "/work/rating-card", staff, 0, s.ratingCard},
		{"GET", "/work/callback-rating", staff, 0, s.callbackPage},
		{"POST", "/work/callback-rating", staff, formLimit, s.callbackPost},
		{"GET", "/work/rectifications", staff, 0, s.rectificationsPage},
		{"GET", "/work/rectifications/{number}", staff, 0, s.rectificationPage},
		{"POST", "/work/rectifications/{number}/{action}", staff, formLimit, s.rectificationAct},
		{"GET", "/rectification-results", public, 0, s.rectificationResults},
		// Accountability (责任追究), the annual weights, making a report
		// public and the public 政务公开 pages of the reports (sanctions.go).
		{"GET", "/supervision/sanctions", staff, 0, s.sanctionsPage},
		{"GET", "/supervision/sanctions/new", staff, 0, s.sanctionNew},
		{"POST", "/supervision/sanctions", staff, formLimit, s.sanctionPropose},
		{"GET", "/supervision/sanctions/{id}", staff, 0, s.sanctionPage},
		{"POST", "/supervision/sanctions/{id}/actions/{action}", staff, formLimit, s.sanctionAct},
		{"POST", "/supervision/weights/annual", staff, formLimit, s.annualWeightsSave},
		{"POST", "/supervision/reports/{id}/publicity", staff, formLimit, s.reportPublicity},
		{"GET", "/gongkai/reports", public, 0, s.gongkaiReports},
		{"GET", "/gongkai/reports/{id}", public, 0, s.gongkaiReport},
		// 政务公开 (gongkai.go, 实施方案 §2(4)): the index, the list and
		// search, one document, its attachments, the feed of notices; the
		// staff's drafting and review, and the footer's site marks.
		{"GET", "/gongkai", public, 0, s.gongkaiHome},
		{"GET", "/gongkai/docs", public, 0, s.gongkaiDocs},
		{"GET", "/gongkai/docs/{id}", public, 0, s.gongkaiDoc},
		{"GET", "/gongkai/docs/{id}/files/{sha}", public, 0, s.gongkaiFile},
		{"GET", "/gongkai/feed.xml", public, 0, s.gongkaiFeed},
		{"GET", "/admin/gongkai", staff, 0, s.adminGongkai},
		{"GET", "/admin/gongkai/new", staff, 0, s.adminGongkaiNew},
		{"POST", "/admin/gongkai", staff, 4*upload + formLimit, s.adminGongkaiCreate},
		{"GET", "/admin/gongkai/{id}", staff, 0, s.adminGongkaiDoc},
		{"POST", "/admin/gongkai/{id}", staff, 4*upload + formLimit, s.adminGongkaiUpdate},
		{"POST", "/admin/gongkai/{id}/actions/{action}", staff, formLimit, s.adminGongkaiAct},
		{"GET", "/admin/gongkai/{id}/files/{sha}", staff, 0, s.adminGongkaiFile},
		{"GET", "/admin/gongkai/site", staff, 0, s.adminGongkaiSite},
		{"POST", "/admin/gongkai/site", staff, formLimit, s.adminGongkaiSitePost},
		// 市县数据交换 (admin_exchange.go, issue 14 items 5, 7): the peers,
		// the outbox and its dead letters (exchange.MayManage decides).
		{"GET", "/admin/exchange", staff, 0, s.adminExchange},
		{"POST", "/admin/exchange/peers", staff, formLimit, s.adminExchangePeer},
		{"POST", "/admin/exchange/peers/{code}/disable", staff, formLimit, s.adminExchangeDisable},
		{"POST", "/admin/exchange/resend", staff, formLimit, s.adminExchangeResend},
		// 电子签章 (esign.go, issue 13 item 2): the public keys published,
		// and an organisation's keys and their rotation for its administrator.
		{"GET", "/esign/keys", public, 0, s.esignKeys},
		{"GET", "/esign/keys/{file}", public, 0, s.esignKeyFile},
		{"GET", "/admin/orgs/{code}/esign", staff, 0, s.adminOrgEsign},
		{"POST", "/admin/orgs/{code}/esign/rotate", staff, formLimit, s.adminOrgEsignRotate},
		// The city platform (city.go, issue 14 item 5): 404 to everyone on a
		// county platform, so public here; cityPage admits staff on the city's.
		{"GET", "/city", public, 0, s.cityPage(s.cityHome)},
		{"GET", "/city/counties/{code}", public, 0, s.cityPage(s.cityCounty)},
		{"GET", "/city/cases/{county}/{serial}", public, 0, s.cityPage(s.cityCase)},
		{"GET", "/city/reports", public, 0, s.cityPage(s.cityReports)},
		{"GET", "/city/reports/{file}", public, 0, s.cityPage(s.cityReportFile)},
	}
}

// staticPattern serves the embedded assets under their checksum URLs; they
// are not pages (no session headers, no error page).
const staticPattern = "GET /static/{hash}/{name}"

// routes registers every page of the web surface. /api/v1 belongs to the
// API package and is mounted beside this handler.
func (s *server) routes(mux *http.ServeMux) {
	mux.HandleFunc(staticPattern, s.assets.serve)
	for _, rt := range s.table() {
		mux.Handle(rt.Method+" "+rt.Pattern, s.page(s.guard(rt)))
	}
	mux.Handle("/", s.page(s.notFound))
}

// guard wraps a route's handler in its access check and, for a form post,
// the body limit and CSRF check (inside the access check: a visitor is sent
// to sign in before the form is read).
func (s *server) guard(rt route) handlerFunc {
	fn := rt.Handle
	if rt.Limit > 0 {
		fn = s.form(rt.Limit, fn)
	}
	switch rt.Access {
	case signedIn:
		fn = s.signedIn(fn)
	case applicant:
		fn = s.applicant(fn)
	case staff:
		fn = s.staff(fn)
	}
	return fn
}

// RouteInfo describes one route of the web surface: its method, its
// ServeMux pattern and who may open it (public, signedIn, applicant,
// staff). FormLimit is the body limit of a form post (0: not a form).
type RouteInfo struct {
	Method    string
	Pattern   string
	Access    string
	FormLimit int64
}

// Routes lists every route of the web surface, the static assets first,
// for tests that must cover each (the authorization matrix). It needs no
// database: the table is built on an empty server and never called.
func Routes() []RouteInfo {
	s := &server{}
	out := []RouteInfo{{Method: "GET", Pattern: "/static/{hash}/{name}", Access: public.String()}}
	for _, rt := range s.table() {
		out = append(out, RouteInfo{Method: rt.Method, Pattern: rt.Pattern, Access: rt.Access.String(), FormLimit: rt.Limit})
	}
	return out
}
