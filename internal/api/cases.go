package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"zwfw"
	"zwfw/internal/casework"
	"zwfw/internal/files"
	"zwfw/internal/hall"
	"zwfw/internal/httpauth"
)

// caseFor prepares a case for the actor who asked: the applicant who filed
// it sees it whole; everyone else (staff included) sees the identity number
// and phone masked, since they need neither to handle it.
func caseFor(a *zwfw.Actor, c *casework.Case) *casework.Case {
	if a == nil || c.ApplicantID == 0 || c.ApplicantID != a.UserID {
		c.Mask()
	}
	return c
}

// handleApply files a case: online by the signed-in applicant, or at a
// window on a walk-in applicant's behalf (then "applicant" is required).
func handleApply(cases *casework.Service, h *hall.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in casework.ApplyInput
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		a := actor(r)
		c, err := cases.Apply(r.Context(), a, in)
		if err != nil {
			return err
		}
		// A case filed at a window serving a ticket is linked to that ticket
		// (hall.LinkCase, right after casework's own transaction). The case
		// is filed either way: a failed link is logged, not answered.
		if _, err := h.LinkCase(r.Context(), a, c.ID); err != nil {
			slog.Default().Warn("hall: case not linked to the ticket served", "case", c.Serial, "err", err)
		}
		w.Header().Set("Location", Prefix+"/cases/"+url.PathEscape(c.Serial))
		writeJSON(w, http.StatusCreated, caseFor(a, c))
		return nil
	}
}

// handleGetCase returns one case the actor may see, with the actions they
// may take on it now (casework.Allowed); any other case is 404. Case
// lookups are the most frequent request of all (progress pages, the
// workbench refreshing), so the encoded JSON of each case version is kept
// per view of it — owner or masked, and the actions offered: a version
// never changes, and the actions are decided from the version and the
// actor alone. The names and codes of its organisations may change, so
// the bodies are kept per epoch of the case cache.
func handleGetCase(cases *casework.Service) handler {
	var memo encodedCases
	return func(w http.ResponseWriter, r *http.Request) error {
		a := actor(r)
		epoch := cases.Epoch()
		c, err := cases.Get(r.Context(), a, r.PathValue("serial"))
		if err != nil {
			return err
		}
		owner := a != nil && c.ApplicantID != 0 && c.ApplicantID == a.UserID
		view := viewOf(owner, c.Actions)
		b := memo.get(c.Serial, c.Version, epoch, view)
		if b == nil {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(caseFor(a, c)); err != nil {
				return err
			}
			b = bytes.Clone(buf.Bytes()) // kept: without the buffer's spare capacity
			memo.put(c.Serial, c.Version, epoch, view, b)
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(b)
		return nil
	}
}

// recentCases bounds the cache of encoded case bodies (about 1 KB each).
const recentCases = 1024

// viewOf names one way a case reads: by its owner (unmasked) or masked,
// with a list of actions.
func viewOf(owner bool, actions []casework.Action) string {
	var b strings.Builder
	if owner {
		b.WriteString("owner")
	}
	for _, x := range actions {
		b.WriteByte(' ')
		b.WriteString(x.Action)
	}
	return b.String()
}

// encodedCases remembers the JSON of recent case versions, by view.
type encodedCases struct {
	mu sync.Mutex
	m  map[string]encodedCase
}

// maxViews bounds the views kept of one case version (a case reads in a
// handful of ways: its owner, the window, the reviewers, the supervisor).
const maxViews = 8

type encodedCase struct {
	version int
	epoch   uint64
	views   map[string][]byte
}

func (e *encodedCases) get(serial string, version int, epoch uint64, view string) []byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.m[serial]
	if !ok || c.version != version || c.epoch != epoch {
		return nil
	}
	return c.views[view]
}

func (e *encodedCases) put(serial string, version int, epoch uint64, view string, b []byte) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.m == nil {
		e.m = map[string]encodedCase{}
	}
	c, ok := e.m[serial]
	if !ok && len(e.m) >= recentCases {
		// Full: evict one entry at random (map iteration starts at a
		// random place), so the cache stays full instead of emptying.
		for s := range e.m {
			delete(e.m, s)
			break
		}
	}
	if c.version != version || c.epoch != epoch || len(c.views) >= maxViews {
		c = encodedCase{version: version, epoch: epoch, views: map[string][]byte{}}
	}
	c.views[view] = b
	e.m[serial] = c
}

