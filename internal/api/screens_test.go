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
	"zwfw/internal/casework"
	"zwfw/internal/supervision"
)

// rollingEvents reads the rolling events of a centre's stream.
func rollingEvents(t *testing.T, ctx context.Context, url string) <-chan supervision.Rolling {
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
		t.Fatalf("rolling events: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	out := make(chan supervision.Rolling, 16)
	go func() {
		defer res.Body.Close()
		defer close(out)
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var r supervision.Rolling
				if json.Unmarshal([]byte(data), &r) == nil {
					out <- r
				}
			}
		}
	}()
	return out
}

// The centre's public rolling display (附件2（八）1) shows its own cases
// only — a case accepted at a town's centre is not on the county centre's
// — with the applicant masked and nothing else of them; a case accepted
// reaches the display's event stream (on PostgreSQL, one connected to
// another server process too).
func TestRollingDisplay(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		pub := anon(t, e)
		read := func(code string) supervision.Rolling {
			t.Helper()
			var r supervision.Rolling
			res := pub.get("/hall/centres/" + code + "/rolling")
			if res.Status != http.StatusOK {
				t.Fatalf("rolling %s: %d %s", code, res.Status, res.Body)
			}
			res.decode(&r)
			return r
		}
		county0, town0 := read("610923C"), read("610923100C")

		screens := []string{e.URL}
		if e.App.DB.Dialect == "postgres" {
			screens = append(screens, apptest.Twin(t, e).URL)
		}
		var streams []<-chan supervision.Rolling
		for _, base := range screens {
			s := rollingEvents(t, ctx, base+"/api/v1/hall/centres/610923C/rolling/events")
			if r := <-s; r.Accepted != county0.Accepted { // at once
				t.Fatalf("first rolling event = %+v, want %d accepted", r, county0.Accepted)
			}
			streams = append(streams, s)
		}

		// A case accepted at the town's centre: not the county's.
		e.Case(t, "resident.wang", "200300200000", "610923100C", casework.Accepted)
		town := read("610923100C")
		if town.Accepted != town0.Accepted+1 || len(town.Cases) == 0 || town.Cases[0].Event != casework.EventAccepted {
			t.Fatalf("the town's display after its acceptance = %+v (before: %d accepted)", town, town0.Accepted)
		}
		if c := read("610923C"); c.Accepted != county0.Accepted {
			t.Fatalf("the county's display counts the town's case: %d accepted today, was %d", c.Accepted, county0.Accepted)
		}

		// One accepted at the county's: on its display, and pushed.
		start := time.Now()
		e.Case(t, "resident.wang", "010100300000", "610923C", casework.Accepted)
		for i, s := range streams {
			timeout := time.After(5 * time.Second)
		wait:
			for {
				select {
				case r, ok := <-s:
					if !ok {
						t.Fatal("the stream ended")
					}
					if r.Accepted == county0.Accepted+1 {
						t.Logf("display on process %d heard the acceptance %s after it began", i+1, time.Since(start).Round(time.Millisecond))
						break wait
					}
				case <-timeout:
					t.Fatalf("display on process %d: no event with the acceptance", i+1)
				}
			}
		}
		county := read("610923C")
		top := county.Cases[0]
		if top.Event != casework.EventAccepted || top.EventName != "受理" || top.Applicant != "王**" || top.Item == "" {
			t.Fatalf("newest line = %+v, want the acceptance of 王**", top)
		}
		body := string(pub.get("/hall/centres/610923C/rolling").Body)
		for _, private := range []string{"王秀兰", "610923198503120025", "13991561234", "query_code", "serial"} {
			if strings.Contains(body, private) {
				t.Errorf("the public rolling display carries %q", private)
			}
		}
		pub.get("/hall/centres/nowhere/rolling").apiErr(http.StatusNotFound, "not_found")
		pub.get("/hall/centres/610923CW01/rolling").apiErr(http.StatusNotFound, "not_found") // a window, not a centre
	})
}
