package api

import (
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strings"

	"zwfw"
	"zwfw/internal/account"
	"zwfw/internal/httpauth"
	"zwfw/internal/inputlimit"
	"zwfw/internal/services"
)

// access says who may call a route. Roles and scope are the services'
// business; the API only insists on a signed-in actor where one is needed.
type access int

const (
	public    access = iota // anyone
	signedIn                // a signed-in actor; CSRF token when signed in by cookie
	signature               // no session: the handler checks a shared-secret signature (payment callback)
)

func (a access) String() string {
	switch a {
	case public:
		return "public"
	case signedIn:
		return "signedIn"
	case signature:
		return "signature"
	}
	return "unknown"
}

// handler is an API handler: it writes a response, or returns an error that
// serve renders.
type handler func(w http.ResponseWriter, r *http.Request) error

// route is one operation of the API. Path is relative to Prefix. Upload
// routes accept bodies up to Config.MaxUpload; the others up to 1 MiB.
type route struct {
	Method string
	Path   string
	Access access
	Upload bool
	Handle handler
}

// routes is every route of the API. openapi_test.go checks the table against
// openapi.json in both directions.
func routes(d services.Services) []route {
	return []route{
		{"POST", "/auth/login", public, false, handleLogin(d.Users, d.Config.TokenTTL, d.Now)},
		{"POST", "/auth/logout", signedIn, false, handleLogout(d.Users)},
		{"GET", "/auth/me", signedIn, false, handleMe(d.Users)},
		{"POST", "/auth/password", signedIn, false, handleChangePassword(d.Users)},
		{"POST", "/auth/register", public, false, handleRegister(d.Users)},
		{"POST", "/auth/sms-code", public, false, handleSMSCode(d.Users)},
		{"POST", "/auth/login/sms", public, false, handleLoginSMS(d.Users, d.Config.TokenTTL, d.Now)},
		{"GET", "/auth/privacy", public, false, handlePrivacy()},
		{"POST", "/auth/oidc/backchannel-logout", signature, false, handleBackChannelLogout(d.Users)},
		{"POST", "/auth/privacy", signedIn, false, handleAcceptPrivacy(d.Users)},

		{"GET", "/orgs", public, false, handleListOrgs(d.Orgs)},
		{"GET", "/orgs/{code}", public, false, handleGetOrg(d.Orgs)},
		{"POST", "/orgs", signedIn, false, handleCreateOrg(d.Orgs)},
		{"PUT", "/orgs/{code}", signedIn, false, handleUpdateOrg(d.Orgs)},
		{"GET", "/orgs/{code}/notice-settings", signedIn, false, handleGetNoticeSettings(d.Orgs)},
		{"PUT", "/orgs/{code}/notice-settings", signedIn, false, handleSetNoticeSettings(d.Orgs)},
		{"GET", "/orgs/{code}/sms-settings", signedIn, false, handleGetSMSSettings(d.Orgs)},
		{"PUT", "/orgs/{code}/sms-settings", signedIn, false, handlePutSMSSettings(d.Orgs)},
		{"GET", "/orgs/{code}/security-settings", signedIn, false, handleGetSecuritySettings(d.Orgs)},
		{"PUT", "/orgs/{code}/security-settings", signedIn, false, handlePutSecuritySettings(d.Orgs)},

		{"GET", "/users", signedIn, false, handleListUsers(d.Users)},
		{"POST", "/users", signedIn, false, handleCreateUser(d.Users)},
		{"PUT", "/users/{username}", signedIn, false, handleUpdateUser(d.Users)},
		{"POST", "/users/{username}/unlock", signedIn, false, handleUnlockUser(d.Users)},
		{"GET", "/users/{username}/oidc-links", signedIn, false, handleListOIDCLinks(d.Users)},
		{"POST", "/users/{username}/oidc-links", signedIn, false, handleCreateOIDCLink(d.Users)},
		{"DELETE", "/users/{username}/oidc-links/{id}", signedIn, false, handleDeleteOIDCLink(d.Users)},
		{"DELETE", "/users/{username}/totp", signedIn, false, handleResetTOTP(d.Users)},

		{"GET", "/items", public, false, handleListItems(d.Catalog, d.Orgs)},
		{"GET", "/items/{code}", public, false, handleGetItem(d.Catalog, d.Orgs)},
		{"POST", "/items", signedIn, false, handleCreateItem(d.Catalog, d.Orgs)},
		{"PUT", "/items/{code}", signedIn, false, handleUpdateItem(d.Catalog, d.Orgs)},
		{"POST", "/items/{code}/cancel", signedIn, false, handleCancelItem(d.Catalog, d.Orgs)},
		{"GET", "/items/{code}/versions", public, false, handleItemVersions(d.Catalog)},

		{"GET", "/catalog/export", public, false, handleExport(d.Catalog, d.Orgs, d.Now)},
		{"POST", "/catalog/import", signedIn, true, handleImport(d.Catalog, d.Config.MaxUpload)},

		{"POST", "/files", signedIn, true, handleUploadFile(d.Files, d.Config.MaxUpload)},

		{"POST", "/cases", signedIn, false, handleApply(d.Cases, d.Hall)},
		{"GET", "/cases", signedIn, false, handleListCases(d.Cases)},
		{"GET", "/cases/{serial}", signedIn, false, handleGetCase(d.Cases)},
		{"POST", "/cases/{serial}/actions/{action}", signedIn, false, handleAct(d.Cases)},
		{"POST", "/cases/{serial}/reveal-ident", signedIn, false, handleRevealIdent(d.Cases)},
		{"GET", "/cases/{serial}/notices", signedIn, false, handleListNotices(d.Cases)},
		{"GET", "/cases/{serial}/notices/{id}", signedIn, false, handleGetNotice(d.Cases)},
		// Sealed PDF notices (issue 13 item 4, h-pdf).
		{"GET", "/cases/{serial}/notices/{id}/pdf", signedIn, false, handleNoticePDF(d.Cases, d.Config.Site.Domain)},
		{"GET", "/cases/{serial}/files/{id}", signedIn, false, handleCaseFile(d.Cases, d.Files)},

		{"GET", "/audit", signedIn, false, handleAudit(d.Audit, d.Cases)},
		{"GET", "/security-events", signedIn, false, handleSecurityEvents(d.Audit)},
		{"GET", "/security-events/export", signedIn, false, handleSecurityExport(d.Audit, d.Now)},
		{"GET", "/public/progress/{serial}", public, false, handlePublicProgress(d.Cases)},

		{"POST", "/payments/callback", signature, false, handlePaymentCallback(d.Cases)},

		{"GET", "/calendar/workdays", public, false, handleWorkdays(d.Calendar, d.Orgs)},
		{"GET", "/calendar/days", public, false, handleCalendarDays(d.Calendar, d.Orgs)},
		{"GET", "/calendar/adjustments", public, false, handleListAdjustments(d.Calendar, d.Orgs, d.Now)},
		{"PUT", "/calendar/adjustments/{date}", signedIn, false, handlePutAdjustment(d.Calendar)},
		{"DELETE", "/calendar/adjustments/{date}", signedIn, false, handleDeleteAdjustment(d.Calendar)},

		{"GET", "/supervision/overview", signedIn, false, handleOverview(d.Supervision)},

		{"GET", "/notifications", signedIn, false, handleInbox(d.Inbox)},
		{"POST", "/notifications/read", signedIn, false, handleMarkRead(d.Inbox)},

		{"GET", "/supervision/warnings", signedIn, false, handleWarnings(d.Warnings)},
		{"GET", "/supervision/duty-warnings", signedIn, false, handleDutyWarnings(d.Warnings)},
		{"GET", "/reports", signedIn, false, handleListReports(d.Reports)},
		{"POST", "/reports", signedIn, false, handleGenerateReport(d.Reports)},
		{"GET", "/reports/{id}", signedIn, false, handleGetReport(d.Reports, d.Audit)},
		{"GET", "/assessment/weights", signedIn, false, handleGetWeights(d.Reports)},
		{"PUT", "/assessment/weights", signedIn, false, handlePutWeights(d.Reports)},

		{"POST", "/errors", signedIn, false, handleRegisterError(d.Errors)},
		{"GET", "/errors", signedIn, false, handleListErrors(d.Errors)},
		{"GET", "/errors/{id}", signedIn, false, handleGetError(d.Errors)},
		{"POST", "/errors/{id}/actions/{action}", signedIn, false, handleErrorAction(d.Errors)},
		{"GET", "/errors/{id}/files/{file}", signedIn, false, handleErrorFile(d.Errors, d.Files)},
		// The hall's attendance (考勤, 请销假, AB岗; 附件2（四）2、（六）4).
		{"POST", "/attendance/punches", signedIn, false, handlePunch(d.Attendance)},
		{"POST", "/attendance/device-punches", signature, false, handleDevicePunches(d.Attendance)},
		{"GET", "/attendance/summary", signedIn, false, handleAttendanceSummary(d.Attendance)},
		{"POST", "/attendance/leaves", signedIn, false, handleRequestLeave(d.Attendance)},
		{"GET", "/attendance/leaves", signedIn, false, handleListLeaves(d.Attendance)},
		{"GET", "/attendance/leaves/{id}", signedIn, false, handleGetLeave(d.Attendance)},
		{"POST", "/attendance/leaves/{id}/actions/{action}", signedIn, false, handleLeaveAction(d.Attendance)},
		{"POST", "/attendance/corrections", signedIn, false, handleRequestCorrection(d.Attendance)},
		{"GET", "/attendance/corrections", signedIn, false, handleListCorrections(d.Attendance)},
		{"POST", "/attendance/corrections/{id}/actions/{action}", signedIn, false, handleCorrectionAction(d.Attendance)},
		{"GET", "/attendance/posts", signedIn, false, handleListPosts(d.Attendance)},
		{"GET", "/attendance/windows", signedIn, false, handleWindowStates(d.Attendance)},
		{"PUT", "/attendance/posts/{window}", signedIn, false, handleSetPosts(d.Attendance)},
		{"POST", "/attendance/posts/{window}/cover", signedIn, false, handleTakeOver(d.Attendance)},
		{"DELETE", "/attendance/posts/{window}/cover", signedIn, false, handleHandBack(d.Attendance)},
		{"POST", "/attendance/devices", signedIn, false, handleRegisterDevice(d.Attendance)},
		{"GET", "/attendance/devices", signedIn, false, handleListDevices(d.Attendance)},
		{"DELETE", "/attendance/devices/{id}", signedIn, false, handleRevokeDevice(d.Attendance)},
		{"PUT", "/attendance/schedules/{centre}", signedIn, false, handleSetSchedule(d.Attendance)},
		{"PUT", "/attendance/profiles/{username}", signedIn, false, handleSetProfile(d.Attendance)},
		{"PUT", "/attendance/profiles/{username}/photo", signedIn, true, handleSetPhoto(d.Attendance, d.Files)},
		{"GET", "/boards/{centre}", public, false, handleStaffBoard(d.Attendance)},

		// The service hall (issue 10): categories, tickets, window calls and
		// the display screens' board and event stream.
		{"GET", "/hall/centres/{code}/categories", public, false, handleHallCategories(d.Hall)},
		{"POST", "/hall/centres/{code}/categories", signedIn, false, handleCreateHallCategory(d.Hall)},
		{"PUT", "/hall/categories/{id}", signedIn, false, handleUpdateHallCategory(d.Hall)},
		{"PUT", "/hall/windows/{code}/categories", signedIn, false, handleSetWindowCategories(d.Hall)},
		{"POST", "/hall/centres/{code}/tickets", public, false, handleTakeTicket(d.Hall)},
		{"GET", "/hall/tickets/{token}", public, false, handleTicket(d.Hall)},
		{"GET", "/hall/windows/{code}/desk", signedIn, false, handleDesk(d.Hall)},
		{"POST", "/hall/windows/{code}/calls/{action}", signedIn, false, handleWindowCall(d.Hall)},
		{"GET", "/hall/centres/{code}/board", public, false, handleBoard(d.Hall)},
		{"GET", "/hall/centres/{code}/events", public, false, handleBoardEvents(d.Hall)},
		{"POST", "/hall/windows/{code}/transfer", signedIn, false, handleTransfer(d.Hall)},
		{"POST", "/hall/windows/{code}/tickets/{number}/requeue", signedIn, false, handleRequeue(d.Hall)},
		{"GET", "/hall/windows/{code}/tickets/{number}", signedIn, false, handleStaffTicket(d.Hall)},
		{"POST", "/hall/windows/{code}/tickets/{number}/rating", signedIn, false, handleRateService(d.Hall)},
		// The centre's public rolling display (screens.go).
		{"GET", "/hall/centres/{code}/rolling", public, false, handleRolling(d.Supervision)},
		{"GET", "/hall/centres/{code}/rolling/events", public, false, handleRollingEvents(d.Supervision, d.Hall)},
		// Appointments (预约, hall_appointments.go).
		{"GET", "/hall/centres/{code}/slots", public, false, handleHallSlots(d.Hall)},
		{"POST", "/hall/centres/{code}/appointments", signedIn, false, handleBookAppointment(d.Hall)},
		{"GET", "/hall/centres/{code}/appointments", signedIn, false, handleCentreAppointments(d.Hall)},
		{"POST", "/hall/centres/{code}/checkins", public, false, handleCheckInCode(d.Hall)},
		{"GET", "/hall/appointments", signedIn, false, handleMyAppointments(d.Hall)},
		{"GET", "/hall/appointments/{token}", signedIn, false, handleAppointment(d.Hall)},
		{"POST", "/hall/appointments/{token}/cancel", signedIn, false, handleCancelAppointment(d.Hall)},
		{"POST", "/hall/appointments/{token}/checkin", signedIn, false, handleCheckInAppointment(d.Hall)},
		// Queue statistics (排队统计, issue 10 item 9): hall_stats.go.
		{"GET", "/hall/stats", signedIn, false, handleHallStats(d.Hall)},
		// Complaints and suggestions (投诉建议, issue 11 item 3): complaints.go.
		{"POST", "/complaints", public, false, handleSubmitComplaint(d.Complaints)},
		{"POST", "/complaints/lookup", public, false, handleLookupComplaint(d.Complaints)},
		{"POST", "/complaints/rating", public, false, handleRateComplaint(d.Complaints)},
		{"GET", "/complaints", signedIn, false, handleListComplaints(d.Complaints)},
		{"POST", "/complaints/registrations", signedIn, false, handleRegisterComplaint(d.Complaints)},
		{"GET", "/complaints/statistics", signedIn, false, handleComplaintStatistics(d.Complaints)},
		{"GET", "/complaints/limits/{org}", signedIn, false, handleComplaintLimits(d.Complaints)},
		{"PUT", "/complaints/limits/{org}", signedIn, false, handleSetComplaintLimits(d.Complaints)},
		{"GET", "/complaints/{number}", signedIn, false, handleGetComplaint(d.Complaints)},
		{"POST", "/complaints/{number}/actions/{action}", signedIn, false, handleComplaintAction(d.Complaints)},
		{"POST", "/complaints/{number}/phone", signedIn, false, handleComplaintPhone(d.Complaints)},
		// 好差评 and 差评整改 (issue 11): reviews.go.
		{"GET", "/ratings/{token}", public, false, handleRatingTarget(d.Reviews)},
		{"POST", "/ratings/{token}", public, false, handleRateByToken(d.Reviews)},
		{"POST", "/cases/{serial}/rating", signedIn, false, handleRateCase(d.Reviews)},
		{"POST", "/cases/{serial}/callback-rating", signedIn, false, handleCallbackRating(d.Reviews)},
		{"GET", "/rectifications", signedIn, false, handleListRectifications(d.Reviews)},
		{"GET", "/rectifications/{number}", signedIn, false, handleGetRectification(d.Reviews)},
		{"POST", "/rectifications/{number}/actions/{action}", signedIn, false, handleActRectification(d.Reviews)},
		{"GET", "/rectification-summary", public, false, handleRectificationSummary(d.Reviews)},
		{"GET", "/rectification-settings/{code}", signedIn, false, handleGetRectificationSettings(d.Reviews)},
		{"PUT", "/rectification-settings/{code}", signedIn, false, handlePutRectificationSettings(d.Reviews)},

		// Accountability (责任追究), the annual assessment's weights and the
		// reports made public (issue 11): sanctions.go.
		{"POST", "/sanctions", signedIn, false, handleProposeSanction(d.Sanctions)},
		{"GET", "/sanctions", signedIn, false, handleListSanctions(d.Sanctions)},
		{"GET", "/sanctions/{id}", signedIn, false, handleGetSanction(d.Sanctions)},
		{"POST", "/sanctions/{id}/actions/{action}", signedIn, false, handleSanctionAction(d.Sanctions)},
		{"GET", "/assessment/annual-weights", signedIn, false, handleGetAnnualWeights(d.Reports)},
		{"PUT", "/assessment/annual-weights", signedIn, false, handlePutAnnualWeights(d.Reports)},
		{"POST", "/reports/{id}/publicity", signedIn, false, handleReportPublicity(d.Reports)},
		{"GET", "/gongkai/reports", public, false, handlePublicReports(d.Reports)},
		// 政务公开 (issue 12 item 2): disclosure.go.
		{"GET", "/disclosure/kinds", public, false, handleDisclosureKinds()},
		{"GET", "/disclosure/documents", public, false, handleSearchDisclosures(d.Disclosure)},
		{"GET", "/disclosure/documents/{id}", public, false, handleGetDisclosure(d.Disclosure)},
		{"GET", "/disclosure/managed", signedIn, false, handleListManagedDisclosures(d.Disclosure)},
		{"POST", "/disclosure/managed", signedIn, false, handleCreateDisclosure(d.Disclosure)},
		{"GET", "/disclosure/managed/{id}", signedIn, false, handleGetManagedDisclosure(d.Disclosure)},
		{"PUT", "/disclosure/managed/{id}", signedIn, false, handleReviseDisclosure(d.Disclosure)},
		{"POST", "/disclosure/managed/{id}/actions/{action}", signedIn, false, handleDisclosureAction(d.Disclosure)},
		{"GET", "/disclosure/site/{org}", public, false, handleGetSiteMarks(d.Disclosure)},
		{"PUT", "/disclosure/site/{org}", signedIn, false, handleSetSiteMarks(d.Disclosure)},

		// 电子证照 (issue 13): verification for anyone, the organisation's
		// licences and their actions, the holder's wallet (licences.go).
		{"GET", "/licences/{identifier}/verification", public, false, handleVerifyLicence(d.Licences)},
		{"POST", "/licences/verify", public, true, handleVerifyLicenceFile(d.Licences)},
		{"GET", "/licences", signedIn, false, handleListLicences(d.Licences)},
		{"GET", "/licences/{identifier}", signedIn, false, handleGetLicence(d.Licences)},
		{"GET", "/licences/{identifier}/json", signedIn, false, handleLicenceJSON(d.Licences)},
		{"GET", "/licences/{identifier}/pdf", signedIn, false, handleLicencePDF(d.Licences)},
		{"POST", "/licences/{identifier}/actions/{action}", signedIn, false, handleLicenceAction(d.Licences)},
		{"GET", "/me/licences", signedIn, false, handleMyLicences(d.Licences)},

		{"GET", "/openapi.json", public, false, handleOpenAPI()},

		// The first-inquiry register (首问登记) and experiences (办事体验), inquiries.go.
		{"GET", "/inquiries", signedIn, false, handleListInquiries(d.Inquiries)},
		{"POST", "/inquiries", signedIn, false, handleCreateInquiry(d.Inquiries)},
		{"GET", "/inquiries/stats", signedIn, false, handleInquiryStats(d.Inquiries)},
		{"GET", "/inquiries/{id}", signedIn, false, handleGetInquiry(d.Inquiries)},
		{"POST", "/inquiries/{id}/answer", signedIn, false, handleInquiryAction(d.Inquiries, "answer")},
		{"POST", "/inquiries/{id}/refer", signedIn, false, handleInquiryAction(d.Inquiries, "refer")},
		{"POST", "/inquiries/{id}/acknowledge", signedIn, false, handleInquiryAction(d.Inquiries, "acknowledge")},
		{"POST", "/inquiries/{id}/faq", signedIn, false, handleInquiryAction(d.Inquiries, "faq")},
		{"POST", "/public/inquiries", public, false, handleAsk(d.Inquiries)},
		{"GET", "/public/inquiries/{id}", public, false, handlePublicInquiry(d.Inquiries)},
		{"GET", "/items/{code}/experiences", public, false, handleItemExperiences(d.Inquiries)},

		// 材料库 and 免提交 (issue 13, materials.go): the applicant's library,
		// what can provide an item's materials, the submissions saved.
		{"GET", "/me/materials", signedIn, false, handleMyMaterials(d.Materials)},
		{"GET", "/items/{code}/reusable-materials", signedIn, false, handleReusableMaterials(d.Catalog, d.Materials)},
		{"GET", "/supervision/submissions-saved", signedIn, false, handleSubmissionsSaved(d.Supervision)},
		{"POST", "/items/{code}/experiences", signedIn, false, handleShareExperience(d.Inquiries)},
		{"GET", "/experiences", signedIn, false, handleExperienceQueue(d.Inquiries)},
		{"POST", "/experiences/{id}/actions/{action}", signedIn, false, handleModerateExperience(d.Inquiries)},

		// 电子签章 (issue 13 item 2): the published keys and the rotation, esign.go.
		{"GET", "/esign/keys", public, false, handleListEsignKeys(d.Esign)},
		{"GET", "/esign/keys/{keyid}", public, false, handleGetEsignKey(d.Esign)},
		{"POST", "/orgs/{code}/esign/rotate", signedIn, false, handleRotateEsignKey(d.Esign)},

		// The county ↔ city exchange (issue 14 item 2), exchange.go: served
		// under /api/exchange/v1 (mountPath), called by peer platforms.
		{"GET", "/exchange/v1/identity", public, false, handleExchangeIdentity(d.Exchange)},
		{"POST", "/exchange/v1/events", signature, true, handleExchangeEvents(d.Exchange)},
		// The city platform (issue 14 item 5, city.go): 404 on a county
		// platform; city.Scope decides on the city's.
		{"GET", "/city/overview", public, false, handleCityOverview(d.City)},
		{"GET", "/city/counties/{code}", public, false, handleCityCounty(d.City)},
		{"GET", "/city/cases/{county}/{serial}", public, false, handleCityCase(d.City)},
		{"GET", "/city/reports/{file}", public, false, handleCityReport(d.City, func(r *http.Request, what, detail string) error {
			return d.Audit.Exported(r.Context(), actor(r), what, detail)
		})},
		{"GET", "/exchange/v1/catalog", public, false, handleExchangeCatalog(d.CatalogSync)},
	}
}

