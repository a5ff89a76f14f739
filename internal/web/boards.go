package web

import (
	"io"
	"net/http"

	"zwfw"
	"zwfw/internal/attendance"
	"zwfw/internal/files"
)

// Staff public boards (公示牌, 附件2（八）3): a centre's window staff with
// name, staff number, post, qualifications, photo and satisfaction; with
// ?window= only that window's, large, for the screen beside it.

func init() { pages = append(pages, "boards") }

type boardsPage struct {
	base
	Centre, CentreName string
	Window             string
	Entries            []*attendance.BoardEntry
}

func (s *server) boardsPage(w http.ResponseWriter, r *http.Request) error {
	code := r.PathValue("centre")
	name, list, err := s.d.Attendance.Board(r.Context(), code)
	if err != nil {
		return err
	}
	p := boardsPage{base: s.base(w, r, name+" · 工作人员公示"), Centre: code, CentreName: name}
	if win := r.URL.Query().Get("window"); win != "" {
		p.Window = win
		for _, e := range list {
			if e.Window == win {
				p.Entries = append(p.Entries, e)
			}
		}
		if len(p.Entries) == 0 {
			return zwfw.Errorf(zwfw.ENOTFOUND, "窗口“%s”不在%s或没有工作人员", win, name)
		}
	} else {
		p.Entries = list
	}
	s.render(w, r, http.StatusOK, "boards", p)
	return nil
}

// boardPhoto serves a board's photo (public, as the board shows it); any
// other file of the store is not found here.
func (s *server) boardPhoto(w http.ResponseWriter, r *http.Request) error {
	sha := r.PathValue("sha")
	if !files.ValidSHA(sha) || !s.d.Attendance.IsBoardPhoto(r.Context(), sha) {
		return zwfw.Errorf(zwfw.ENOTFOUND, "照片不存在")
	}
	f, err := s.d.Files.Open(sha)
	if err != nil {
		return err
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", "image/jpeg")
	h.Set("Cache-Control", "public, max-age=31536000, immutable") // named by its digest
	_, _ = io.Copy(w, f)
	return nil
}

// attendanceProfile saves a staff member's staff number, qualifications
// and (when one is chosen) photo, from the attendance page's board form.
func (s *server) attendanceProfile(w http.ResponseWriter, r *http.Request) error {
	a, user := actor(r), r.PathValue("username")
	err := s.d.Attendance.SetProfile(r.Context(), a, user, attendance.ProfileInput{StaffNo: r.PostFormValue("staff_no"),
		Qualifications: r.PostFormValue("qualifications")})
	if err == nil && r.MultipartForm != nil && len(r.MultipartForm.File["photo"]) > 0 {
		var b []byte
		if f, oerr := r.MultipartForm.File["photo"][0].Open(); oerr != nil {
			err = oerr
		} else {
			b, err = io.ReadAll(io.LimitReader(f, attendance.MaxPhotoBytes+1))
			f.Close()
		}
		if err == nil {
			_, err = s.d.Attendance.SetPhoto(r.Context(), a, s.d.Files, user, b)
		}
	}
	return s.attendanceDone(w, r, err, "已保存公示牌信息。")
}