// handleListCases lists the cases the actor may see: an applicant's own,
// or those of a staff member's subtree; ?todo=true is what waits for the
// actor's role, ordered by deadline.
func handleListCases(cases *casework.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		pg, err := pageOf(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		cq := casework.Query{Item: strings.TrimSpace(q.Get("item")), Org: strings.TrimSpace(q.Get("org")),
			Kind: strings.TrimSpace(q.Get("kind")), Q: strings.TrimSpace(q.Get("q")), Limit: pg.Limit, Offset: pg.Offset}
		for _, s := range strings.Split(q.Get("status"), ",") {
			if s = strings.TrimSpace(s); s != "" {
				cq.Status = append(cq.Status, s)
			}
		}
		if cq.Overdue, err = boolParam(r, "overdue"); err != nil {
			return err
		}
		if cq.Todo, err = boolParam(r, "todo"); err != nil {
			return err
		}
		list, total, err := cases.List(r.Context(), actor(r), cq)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newList(list, total))
		return nil
	}
}

// handleAct takes an action on a case. The body is the action's input
// (casework.ActionInput); actions that need nothing may send none. The state
// machine, roles and scope are the service's: 409, 403 and 404.
func handleAct(cases *casework.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in casework.ActionInput
		if err := decodeOptionalJSON(r, &in); err != nil {
			return err
		}
		a := actor(r)
		c, err := cases.Act(r.Context(), a, r.PathValue("serial"), r.PathValue("action"), in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, caseFor(a, c))
		return nil
	}
}

// handleListNotices lists the written notices of a case, oldest first.
func handleListNotices(cases *casework.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := cases.Get(r.Context(), actor(r), r.PathValue("serial"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newList(c.Notices, len(c.Notices)))
		return nil
	}
}

// handleGetNotice returns one notice of a case.
func handleGetNotice(cases *casework.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "通知书编号")
		if err != nil {
			return err
		}
		_, n, err := cases.Notice(r.Context(), actor(r), r.PathValue("serial"), id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, n)
		return nil
	}
}

// handleCaseFile downloads a material of a case, to those who may see the
// case (everyone else gets 404). The bytes are served as an attachment of
// the type sniffed at upload, never rendered in the site's origin.
func handleCaseFile(cases *casework.Service, store *files.Store) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "文件编号")
		if err != nil {
			return err
		}
		serial := r.PathValue("serial")
		m, err := cases.File(r.Context(), actor(r), serial, id)
		if err != nil {
			return err
		}
		f, err := store.Open(m.SHA256)
		if err != nil {
			return err
		}
		defer f.Close()
		h := w.Header()
		h.Set("Content-Type", m.ContentType)
		h.Set("Content-Disposition", files.Disposition(m.FileName, m.ContentType, fmt.Sprintf("%s-%d", serial, m.FileID)))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "sandbox")
		http.ServeContent(w, r, "", time.Time{}, f)
		return nil
	}
}

// handlePublicProgress is the public progress lookup (办件查询): no login;
// the applicant's name masked, no personal data.
func handlePublicProgress(cases *casework.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		// The code travels in a header, out of URLs and their logs; the
		// query parameter is still read for older clients.
		code := r.Header.Get("X-Query-Code")
		if code == "" {
			code = r.URL.Query().Get("code")
		}
		p, err := cases.PublicProgress(r.Context(), r.PathValue("serial"), code, httpauth.ClientIP(r))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, p)
		return nil
	}
}

// pathID reads a positive integer path value.
func pathID(r *http.Request, name, what string) (int64, error) {
	s := r.PathValue(name)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 {
		return 0, &zwfw.Error{Code: zwfw.EBADREQUEST, Message: fmt.Sprintf("%s应为正整数，而不是“%s”", what, s),
			Details: []zwfw.ErrorDetail{{Field: name, Message: "应为正整数"}}}
	}
	return n, nil
}

// decodeOptionalJSON is decodeJSON for bodies that may be left out: an
// empty body leaves v as it is.
func decodeOptionalJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge(mbe.Limit)
		}
		return zwfw.Errorf(zwfw.EBADREQUEST, "请求正文未能读完")
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return decodeJSON(r, v)
}
