package attendance

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	_ "image/png" // photos may come as PNG
	"net/http"
	"strings"
	"unicode/utf8"

	"golang.org/x/image/draw"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/db"
	"zwfw/internal/files"
)

// Staff public boards (公示牌): "各窗口应摆放包含窗口人员姓名、编号、相片的
// 公示牌" (附件2（八）3). Each window staff member's name, staff number, post,
// qualifications, photo and satisfaction rating, for the screen beside the
// window and the centre's public page. Only what a board shows is read: no
// phone, no identity number.

// BoardEntry is one person on a centre's board.
type BoardEntry struct {
	Window         string   `json:"window"`
	WindowName     string   `json:"window_name"`
	Post           string   `json:"post,omitempty"` // A or B
	PostName       string   `json:"post_name,omitempty"`
	Name           string   `json:"name"`
	Title          string   `json:"title,omitempty"` // the account's 岗位
	StaffNo        string   `json:"staff_no,omitempty"`
	Qualifications string   `json:"qualifications,omitempty"`
	Photo          string   `json:"photo,omitempty"` // the photo's address, when there is one
	Evaluated      int      `json:"evaluated"`       // evaluations of the last 12 months
	Satisfaction   *float64 `json:"satisfaction_rate"`
	Username       string   `json:"-"`
}

