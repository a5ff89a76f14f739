package web_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
	"zwfw/internal/hall"
)

// The window's small screen shows the ticket called at its window, and
// only a window of its centre; the display's voice clips are served, each
// a WAV, all of them small; every screen page weighs under 150 KB with its
// stylesheet and script and loads nothing from elsewhere.
func TestScreens(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		anon := newClient(t, e)
		screen := "/hall/610923C/windows/610923CW01/screen"
		mustContain(t, "window screen before a call", anon.get(screen).Body, "1</b>号窗口", `data-window="610923CW01"`,
			`id="hw-ticket">—<`, "/api/v1/hall/centres/610923C/events")

		_, cats, err := e.App.Hall.Categories(ctx, "610923C", false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.Hall.Take(ctx, "610923C", hall.TakeInput{CategoryID: cats[0].ID}); err != nil {
			t.Fatal(err)
		}
		tk, err := e.App.Hall.Act(ctx, e.Actor(t, "county.window"), "610923CW01", hall.ActNext)
		if err != nil {
			t.Fatal(err)
		}
		p := anon.get(screen)
		mustContain(t, "window screen after the call", p.Body, `id="hw-ticket">`+tk.Number+`<`, "请到本窗口")
		if other := anon.get("/hall/610923C/windows/610923CW02/screen"); !strings.Contains(other.Body, `id="hw-ticket">—<`) {
			t.Errorf("window 2's screen shows a ticket: %s", other.Body)
		}
		for _, bad := range []string{"/hall/610923C/windows/610923100CW01/screen", "/hall/610923C/windows/nowhere/screen", "/hall/nowhere/windows/610923CW01/screen"} {
			if nf := anon.get(bad); nf.Status != 404 {
				t.Errorf("%s = %d, want 404 (not a window of the centre)", bad, nf.Status)
			}
		}

		// The clips: the display knows where, and each is there.
		mustContain(t, "display", anon.get("/hall/610923C/screen").Body, `data-voice="/screens/voice/"`)
		total := 0
		for _, name := range append(hall.Clips("A001", 3), "shi", "bai", "z") {
			c := anon.get("/screens/voice/" + name + ".wav")
			if c.Status != 200 || c.Header.Get("Content-Type") != "audio/wav" || !strings.HasPrefix(c.Body, "RIFF") || !strings.Contains(c.Body[:16], "WAVE") {
				t.Fatalf("clip %s: %d %s", name, c.Status, c.Header.Get("Content-Type"))
			}
		}
		for name := range hall.VoiceTexts() {
			c := anon.get("/screens/voice/" + name + ".wav")
			if c.Status != 200 {
				t.Errorf("clip %s = %d", name, c.Status)
			}
			total += len(c.Body)
		}
		if total > 300<<10 {
			t.Errorf("the clips weigh %d bytes, more than 300 KB", total)
		}
		for _, bad := range []string{"/screens/voice/nope.wav", "/screens/voice/qing.mp3", "/screens/voice/..%2fapp.js"} {
			if nf := anon.get(bad); nf.Status != 404 {
				t.Errorf("%s = %d, want 404", bad, nf.Status)
			}
		}

		// Weight and no outside resources.
		assetRE := regexp.MustCompile(`(?:href|src)="(/static/[0-9a-f]{12}/[a-z.]+)"`)
		for _, path := range []string{screen, "/hall/610923C/rolling", "/hall/610923C/info", "/hall/610923C/info?s=guide", "/hall/610923C/info?s=queue"} {
			p := anon.get(path)
			if p.Status != 200 {
				t.Fatalf("%s = %d", path, p.Status)
			}
			if strings.Contains(p.Body, "http://") || strings.Contains(p.Body, "https://") || strings.Contains(p.Body, "//cdn") {
				t.Errorf("%s names an outside address", path)
			}
			size := len(p.Body)
			for _, m := range assetRE.FindAllStringSubmatch(p.Body, -1) {
				size += len(anon.get(m[1]).Body)
			}
			if size > 150<<10 {
				t.Errorf("%s weighs %d bytes with its assets, more than 150 KB", path, size)
			}
		}
		mustContain(t, "查询机", anon.get("/hall/610923C/info").Body, "办事指南", "办件查询", "排队情况", `href="/progress"`, `data-kiosk="/hall/610923C/info"`)
		mustContain(t, "查询机 queue", anon.get("/hall/610923C/info?s=queue").Body, "综合受理", "等候", `data-idle-home="120"`)
	})
}
