package api_test

import (
	"context"
	"net/http"
	"testing"

	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
)

// The materials API (issue 13): the library and the reuse candidates of
// the signed-in applicant, the case JSON naming how a reused material was
// provided, a foreign or unknown source refused with 422 and nothing
// filed, and the submissions-saved statistic in the supervisors' scope.
func TestMaterialsAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		wang := demo(t, e, "resident.wang")
		// A 结婚登记 completed at the county's window: its materials go to
		// the library, its 结婚证 to the wallet.
		m, err := e.App.Cases.Apply(ctx, e.Actor(t, "resident.wang"), casework.ApplyInput{ItemCode: "070200700000", OrgCode: "610923C",
			Form: casework.Form{Description: "结婚登记"}, Materials: []casework.MaterialInput{
				{Name: "男女双方居民身份证", HandedIn: "window"}, {Name: "申请结婚登记声明书", HandedIn: "window"},
				{Name: "双方近期半身免冠合影2寸照片", HandedIn: "window"}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.Cases.Act(ctx, e.Actor(t, "county.window"), m.Serial, casework.ActInstant, casework.ActionInput{Opinion: "准予登记"}); err != nil {
			t.Fatal(err)
		}

		res := wang.get("/me/materials")
		if res.Status != http.StatusOK {
			t.Fatalf("GET /me/materials: %d %s", res.Status, res.Body)
		}
		conforms(t, "LibraryList", res.Body)
		var lib struct {
			Items []struct {
				ID    int64  `json:"id"`
				Name  string `json:"name"`
				Trust string `json:"trust"`
			} `json:"items"`
		}
		res.decode(&lib)
		var ids int64
		for _, l := range lib.Items {
			if l.Name == "男女双方居民身份证" && l.Trust == "B" {
				ids = l.ID
			}
		}
		if len(lib.Items) != 3 || ids == 0 {
			t.Fatalf("library %s, want the marriage's 3 materials, the ID cards at B", res.Body)
		}

		res = wang.get("/items/200900300000/reusable-materials")
		if res.Status != http.StatusOK {
			t.Fatalf("reusable-materials: %d %s", res.Status, res.Body)
		}
		conforms(t, "ReuseOfferList", res.Body)
		var offers struct {
			Items []struct {
				Material   string `json:"material"`
				Candidates []struct {
					Source    string `json:"source"`
					Licence   string `json:"licence"`
					LibraryID int64  `json:"library_id"`
				} `json:"candidates"`
			} `json:"items"`
		}
		res.decode(&offers)
		var licence string
		for _, o := range offers.Items {
			if o.Material == "结婚证" && len(o.Candidates) > 0 && o.Candidates[0].Source == "licence" {
				licence = o.Candidates[0].Licence
			}
		}
		if licence == "" || len(offers.Items) != 2 {
			t.Fatalf("offers %s, want the 结婚证 licence and the ID cards", res.Body)
		}

		// Another applicant naming Wang's licence: 422, nothing filed.
		qinling := demo(t, e, "enterprise.qinling")
		body := map[string]any{"item_code": "200900300000", "org_code": "610923100C", "form": map[string]any{"description": "生育登记"},
			"materials": []map[string]any{{"name": "生育登记表", "handed_in": "window"}, {"name": "夫妻双方居民身份证", "handed_in": "window"},
				{"name": "结婚证", "licence": licence}}}
		before := qinling.total("/cases?limit=1")
		er := qinling.post("/cases", body).apiErr(http.StatusUnprocessableEntity, "invalid")
		if !er.hasDetail("materials[2].licence", "不是您本人持有的有效证照") {
			t.Fatalf("the refusal names no problem on the licence: %+v", er)
		}
		if after := qinling.total("/cases?limit=1"); after != before {
			t.Fatalf("a refused application was filed (%d → %d)", before, after)
		}
		// A library entry not Wang's own (an id that does not exist).
		body["materials"] = []map[string]any{{"name": "生育登记表", "handed_in": "window"}, {"name": "夫妻双方居民身份证", "library_id": ids + 1000},
			{"name": "结婚证", "licence": licence}}
		wang.post("/cases", body).apiErr(http.StatusUnprocessableEntity, "invalid")

		// Wang's own: filed, the case JSON says how each was provided.
		body["materials"] = []map[string]any{{"name": "生育登记表", "handed_in": "window"}, {"name": "夫妻双方居民身份证", "library_id": ids},
			{"name": "结婚证", "licence": licence}}
		res = wang.post("/cases", body)
		if res.Status != http.StatusCreated {
			t.Fatalf("POST /cases with reuse: %d %s", res.Status, res.Body)
		}
		conforms(t, "Case", res.Body)
		var c struct {
			Serial    string `json:"serial"`
			Materials []struct {
				Name     string `json:"name"`
				HandedIn string `json:"handed_in"`
				Provided *struct {
					Source, Ref, Trust string
				} `json:"provided"`
			} `json:"materials"`
		}
		res.decode(&c)
		for _, mat := range c.Materials {
			switch mat.Name {
			case "结婚证":
				if mat.HandedIn != "licence" || mat.Provided == nil || mat.Provided.Ref != licence || mat.Provided.Trust != "A" {
					t.Errorf("the 结婚证 in the case JSON: %+v", mat)
				}
			case "夫妻双方居民身份证":
				if mat.HandedIn != "library" || mat.Provided == nil || mat.Provided.Trust != "B" {
					t.Errorf("the ID cards in the case JSON: %+v", mat)
				}
			}
		}

		// The statistic: the town's supervisor sees 2 saved; bad dates 422.
		sup := demo(t, e, "chengguan.supervisor")
		res = sup.get("/supervision/submissions-saved")
		if res.Status != http.StatusOK {
			t.Fatalf("submissions-saved: %d %s", res.Status, res.Body)
		}
		conforms(t, "SubmissionsSaved", res.Body)
		var s struct {
			Total     int `json:"total"`
			ByLicence int `json:"by_licence"`
			ByItem    []struct {
				Code  string `json:"code"`
				Saved int    `json:"saved"`
			} `json:"by_item"`
		}
		res.decode(&s)
		if s.Total != 2 || s.ByLicence != 1 || len(s.ByItem) != 1 || s.ByItem[0].Code != "200900300000" {
			t.Fatalf("statistic %s, want 2 saved for 生育登记", res.Body)
		}
		sup.get("/supervision/submissions-saved?from=2026-13-01").apiErr(http.StatusUnprocessableEntity, "invalid")
		// Only supervisors and administrators read it; a library is its owner's.
		demo(t, e, "county.window").get("/supervision/submissions-saved").apiErr(http.StatusForbidden, "forbidden")
		wang.get("/supervision/submissions-saved").apiErr(http.StatusForbidden, "forbidden")
		demo(t, e, "chengguan.window").get("/me/materials").apiErr(http.StatusForbidden, "forbidden")
	})
}
