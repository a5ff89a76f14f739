package api_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"zwfw/internal/account"
	"zwfw/internal/app/apptest"
)

// TestApplicantsByScope: any county administrator listed every applicant
// on the platform with the full phone number (issue 8, item 5). Staff see
// an applicant only through a case in their scope, and the administrators
// of the county where the applicant registered see that county's
// applicants; lists show phone numbers masked.
func TestApplicantsByScope(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		root := demo(t, e, "admin")
		// A second county with its own administrator.
		if res := root.post("/orgs", map[string]any{"code": "610924", "parent_code": "610900", "kind": "county", "name": "石泉县"}); res.Status != http.StatusCreated {
			t.Fatalf("second county: %d %s", res.Status, res.Body)
		}
		if res := root.post("/users", map[string]any{"username": "shiquan.admin", "password": "Shiquan@2026", "name": "石泉管理员",
			"roles": []string{"admin"}, "org_code": "610924"}); res.Status != http.StatusCreated {
			t.Fatalf("second county's admin: %d %s", res.Status, res.Body)
		}
		other := login(t, e, "shiquan.admin", "Shiquan@2026")
		if res := other.post("/auth/password", map[string]string{"old_password": "Shiquan@2026", "new_password": "Shiquan@2027"}); res.Status != http.StatusNoContent {
			t.Fatalf("change the initial password: %d %s", res.Status, res.Body)
		}
		// Two new applicants of 宁陕县: one applies in 城关镇, one does not.
		for _, a := range []struct{ user, id, phone string }{{"zhao.liu", "61092319900307123", "13991560011"}, {"qian.qi", "61092319910408123", "13991560012"}} {
			if res := anon(t, e).post("/auth/register", map[string]any{"username": a.user, "password": "Qinling@2026", "name": "赵六",
				"phone": a.phone, "id_number": idNumber(a.id), "sms_code": e.SMSCode(t, "register", a.phone),
				"privacy_version": account.PrivacyVersion}); res.Status != http.StatusCreated {
				t.Fatalf("register %s: %d %s", a.user, res.Status, res.Body)
			}
		}
		zhao := login(t, e, "zhao.liu", "Qinling@2026")
		fileID := zhao.uploadCase("登记表.pdf", tinyPDF)
		zhao.apply(map[string]any{"item_code": "200300200000", "org_code": "610923100C",
			"form":      map[string]any{"description": "本人失业后申领就业创业证"},
			"materials": []map[string]any{{"name": "就业创业证申领登记表", "file_id": fileID}, {"name": "居民身份证", "handed_in": "window"}}})

		names := func(c *client, q string) map[string]bool {
			t.Helper()
			res := c.get("/users?kind=applicant&limit=500" + q)
			if res.Status != http.StatusOK {
				t.Fatalf("applicants: %d %s", res.Status, res.Body)
			}
			if bytes.Contains(res.Body, []byte("13991560011")) || bytes.Contains(res.Body, []byte("13991561234")) {
				t.Errorf("a full phone number in the list: %s", res.Body)
			}
			var l struct {
				Items []struct{ Username, Phone string }
				Total int
			}
			res.decode(&l)
			out := map[string]bool{}
			for _, u := range l.Items {
				out[u.Username] = true
				if u.Phone != "" && !strings.Contains(u.Phone, "****") {
					t.Errorf("%s's phone %q not masked", u.Username, u.Phone)
				}
			}
			if l.Total != len(l.Items) {
				t.Errorf("total %d, listed %d", l.Total, len(l.Items))
			}
			return out
		}
		county := demo(t, e, "county.admin")
		if got := names(county, ""); !got["zhao.liu"] || !got["qian.qi"] || !got["resident.wang"] {
			t.Errorf("宁陕县's administrator sees %v, want its registered applicants", got)
		}
		if got := names(other, ""); len(got) != 0 {
			t.Errorf("石泉县's administrator sees %v, want none (no cases there, registered elsewhere)", got)
		}
		if got := names(other, "&q=zhao"); len(got) != 0 {
			t.Errorf("石泉县's administrator finds %v by name", got)
		}
		town := demo(t, e, "chengguan.admin")
		if got := names(town, "&q=zhao"); !got["zhao.liu"] {
			t.Errorf("城关镇's administrator does not see the applicant of a case filed there: %v", got)
		}
		if got := names(town, "&q=qian"); len(got) != 0 {
			t.Errorf("城关镇's administrator sees an applicant without a case there: %v", got)
		}
		// A resident whose ID number names 石泉县 registers on the same
		// platform: the account belongs to 石泉县, not to the county the
		// platform registers under.
		if res := anon(t, e).post("/auth/register", map[string]any{"username": "sun.ba", "password": "Qinling@2026", "name": "孙八",
			"phone": "13991560013", "id_number": idNumber("61092419920509123"), "sms_code": e.SMSCode(t, "register", "13991560013"),
			"privacy_version": account.PrivacyVersion}); res.Status != http.StatusCreated {
			t.Fatalf("register sun.ba: %d %s", res.Status, res.Body)
		}
		if got := names(other, ""); !got["sun.ba"] || len(got) != 1 {
			t.Errorf("石泉县's administrator sees %v, want its own resident sun.ba", got)
		}
		if got := names(county, "&q=sun"); len(got) != 0 {
			t.Errorf("宁陕县's administrator sees 石泉县's resident: %v", got)
		}
		// Acting on an applicant outside the scope: as if it did not exist.
		other.post("/users/zhao.liu/unlock", nil).apiErr(http.StatusNotFound, "not_found")
		if res := town.post("/users/zhao.liu/unlock", nil); res.Status != http.StatusOK {
			t.Errorf("town admin unlocking an applicant of a case there: %d %s", res.Status, res.Body)
		}
		// The staff list masks phone numbers too.
		if res := county.get("/users?q=county.window"); !bytes.Contains(res.Body, []byte(`"phone":"091*****6789"`)) {
			t.Errorf("staff list: %s", res.Body)
		}
	})
}
