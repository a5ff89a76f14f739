package web_test

import (
	"context"
	"html"
	"net/url"
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
	"zwfw/internal/attendance"
)

// The AB posts are chosen by name (姓名（窗口）) from the staff the domain
// accepts there — the window staff of the window's centre — not typed as
// user names; every choice offered is one SetPosts accepts, and a choice
// posted from the page sets the post.
func TestPostsChosenByName(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		mgr := e.Actor(t, "chengguan.hall")
		m := login(t, e, "chengguan.hall", apptest.DemoPassword)
		page := m.get("/attendance").Body
		if strings.Contains(page, `<input name="a"`) || strings.Contains(page, "A岗账号") {
			t.Fatal("the A post is still typed as a user name")
		}
		cands, err := e.App.Attendance.PostCandidates(ctx, mgr)
		if err != nil || len(cands) == 0 {
			t.Fatalf("candidates: %v %v", cands, err)
		}
		posts, err := e.App.Attendance.Posts(ctx, mgr)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range posts {
			list := cands[p.Window]
			if len(list) == 0 {
				t.Errorf("window %s has no candidates", p.Window)
				continue
			}
			for _, c := range list {
				if c.Name == "" || !strings.Contains(page, `<option value="`+c.Username+`"`) || !strings.Contains(page, ">"+html.EscapeString(c.Label())+"</option>") {
					t.Errorf("window %s: %s is not offered as %q", p.Window, c.Username, c.Label())
				}
				if strings.HasPrefix(c.Username, "county.") {
					t.Errorf("window %s offers %s of another centre", p.Window, c.Username)
				}
			}
			if p.A != "" && !strings.Contains(page, `<option value="`+p.A+`" selected>`) {
				t.Errorf("window %s: the A post %s is not preselected", p.Window, p.A)
			}
		}
		// Every choice offered is accepted (the picker and the rule agree).
		w := posts[0]
		for _, c := range cands[w.Window] {
			if _, err := e.App.Attendance.SetPosts(ctx, mgr, w.Window, attendance.PostsInput{A: c.Username}); err != nil {
				t.Errorf("SetPosts refuses the offered %s: %v", c.Username, err)
			}
		}
		pick := cands[w.Window][0]
		p := m.follow(m.post("/attendance/posts/"+w.Window, url.Values{"a": {pick.Username}, "b": {""}}, true))
		if p.Status != 200 || !strings.Contains(p.Body, `<option value="`+pick.Username+`" selected>`) {
			t.Fatalf("saving the picked A post: %d", p.Status)
		}
	})
}
