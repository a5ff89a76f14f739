package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"zwfw/internal/app/apptest"
	"zwfw/internal/hall"
)

// board reads the board events of a centre's stream.
func boardEvents(t *testing.T, ctx context.Context, url string) <-chan hall.Board {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("events: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	out := make(chan hall.Board, 16)
	go func() {
		defer res.Body.Close()
		defer close(out)
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var b hall.Board
				if json.Unmarshal([]byte(data), &b) == nil {
					out <- b
				}
			}
		}
	}()
	return out
}

// nextCall waits until a second after start for a board whose newest
// call is number, and says how long after start it came.
func nextCall(t *testing.T, events <-chan hall.Board, number string, start time.Time) time.Duration {
	t.Helper()
	timeout := time.After(time.Until(start.Add(time.Second)))
	for {
		select {
		case b, ok := <-events:
			if !ok {
				t.Fatal("the stream ended")
			}
			if len(b.Latest) > 0 && b.Latest[0].Number == number {
				return time.Since(start)
			}
		case <-timeout:
			t.Fatalf("no board with the call of %s within a second", number)
		}
	}
}

// The hall through the API: a ticket taken and called reaches the screens'
// event stream — on PostgreSQL a screen connected to another server
// process too — and bad input is refused in the one error shape with
// nothing changed.
func TestHallAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		pub := anon(t, e)
		var cats struct {
			Items []hall.Category `json:"items"`
		}
		pub.get("/hall/centres/610923C/categories").decode(&cats)
		if len(cats.Items) != 4 || cats.Items[0].Prefix != "A" || !cats.Items[0].Priority {
			t.Fatalf("categories = %+v", cats.Items)
		}
		a := cats.Items[0].ID
		// Bad input: nothing is taken.
		pub.post("/hall/centres/610923100C/tickets", map[string]any{"category_id": a}).apiErr(http.StatusUnprocessableEntity, "invalid")
		pub.post("/hall/centres/610923C/tickets", map[string]any{"category_id": "A"}).apiErr(http.StatusBadRequest, "bad_request")
		pub.post("/hall/centres/nowhere/tickets", map[string]any{"category_id": a}).apiErr(http.StatusNotFound, "not_found")
		var tk hall.Ticket
		res := pub.post("/hall/centres/610923C/tickets", map[string]any{"category_id": a})
		if res.Status != http.StatusCreated {
			t.Fatalf("take: %d %s", res.Status, res.Body)
		}
		res.decode(&tk)
		if tk.Number != "A001" || tk.Status != hall.Waiting || tk.Ahead != 0 {
			t.Fatalf("ticket = %+v, want A001 waiting with none ahead (the refused takes left no gap)", tk)
		}
		// The window's staff only, at their own centre's windows.
		county := demo(t, e, "county.window")
		demo(t, e, "chengguan.window").post("/hall/windows/610923CW01/calls/next", nil).apiErr(http.StatusForbidden, "forbidden")
		county.post("/hall/windows/610923CW01/calls/shout", nil).apiErr(http.StatusNotFound, "not_found")
		county.post("/hall/windows/610923CW01/calls/recall", nil).apiErr(http.StatusConflict, "conflict")

		screens := []string{e.URL}
		if e.App.DB.Dialect == "postgres" {
			screens = append(screens, apptest.Twin(t, e).URL) // a second server process on the database
		}
		var streams []<-chan hall.Board
		for _, base := range screens {
			s := boardEvents(t, ctx, base+"/api/v1/hall/centres/610923C/events")
			b := <-s // the board at once
			if len(b.Latest) != 0 || b.Waiting[0].Waiting != 1 {
				t.Fatalf("first board = %+v", b)
			}
			streams = append(streams, s)
		}
		start := time.Now()
		res = county.post("/hall/windows/610923CW01/calls/next", nil)
		if res.Status != http.StatusOK {
			t.Fatalf("call: %d %s", res.Status, res.Body)
		}
		for i, s := range streams {
			took := nextCall(t, s, "A001", start)
			t.Logf("screen on process %d heard the call %s after the request was sent", i+1, took.Round(time.Millisecond))
		}
		var desk struct {
			Current *hall.Ticket `json:"current"`
		}
		county.get("/hall/windows/610923CW01/desk").decode(&desk)
		if desk.Current == nil || desk.Current.Number != "A001" || desk.Current.Status != hall.Called {
			t.Fatalf("desk = %+v", desk.Current)
		}
		var followed hall.Ticket
		pub.get("/hall/tickets/" + tk.Token).decode(&followed)
		if followed.Status != hall.Called || followed.WindowCode != "610923CW01" {
			t.Fatalf("the phone page's ticket = %+v", followed)
		}
		var b hall.Board
		pub.get("/hall/centres/610923C/board").decode(&b)
		if b.Latest[0].Speech != "请A001号到1号窗口办理" {
			t.Fatalf("board = %+v", b.Latest)
		}
	})
}