// Board lists the window staff of a centre (public), window by window, the
// A post before the B post before the others.
func (s *Service) Board(ctx context.Context, centre string) (name string, list []*BoardEntry, err error) {
	id, _, name, err := s.centre(ctx, strings.TrimSpace(centre))
	if err != nil {
		return "", nil, err
	}
	since := db.Millis(s.now().AddDate(-1, 0, 0))
	rows, err := s.db.Reader().Query(ctx, `SELECT w.code, w.name, COALESCE(p.post, ''), u.username, u.name, u.post,
		COALESCE(f.staff_no, ''), COALESCE(f.qualifications, ''), COALESCE(f.photo_sha, ''),
		(SELECT COUNT(*) FROM evaluations e WHERE e.staff_id = u.id AND e.created_at >= ?),
		(SELECT COUNT(*) FROM evaluations e WHERE e.staff_id = u.id AND e.created_at >= ? AND e.level <= 3)
		FROM users u JOIN orgs w ON w.id = u.window_id LEFT JOIN window_posts p ON p.window_id = w.id AND p.user_id = u.id
		LEFT JOIN staff_profiles f ON f.user_id = u.id
		WHERE w.parent_id = ? AND u.kind = 'staff' AND u.active = ?
		ORDER BY w.sort, w.code, CASE COALESCE(p.post, '') WHEN 'A' THEN 0 WHEN 'B' THEN 1 ELSE 2 END, u.username`, since, since, id, true)
	if err != nil {
		return "", nil, fmt.Errorf("attendance: board: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var b BoardEntry
		var sha string
		var good int
		if err := rows.Scan(&b.Window, &b.WindowName, &b.Post, &b.Username, &b.Name, &b.Title, &b.StaffNo, &b.Qualifications, &sha, &b.Evaluated, &good); err != nil {
			return "", nil, err
		}
		b.PostName = PostName(b.Post)
		if sha != "" {
			b.Photo = "/boards/photos/" + sha
		}
		if b.Evaluated > 0 {
			r := float64(good*1000/b.Evaluated) / 10
			b.Satisfaction = &r
		}
		list = append(list, &b)
	}
	return name, list, rows.Err()
}

// ProfileInput is what the centre's manager sets of a staff member.
type ProfileInput struct {
	StaffNo        string `json:"staff_no"`
	Qualifications string `json:"qualifications"`
}

// staffOfManaged reads a window staff member the actor manages.
func (s *Service) staffOfManaged(ctx context.Context, actor *zwfw.Actor, username string) (*staff, error) {
	st, err := s.staffBy(ctx, s.db.Reader(), "u.username = ?", strings.TrimSpace(username))
	if err != nil {
		return nil, err
	}
	if st.centreID == 0 {
		return nil, invalid("username", "“%s”未分配到窗口，不上公示牌", username)
	}
	if err := MayManage(actor, st.centrePath); err != nil {
		return nil, err
	}
	return st, nil
}

// SetProfile sets a window staff member's staff number and qualifications.
func (s *Service) SetProfile(ctx context.Context, actor *zwfw.Actor, username string, in ProfileInput) error {
	st, err := s.staffOfManaged(ctx, actor, username)
	if err != nil {
		return err
	}
	in.StaffNo, in.Qualifications = strings.TrimSpace(in.StaffNo), strings.TrimSpace(in.Qualifications)
	var v zwfw.Invalid
	if utf8.RuneCountInString(in.StaffNo) > 20 {
		v.Add("staff_no", "工号不超过 20 字")
	}
	if utf8.RuneCountInString(in.Qualifications) > 200 {
		v.Add("qualifications", "资格证书不超过 200 字")
	}
	if err := v.Err(); err != nil {
		return err
	}
	now := s.now()
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO staff_profiles (user_id, staff_no, qualifications, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET staff_no = excluded.staff_no, qualifications = excluded.qualifications,
			updated_by = excluded.updated_by, updated_at = excluded.updated_at`, st.id, in.StaffNo, in.Qualifications, actor.UserID, db.Millis(now)); err != nil {
			return fmt.Errorf("attendance: profile: %w", err)
		}
		return audit.Record(ctx, tx, now, actor, "staff.profile", "user:"+st.username, in)
	})
}

// Photo limits: what the manager may upload, and the board's size.
const (
	MaxPhotoBytes  = 5 << 20 // 5 MiB
	maxPhotoPixels = 40_000_000
	photoW, photoH = 300, 400 // 3:4, a board's portrait
)

// SetPhoto stores a staff member's photo: a JPEG or PNG of at most 5 MiB,
// cropped to 3:4 around its centre and resized by the server to 300×400
// (golang.org/x/image/draw), kept as JPEG in the file store.
func (s *Service) SetPhoto(ctx context.Context, actor *zwfw.Actor, store *files.Store, username string, b []byte) (string, error) {
	st, err := s.staffOfManaged(ctx, actor, username)
	if err != nil {
		return "", err
	}
	small, err := resizePhoto(b)
	if err != nil {
		return "", err
	}
	f, err := store.PutBytes(ctx, actor, st.username+".jpg", small, files.PurposePhoto)
	if err != nil {
		return "", err
	}
	now := s.now()
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO staff_profiles (user_id, photo_sha, updated_by, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET photo_sha = excluded.photo_sha, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			st.id, f.SHA256, actor.UserID, db.Millis(now)); err != nil {
			return fmt.Errorf("attendance: photo: %w", err)
		}
		return audit.Record(ctx, tx, now, actor, "staff.photo", "user:"+st.username, map[string]any{"sha256": f.SHA256, "bytes": len(small)})
	})
	return f.SHA256, err
}

// resizePhoto checks an upload is a photo and makes the board's picture of
// it; the size is read before the pixels, so that a small file claiming a
// huge picture is refused without decoding it.
func resizePhoto(b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, invalid("photo", "请上传照片")
	}
	if len(b) > MaxPhotoBytes {
		return nil, invalid("photo", "照片不能超过 5 MB")
	}
	ct := http.DetectContentType(b)
	if ct != "image/jpeg" && ct != "image/png" {
		return nil, invalid("photo", "照片须为 JPEG 或 PNG 图片")
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, invalid("photo", "照片无法读取：文件已损坏或不是图片")
	}
	if cfg.Width < 60 || cfg.Height < 80 || cfg.Width*cfg.Height > maxPhotoPixels {
		return nil, invalid("photo", "照片尺寸应在 60×80 到 4000 万像素之间（当前 %d×%d）", cfg.Width, cfg.Height)
	}
	src, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, invalid("photo", "照片无法读取：文件已损坏或不是图片")
	}
	r := src.Bounds()
	// The largest 3:4 rectangle around the centre.
	w, h := r.Dx(), r.Dy()
	if w*photoH > h*photoW {
		cw := h * photoW / photoH
		r.Min.X += (w - cw) / 2
		r.Max.X = r.Min.X + cw
	} else {
		ch := w * photoH / photoW
		r.Min.Y += (h - ch) / 2
		r.Max.Y = r.Min.Y + ch
	}
	dst := image.NewRGBA(image.Rect(0, 0, photoW, photoH))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, r, draw.Over, nil)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, dst, &jpeg.Options{Quality: 85}); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// IsBoardPhoto reports whether sha is a board's photo (the public photo
// address serves nothing else from the file store).
func (s *Service) IsBoardPhoto(ctx context.Context, sha string) bool {
	var one int
	return s.db.QueryRow(ctx, "SELECT 1 FROM staff_profiles WHERE photo_sha = ? LIMIT 1", sha).Scan(&one) == nil
}

// SatisfactionText is the rate as a board prints it ("96.5%"), "" without
// evaluations.
func (b *BoardEntry) SatisfactionText() string {
	if b.Satisfaction == nil {
		return ""
	}
	return fmt.Sprintf("%.1f%%", *b.Satisfaction)
}
