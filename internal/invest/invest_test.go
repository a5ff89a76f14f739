package invest_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/casework"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/exchange"
	"zwfw/internal/invest"
)

var now = time.Date(2026, 11, 18, 10, 0, 0, 0, zwfw.Zone)

func TestParseCode(t *testing.T) {
	for _, s := range []string{"2026-610923-48-01-012345", "2019-000000-75-02-000001", "2024-610900-01-03-999999"} {
		c, err := casework.ParseProjectCode(s, now)
		if err != nil || c.String() != s {
			t.Errorf("%s: %v %v", s, c, err)
		}
	}
	c, _ := casework.ParseProjectCode("2026-610923-48-01-012345", now)
	if c.Division != "610923" || c.TypeName() != "审批" || c.Year != 2026 {
		t.Errorf("parsed %+v", c)
	}
	for _, s := range []string{"", "2026-610923-48-01-01234", "2026610923480101234", "2026-610923-48-01-0123456",
		"2027-610923-48-01-012345", // a year to come
		"1999-610923-48-01-012345",
		"2026-990923-48-01-012345", // no such province
		"2026-610923-00-01-012345", // no industry
		"2026-610923-48-04-012345", // no such type
		"２０２６-610923-48-01-012345",
	} {
		if _, err := casework.ParseProjectCode(s, now); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Errorf("%q accepted: %v", s, err)
		}
	}
}

func TestFromCase(t *testing.T) {
	body := map[string]any{"serial": "S1", "item_code": "010400100000", "item_name": "建筑工程施工许可证核发", "dept_code": "610923D04",
		"dept_name": "住建局", "status": "accepted", "project_code": "2026-610923-48-01-012345"}
	ev := func(kind string, b map[string]any) *exchange.Event {
		raw, _ := json.Marshal(b)
		return &exchange.Event{Kind: kind, Case: "S1", At: 1, Body: raw}
	}
	for kind, want := range map[string]string{"case.filed": "", "case.accepted": invest.KindAccepted, "case.step": invest.KindStep,
		"case.suspended": invest.KindStep, "case.completed": invest.KindCompleted, "case.rejected": invest.KindCompleted,
		"case.delivered": "", "case.rated": "", "case.forward": ""} {
		got, ok := invest.FromCase("610923", ev(kind, body))
		if ok != (want != "") || got.Kind != want {
			t.Errorf("%s: %v %+v", kind, ok, got)
		}
	}
	got, _ := invest.FromCase("610923", ev("case.accepted", body))
	if got.Result != "已受理" || got.Step != "受理" || got.ProjectCode != body["project_code"] || got.ItemCode != body["item_code"] || got.At != 1 {
		t.Errorf("accepted %+v", got)
	}
	delete(body, "project_code")
	if _, ok := invest.FromCase("610923", ev("case.accepted", body)); ok {
		t.Error("a case without a project code went to the platform")
	}
}

// recorder is a platform that fails while down.
type recorder struct {
	down bool
	got  []invest.Event
}

func (r *recorder) Push(ctx context.Context, ev invest.Event) error {
	if r.down {
		return errors.New("connection refused")
	}
	r.got = append(r.got, ev)
	return nil
}

func TestOutbox(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clock := now
		p := &recorder{down: true}
		s := invest.New(d, p, func() time.Time { return clock }, nil)
		code := "2026-610923-48-01-012345"
		// Recorded in the caller's transaction: a rolled-back case leaves
		// nothing to send.
		_ = d.InTx(ctx, func(tx *db.Tx) error {
			if err := s.Record(ctx, tx, invest.Event{Kind: invest.KindAccepted, ProjectCode: code, Serial: "S0"}); err != nil {
				t.Fatal(err)
			}
			return errors.New("the case failed")
		})
		if err := d.InTx(ctx, func(tx *db.Tx) error {
			for _, k := range []string{invest.KindAccepted, invest.KindStep, invest.KindCompleted} {
				if err := s.Record(ctx, tx, invest.Event{Kind: k, ProjectCode: code, Serial: "S1"}); err != nil {
					return err
				}
			}
			return s.Record(ctx, tx, invest.Event{Kind: invest.KindAccepted, Serial: "S2"}) // no project: dropped
		}); err != nil {
			t.Fatal(err)
		}
		if n, _, err := s.Pending(ctx); err != nil || n != 3 {
			t.Fatalf("pending %d %v", n, err)
		}
		// The platform is down: nothing is sent, the first waits 30 s.
		if n, err := s.Deliver(ctx, 10); err != nil || n != 0 {
			t.Fatalf("deliver while down: %d %v", n, err)
		}
		p.down = false
		if n, _ := s.Deliver(ctx, 10); n != 0 {
			t.Fatalf("delivered before its backoff: %d", n)
		}
		clock = clock.Add(31 * time.Second)
		if n, err := s.Deliver(ctx, 10); err != nil || n != 3 {
			t.Fatalf("deliver: %d %v", n, err)
		}
		if len(p.got) != 3 || p.got[0].Kind != invest.KindAccepted || p.got[2].Kind != invest.KindCompleted || p.got[0].ID == 0 {
			t.Fatalf("pushed %+v", p.got)
		}
		if n, _, _ := s.Pending(ctx); n != 0 {
			t.Fatalf("still pending %d", n)
		}
		if n, _ := s.Deliver(ctx, 10); n != 0 {
			t.Fatal("sent twice")
		}
		evs, err := s.Events(ctx, code)
		if err != nil || len(evs) != 3 {
			t.Fatalf("events %v %v", evs, err)
		}
		// The default platform logs and succeeds.
		if err := (invest.LogPlatform{}).Push(ctx, evs[0]); err != nil {
			t.Fatal(err)
		}
	})
}
