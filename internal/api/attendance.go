package api

import (
	"io"
	"net/http"
	"strconv"

	"zwfw"
	"zwfw/internal/attendance"
	"zwfw/internal/files"
)

// The hall's attendance (考勤): punches, leave, corrections, window posts,
// devices and schedules. internal/attendance decides everything; these
// parse and render.

func handlePunch(att *attendance.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := att.Punch(r.Context(), actor(r))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, p)
		return nil
	}
}

// handleDevicePunches takes punches from a registered device: no session,
// the device's own token in X-Device-Token (checked by the domain).
func handleDevicePunches(att *attendance.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			Punches []attendance.DevicePunchInput `json:"punches"`
		}
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		n, err := att.DevicePunch(r.Context(), r.Header.Get("X-Device-Token"), in.Punches)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, map[string]int{"received": len(in.Punches), "added": n})
		return nil
	}
}

// handleAttendanceSummary answers ?org=&from=&to= (the domain's defaults:
// the actor's organisation, this week so far); ?format=xlsx for Excel.
func handleAttendanceSummary(att *attendance.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		if f := q.Get("format"); f != "" && f != "json" && f != "xlsx" {
			return zwfw.Errorf(zwfw.EBADREQUEST, "format 应为 json 或 xlsx")
		}
		sum, err := att.Summary(r.Context(), actor(r), q.Get("org"), q.Get("from"), q.Get("to"))
		if err != nil {
			return err
		}
		switch q.Get("format") {
		case "", "json":
			writeJSON(w, http.StatusOK, sum)
		case "xlsx":
			b, err := sum.XLSX("考勤统计")
			if err != nil {
				return err
			}
			w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
			w.Header().Set("Content-Disposition", files.Attachment("attendance.xlsx", "考勤统计_"+sum.From+"_"+sum.To+".xlsx"))
			_, _ = w.Write(b)
		}
		return nil
	}
}

func handleRequestLeave(att *attendance.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in attendance.LeaveInput
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		l, err := att.RequestLeave(r.Context(), actor(r), in)
		if err != nil {
			return err
		}
		w.Header().Set("Location", Prefix+"/attendance/leaves/"+strconv.FormatInt(l.ID, 10))
		writeJSON(w, http.StatusCreated, l)
		return nil
	}
}

func handleListLeaves(att *attendance.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		list, err := att.Leaves(r.Context(), actor(r), 200)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newList(list, len(list)))
		return nil
	}
}

func handleGetLeave(att *attendance.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "请假编号")
		if err != nil {
			return err
		}
		l, err := att.LeaveByID(r.Context(), actor(r), id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, l)
		return nil
	}
}

func handleLeaveAction(att *attendance.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "请假编号")
		if err != nil {
			return err
		}
		var in attendance.LeaveActionInput
		if err := decodeOptionalJSON(r, &in); err != nil {
			return err
		}
		l, err := att.ActOnLeave(r.Context(), actor(r), id, r.PathValue("action"), in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, l)
		return nil
	}
}

func handleRequestCorrection(att *attendance.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in attendance.CorrectionInput
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		k, err := att.RequestCorrection(r.Context(), actor(r), in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, k)
		return nil
	}
}

func handleListCorrections(att *attendance.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		list, err := att.Corrections(r.Context(), actor(r))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newList(list, len(list)))
		return nil
	}
}

func handleCorrectionAction(att *attendance.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "补卡申请编号")
		if err != nil {
			return err
		}
		var in struct {
			Opinion string `json:"opinion"`
		}
		if err := decodeOptionalJSON(r, &in); err != nil {
			return err
		}
		k, err := att.DecideCorrection(r.Context(), actor(r), id, r.PathValue("action"), in.Opinion)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, k)
		return nil
	}
}

func handleListPosts(att *attendance.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		list, err := att.Posts(r.Context(), actor(r))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newList(list, len(list)))
		return nil
	}
}

func handleSetPosts(att *attendance.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in attendance.PostsInput
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		p, err := att.SetPosts(r.Context(), actor(r), r.PathValue("window"), in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, p)
		return nil
	}
}

func handleTakeOver(att *attendance.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := att.TakeOver(r.Context(), actor(r), r.PathValue("window"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, p)
		return nil
	}
}

func handleHandBack(att *attendance.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := att.HandBack(r.Context(), actor(r), r.PathValue("window")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

func handleRegisterDevice(att *attendance.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			Centre string `json:"centre"`
			Name   string `json:"name"`
		}
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		d, err := att.RegisterDevice(r.Context(), actor(r), in.Centre, in.Name)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, d)
		return nil
	}
}

func handleSetSchedule(att *attendance.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in attendance.Schedule
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		sc, err := att.SetSchedule(r.Context(), actor(r), r.PathValue("centre"), in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, sc)
		return nil
	}
}

func handleWindowStates(att *attendance.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		list, err := att.WindowStates(r.Context(), actor(r))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newList(list, len(list)))
		return nil
	}
}

// handleStaffBoard is a centre's staff public board (公示牌; public).
func handleStaffBoard(att *attendance.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		name, list, err := att.Board(r.Context(), r.PathValue("centre"))
		if err != nil {
			return err
		}
		if list == nil {
			list = []*attendance.BoardEntry{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"centre": r.PathValue("centre"), "centre_name": name, "items": list, "total": len(list)})
		return nil
	}
}

func handleSetProfile(att *attendance.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in attendance.ProfileInput
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		if err := att.SetProfile(r.Context(), actor(r), r.PathValue("username"), in); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// handleSetPhoto takes a staff member's photo (multipart field "photo").
func handleSetPhoto(att *attendance.Service, store *files.Store) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		f, _, err := openFormFile(r, "photo", attendance.MaxPhotoBytes)
		if err != nil {
			return err
		}
		defer removeForm(r)
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, attendance.MaxPhotoBytes+1))
		if err != nil {
			return err
		}
		sha, err := att.SetPhoto(r.Context(), actor(r), store, r.PathValue("username"), b)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, map[string]string{"photo": "/boards/photos/" + sha})
		return nil
	}
}

func handleListDevices(att *attendance.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		list, err := att.Devices(r.Context(), actor(r))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newList(list, len(list)))
		return nil
	}
}

func handleRevokeDevice(att *attendance.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "考勤机编号")
		if err != nil {
			return err
		}
		if err := att.RevokeDevice(r.Context(), actor(r), id); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}
