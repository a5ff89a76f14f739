package api

import (
	"net/http"

	"zwfw"
	"zwfw/internal/files"
	"zwfw/internal/hall"
)

// handleHallStats answers ?centre=&from=&to= with the queue statistics
// (the domain's defaults: the actor's organisation, today); ?format=xlsx
// for Excel. centre may also name a region: its centres are covered.
func handleHallStats(h *hall.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		if f := q.Get("format"); f != "" && f != "json" && f != "xlsx" {
			return zwfw.Errorf(zwfw.EBADREQUEST, "format 应为 json 或 xlsx")
		}
		st, err := h.Stats(r.Context(), actor(r), hall.StatsQuery{Org: q.Get("centre"), From: q.Get("from"), To: q.Get("to")})
		if err != nil {
			return err
		}
		if q.Get("format") != "xlsx" {
			writeJSON(w, http.StatusOK, st)
			return nil
		}
		b, err := st.XLSX()
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", files.Attachment("hall-stats.xlsx", "排队统计_"+st.Org.Name+"_"+st.From+"_"+st.To+".xlsx"))
		_, _ = w.Write(b)
		return nil
	}
}