// RouteInfo describes one API operation: its method, its path relative to
// Prefix (a ServeMux pattern), who may call it (public, signedIn,
// signature) and whether it takes an upload-sized body.
type RouteInfo struct {
	Method string
	Path   string
	Access string
	Upload bool
}

// Routes lists every operation of the API, for tests that must cover each
// (openapi_test.go, the authorization matrix). It needs no database: the
// table is built on empty dependencies and never called.
func Routes() []RouteInfo {
	var out []RouteInfo
	for _, rt := range routes(services.Services{}) {
		out = append(out, RouteInfo{Method: rt.Method, Path: rt.Path, Access: rt.Access.String(), Upload: rt.Upload})
	}
	return out
}

// serve wraps a route's handler: it bounds the body, checks sign-in and the
// CSRF token, and renders a returned error.
func serve(d services.Services, rt route) http.Handler {
	limit := int64(maxJSONBody)
	if rt.Upload {
		limit = d.Config.MaxUpload + multipartSlack
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Bound the body before anything reads it: CheckCSRF may parse a
		// multipart form to find the token field.
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		w.Header().Set("Cache-Control", "no-store")
		err := func() error {
			if err := checkLengths(r); err != nil {
				return err
			}
			if r.MultipartForm != nil {
				defer r.MultipartForm.RemoveAll()
			}
			if rt.Access == signedIn {
				a := httpauth.Actor(r.Context())
				if a == nil {
					return notSignedIn(r)
				}
				if a.MustChangePassword && !beforePasswordChange[rt.Method+" "+rt.Path] {
					return zwfw.Errorf(zwfw.EFORBIDDEN, "%s：请先调用 POST %s/auth/password 修改密码，再使用其他接口", account.MustChangeReason(a), Prefix)
				}
				if !httpauth.CheckCSRF(r) {
					return zwfw.Errorf(zwfw.EFORBIDDEN, "缺少或错误的 CSRF 令牌：以 Cookie 登录调用接口时，须在 %s 请求头中携带令牌", httpauth.CSRFHeader)
				}
			}
			return rt.Handle(w, r)
		}()
		if err != nil {
			if zwfw.ErrorCode(err) == zwfw.EFORBIDDEN {
				// A refusal is a security event (§2(7)), written on its own:
				// whatever the request began has rolled back.
				if lerr := d.Audit.Refused(r.Context(), httpauth.Actor(r.Context()), r.Method+" "+r.URL.Path, zwfw.ErrorMessage(err)); lerr != nil {
					d.Log.Error("api: security log", "err", lerr)
				}
			}
			writeError(d.Log, w, r, err)
		}
	})
}

