package exchange_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"zwfw"
	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
	"zwfw/internal/exchange"
)

// Every case event leaves for the city in the case's own transaction:
// filing, acceptance, each step, completion, delivery, rating, in Seq order
// with their CaseFacts and nothing personal; without a city registered, a
// case leaves nothing in the outbox; an action that fails leaves no event.
func TestCaseEventsPublished(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		before := e.Case(t, "county.window", "010100100000", "610923C", casework.Accepted)
		if evs, _ := e.App.Exchange.Pending(ctx, "610900"); len(evs) != 0 {
			t.Fatalf("no city registered, yet %d events", len(evs))
		}
		p := newPair(t, e)
		serial := e.Case(t, "county.window", "010100100000", "610923C", casework.Delivered)
		c, err := e.App.Cases.Act(ctx, zwfw.System, serial, casework.ActEvaluate, casework.ActionInput{Level: 1, Channel: "pad"})
		if err != nil {
			t.Fatal(err)
		}
		evs := p.pending(t)
		var kinds []string
		for i, ev := range evs {
			if ev.Case != serial || ev.Seq != i+1 || ev.ID != exchange.EventID("610923", serial, i+1) || ev.To != "610900" {
				t.Fatalf("event %d: %+v", i, ev)
			}
			kinds = append(kinds, ev.Kind)
		}
		got := strings.Join(kinds, " ")
		if !strings.HasPrefix(got, "case.filed case.accepted ") || !strings.HasSuffix(got, "case.completed case.delivered case.rated") {
			t.Fatalf("kinds: %s", got)
		}
		var first, last exchange.CaseFacts
		if err := json.Unmarshal(evs[0].Body, &first); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(evs[len(evs)-1].Body, &last); err != nil {
			t.Fatal(err)
		}
		if first.Serial != serial || first.ItemCode != "010100100000" || first.ImplCode == "" || first.OrgCode != "610923C" ||
			first.DeptCode == "" || first.DeptName == "" || first.Action != "file" || first.Status != "submitted" || first.FiledAt == 0 || first.Channel != "window" {
			t.Fatalf("filed facts: %+v", first)
		}
		if last.Action != "evaluate" || last.Rating != 1 || last.Status != c.Status || last.CompletedOn == "" || last.Deadline == "" {
			t.Fatalf("rated facts: %+v", last)
		}
		for _, ev := range evs {
			for _, personal := range []string{"代办测试", "13991561111", "610923198001010"} {
				if strings.Contains(string(ev.Body), personal) {
					t.Fatalf("%s carries %s: %s", ev.ID, personal, ev.Body)
				}
			}
		}
		// A refused action (the case is delivered: no second acceptance).
		if _, err := e.App.Cases.Act(ctx, zwfw.System, serial, casework.ActAccept, casework.ActionInput{}); err == nil {
			t.Fatal("accepted a delivered case")
		}
		if n := len(p.pending(t)); n != len(evs) {
			t.Fatalf("a refused action published: %d → %d", len(evs), n)
		}
		// The earlier case's next action goes out, numbered from 1 for the
		// city (it had no events before the city was registered).
		if _, err := e.App.Cases.Act(ctx, zwfw.System, before, casework.ActSuspend, casework.ActionInput{Kind: "expert", Opinion: "需组织专家论证"}); err != nil {
			t.Fatal(err)
		}
		all := p.pending(t)
		if ev := all[len(all)-1]; ev.Case != before || ev.Seq != 1 || ev.Kind != "case.suspended" {
			t.Fatalf("the earlier case's event: %+v", ev)
		}
	})
}
