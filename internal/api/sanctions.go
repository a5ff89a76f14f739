package api

import (
	"net/http"
	"slices"
	"strconv"

	"zwfw"
	"zwfw/internal/supervision"
)

// Accountability (责任追究) and the annual assessment's weights and the
// publication of reports (政务公开): sanctions are proposed, decided,
// answered and withdrawn — never edited or deleted (no such route).

// handleProposeSanction proposes a sanction (supervisors, hall managers).
func handleProposeSanction(s *supervision.Sanctions) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in supervision.SanctionInput
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		x, err := s.Propose(r.Context(), actor(r), in)
		if err != nil {
			return err
		}
		w.Header().Set("Location", Prefix+"/sanctions/"+strconv.FormatInt(x.ID, 10))
		writeJSON(w, http.StatusCreated, x)
		return nil
	}
}

// handleListSanctions lists the sanctions the actor may read (?state=).
func handleListSanctions(s *supervision.Sanctions) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		pg, err := pageOf(r)
		if err != nil {
			return err
		}
		list, total, err := s.List(r.Context(), actor(r), supervision.SanctionQuery{State: r.URL.Query().Get("state"), Limit: pg.Limit, Offset: pg.Offset})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newList(list, total))
		return nil
	}
}

// handleGetSanction returns one sanction with its acts.
func handleGetSanction(s *supervision.Sanctions) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "责任追究编号")
		if err != nil {
			return err
		}
		x, err := s.Get(r.Context(), actor(r), id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, x)
		return nil
	}
}

// handleSanctionAction approves, rejects, responds to or withdraws a
// sanction.
func handleSanctionAction(s *supervision.Sanctions) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "责任追究编号")
		if err != nil {
			return err
		}
		action := r.PathValue("action")
		if !slices.Contains(supervision.SanctionActions, action) {
			return zwfw.Errorf(zwfw.EBADREQUEST, "不支持的操作“%s”（可用：approve、reject、respond、withdraw）", action)
		}
		var in supervision.SanctionActInput
		if err := decodeOptionalJSON(r, &in); err != nil {
			return err
		}
		x, err := s.Act(r.Context(), actor(r), id, action, in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, x)
		return nil
	}
}

// handleGetAnnualWeights returns the annual weights in force (?org=).
func handleGetAnnualWeights(reps *supervision.Reports) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		wt, err := reps.AnnualWeightsOf(r.Context(), actor(r), r.URL.Query().Get("org"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, wt)
		return nil
	}
}

// handlePutAnnualWeights sets an organisation's annual weights (?org=).
func handlePutAnnualWeights(reps *supervision.Reports) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in supervision.AnnualWeights
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		wt, err := reps.SetOrgAnnualWeights(r.Context(), actor(r), r.URL.Query().Get("org"), in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, wt)
		return nil
	}
}

// publicityInput makes a report public or takes it off.
type publicityInput struct {
	Public *bool  `json:"public"`
	Reason string `json:"reason"`
}

// handleReportPublicity makes a monthly bulletin or an annual assessment
// public on the 政务公开 pages, or takes it off (with a reason).
func handleReportPublicity(reps *supervision.Reports) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "报表编号")
		if err != nil {
			return err
		}
		var in publicityInput
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		if in.Public == nil {
			return &zwfw.Error{Code: zwfw.EINVALID, Message: "请给出 public：true 公开，false 取消公开", Details: []zwfw.ErrorDetail{{Field: "public", Message: "必填"}}}
		}
		h, err := reps.SetPublic(r.Context(), actor(r), id, *in.Public, in.Reason)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, map[string]any{"public": supervision.IsPublic(h), "history": h})
		return nil
	}
}

// handlePublicReports lists the reports made public (no sign-in; ?org=).
func handlePublicReports(reps *supervision.Reports) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		list, err := reps.PublicReports(r.Context(), r.URL.Query().Get("org"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newList(list, len(list)))
		return nil
	}
}