// beforePasswordChange are the routes an account whose password an
// administrator set may call before it changes the password.
var beforePasswordChange = map[string]bool{"POST /auth/password": true, "POST /auth/logout": true, "GET /auth/me": true}

// checkLengths refuses a request with a query parameter or form field
// longer than inputlimit allows, naming it (400), before anything reads it.
// A form body is parsed here for that; handlers find it parsed.
func checkLengths(r *http.Request) error {
	if err := inputlimit.Query.Check(r.URL.Query(), "参数"); err != nil {
		return err
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(multipartMemory); err != nil {
			return formError(err)
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return formError(err)
		}
	default:
		return nil
	}
	return inputlimit.Form.Check(r.PostForm, "字段")
}

// multipartMemory is how much of a multipart body is kept in memory; the
// rest goes to temporary files.
const multipartMemory = 8 << 20

func formError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge(mbe.Limit)
	}
	return zwfw.Errorf(zwfw.EBADREQUEST, "请求正文的表单无法读取")
}

// notSignedIn is the 401 for a request without a valid session or token.
func notSignedIn(r *http.Request) error {
	if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		return zwfw.Errorf(zwfw.EUNAUTHORIZED, "登录已失效，请重新登录")
	}
	return zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
}

// actor is the signed-in actor of a signedIn route (serve made sure of it).
func actor(r *http.Request) *zwfw.Actor {
	return httpauth.Actor(r.Context())
}

// unmatched answers requests no route matches: 405 with Allow when the path
// exists under another method, else 404, both in the JSON error shape.
func unmatched(log *slog.Logger, mux *http.ServeMux) http.Handler {
	methods := []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var allowed []string
		for _, m := range methods {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "" && pattern != Prefix+"/" {
				allowed = append(allowed, m)
			}
		}
		if len(allowed) > 0 {
			if slices.Contains(allowed, http.MethodGet) {
				allowed = append(allowed, http.MethodHead)
			}
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			writeErrorBody(w, http.StatusMethodNotAllowed, "method_not_allowed",
				"接口 "+r.URL.Path+" 不支持 "+r.Method+" 方法（支持："+strings.Join(allowed, "、")+"）", nil)
			return
		}
		writeError(log, w, r, zwfw.Errorf(zwfw.ENOTFOUND, "接口 %s %s 不存在", r.Method, r.URL.Path))
	})
}
