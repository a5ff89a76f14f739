package hall_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/hall"
	"zwfw/internal/testclock"
)

// missOne calls the next ticket at window, recalls it up to its limit and
// marks it missed (过号).
func missOne(t *testing.T, s *hall.Service, staff *zwfw.Actor, window string) *hall.Ticket {
	t.Helper()
	ctx := context.Background()
	tk, err := s.Act(ctx, staff, window, hall.ActNext)
	if err != nil {
		t.Fatalf("next: %v", err)
	}
	for range 3 {
		if _, err := s.Act(ctx, staff, window, hall.ActRecall); err != nil {
			t.Fatalf("recall: %v", err)
		}
	}
	if tk, err = s.Act(ctx, staff, window, hall.ActMiss); err != nil || tk.Status != hall.Missed {
		t.Fatalf("miss: %v %+v", err, tk)
	}
	return tk
}

// calls takes n tickets off the queue at window, finishing each.
func calls(t *testing.T, s *hall.Service, staff *zwfw.Actor, window string, n int) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	for range n {
		tk, err := s.Act(ctx, staff, window, hall.ActNext)
		if err != nil {
			t.Fatalf("next: %v (after %v)", err, out)
		}
		if _, err := s.Act(ctx, staff, window, hall.ActFinish); err != nil {
			t.Fatal(err)
		}
		out = append(out, tk.Number)
	}
	return out
}

func TestRequeuePlacesAMissedTicketNBackOnlyOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := testclock.Running()
		county(t, d, clk.Now)
		s := hall.NewService(d, clk.Now)
		a := category(t, s, "610923C", hall.CategoryInput{Name: "综合受理", Prefix: "A", RequeuePlaces: 2})
		if a.RequeuePlaces != 2 {
			t.Fatalf("requeue places = %d, want 2", a.RequeuePlaces)
		}
		if b := category(t, s, "610923C", hall.CategoryInput{Name: "社会事务", Prefix: "B"}); b.RequeuePlaces != hall.DefaultRequeuePlaces {
			t.Fatalf("default requeue places = %d, want 3", b.RequeuePlaces)
		}
		for range 5 {
			take(t, s, "610923C", a.ID, false) // A001 … A005
		}
		staff := staffAt(t, d, "610923C")
		missed := missOne(t, s, staff, "610923CW01")
		if missed.Number != "A001" {
			t.Fatalf("missed %s, want A001", missed.Number)
		}
		// Not a missed ticket: refused, nothing changes.
		if _, err := s.Requeue(ctx, staff, "610923CW01", "A002"); zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			t.Fatalf("requeue of a waiting ticket: %v, want 409", err)
		}
		// Another centre's staff may not.
		if _, err := s.Requeue(ctx, staffAt(t, d, "610923100C"), "610923CW01", "A001"); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("town staff re-queueing at the county: %v, want 403", err)
		}
		tk, err := s.Requeue(ctx, staff, "610923CW02", "a001")
		if err != nil {
			t.Fatal(err)
		}
		if tk.Status != hall.Waiting || !tk.Requeued || tk.Ahead != 2 {
			t.Fatalf("re-queued = %s requeued %v ahead %d, want waiting behind 2", tk.Status, tk.Requeued, tk.Ahead)
		}
		if got := calls(t, s, staff, "610923CW01", 3); fmt.Sprint(got) != "[A002 A003 A001]" {
			t.Fatalf("order after re-queue = %v, want A001 after two", got)
		}
		// Missed a second time: it ends for good.
		take(t, s, "610923C", a.ID, false) // A006
		missOne(t, s, staff, "610923CW01") // A004
		if _, err := s.Requeue(ctx, staff, "610923CW01", "A004"); err != nil {
			t.Fatal(err)
		}
		// Fewer than two wait (A005, A006): A004 goes last.
		if got := calls(t, s, staff, "610923CW01", 1); got[0] != "A005" {
			t.Fatalf("next = %v, want A005", got)
		}
		if got := calls(t, s, staff, "610923CW01", 1); got[0] != "A006" {
			t.Fatalf("next = %v, want A006", got)
		}
		again := missOne(t, s, staff, "610923CW01")
		if again.Number != "A004" {
			t.Fatalf("missed %s, want A004 again", again.Number)
		}
		_, err = s.Requeue(ctx, staff, "610923CW01", "A004")
		if zwfw.ErrorCode(err) != zwfw.ECONFLICT || zwfw.ErrorMessage(err) != "A004 号已重新排队过一次，再次过号后不能再排队，请重新取号" {
			t.Fatalf("second re-queue: %v, want refused", err)
		}
		var n int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE action = 'hall.requeue'").Scan(&n); err != nil || n != 2 {
			t.Fatalf("%d re-queues audited (%v), want 2", n, err)
		}
	})
}

func TestTransferIsCalledOnlyByTheTargetWindow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := testclock.Running()
		county(t, d, clk.Now)
		s := hall.NewService(d, clk.Now)
		a := category(t, s, "610923C", hall.CategoryInput{Name: "综合受理", Prefix: "A"})
		b := category(t, s, "610923C", hall.CategoryInput{Name: "社会事务", Prefix: "B"})
		off := category(t, s, "610923C", hall.CategoryInput{Name: "停用类别", Prefix: "C"})
		no := false
		if _, err := s.UpdateCategory(ctx, zwfw.System, off.ID, hall.CategoryInput{Name: "停用类别", Prefix: "C", Active: &no}); err != nil {
			t.Fatal(err)
		}
		category(t, s, "610923100C", hall.CategoryInput{Name: "综合", Prefix: "A"})
		for range 3 {
			take(t, s, "610923C", a.ID, false) // A001 … A003
		}
		take(t, s, "610923C", b.ID, false) // B001
		staff := staffAt(t, d, "610923C")
		if _, err := s.Act(ctx, staff, "610923CW01", hall.ActNext); err != nil { // A001
			t.Fatal(err)
		}
		if _, err := s.Act(ctx, staff, "610923CW01", hall.ActStart); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			in   hall.TransferInput
			want string
		}{
			{hall.TransferInput{Window: "610923100CW01"}, "只能在本中心内转窗口"}, // another centre
			{hall.TransferInput{Window: "610923CW01"}, "不能转到本窗口"},       // the same window
			{hall.TransferInput{CategoryID: off.ID}, "已停用"},             // inactive category
			{hall.TransferInput{}, "请选择转到的窗口或业务类别"},                     // nowhere
			{hall.TransferInput{CategoryID: a.ID}, "A001 号已是“综合受理”的号"},  // the same category
		} {
			_, err := s.Transfer(ctx, staff, "610923CW01", c.in)
			if zwfw.ErrorCode(err) != zwfw.EINVALID || !strings.Contains(zwfw.ErrorMessage(err), c.want) {
				t.Fatalf("transfer %+v: %v, want 422 naming %q", c.in, err, c.want)
			}
		}
		if _, err := s.Transfer(ctx, staffAt(t, d, "610923100C"), "610923CW01", hall.TransferInput{Window: "610923CW02"}); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("town staff transferring at the county: %v, want 403", err)
		}
		tk, err := s.Transfer(ctx, staff, "610923CW01", hall.TransferInput{Window: "610923CW02"})
		if err != nil {
			t.Fatal(err)
		}
		if tk.Status != hall.Waiting || tk.TargetWindow != "610923CW02" || tk.WindowCode != "" || !tk.StartedAt.IsZero() {
			t.Fatalf("transferred = %+v", tk)
		}
		// Window 1 never calls it; window 2 calls it first.
		if got := calls(t, s, staff, "610923CW01", 1); got[0] != "A002" {
			t.Fatalf("window 1 next = %v, want A002", got)
		}
		if got := calls(t, s, staff, "610923CW02", 1); got[0] != "A001" {
			t.Fatalf("window 2 next = %v, want the transferred A001", got)
		}
		// A transfer to another category puts it at that category's head.
		if _, err := s.Act(ctx, staff, "610923CW01", hall.ActNext); err != nil { // A003
			t.Fatal(err)
		}
		take(t, s, "610923C", b.ID, false) // B002
		tk, err = s.Transfer(ctx, staff, "610923CW01", hall.TransferInput{CategoryID: b.ID})
		if err != nil || tk.CategoryName != "社会事务" || tk.Number != "A003" || tk.Ahead != 0 {
			t.Fatalf("category transfer = %+v %v, want A003 first in 社会事务", tk, err)
		}
		if err := s.SetWindowPrefixes(ctx, zwfw.System, "610923CW01", []string{"B"}); err != nil {
			t.Fatal(err)
		}
		if got := calls(t, s, staff, "610923CW01", 3); fmt.Sprint(got) != "[A003 B001 B002]" {
			t.Fatalf("order = %v, want the transferred A003 first", got)
		}
		var n, audits int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM hall_transfers").Scan(&n); err != nil || n != 2 {
			t.Fatalf("%d transfers recorded (%v), want 2", n, err)
		}
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE action = 'hall.transfer'").Scan(&audits); err != nil || audits != 2 {
			t.Fatalf("%d transfers audited (%v), want 2", audits, err)
		}
	})
}

func TestServiceRatingOnceWithTheReasonOfABadOne(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := testclock.Running()
		county(t, d, clk.Now)
		s := hall.NewService(d, clk.Now)
		a := category(t, s, "610923C", hall.CategoryInput{Name: "综合受理", Prefix: "A"})
		take(t, s, "610923C", a.ID, false)
		staff := staffAt(t, d, "610923C")
		tk, err := s.Act(ctx, staff, "610923CW01", hall.ActNext)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Rate(ctx, staff, "610923CW01", "A001", hall.RatingInput{Level: 1}); zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			t.Fatalf("rating before 办结: %v, want 409", err)
		}
		clk.Add(90 * time.Second)
		if _, err := s.Act(ctx, staff, "610923CW01", hall.ActStart); err != nil {
			t.Fatal(err)
		}
		clk.Add(5 * time.Minute)
		if tk, err = s.Act(ctx, staff, "610923CW01", hall.ActFinish); err != nil {
			t.Fatal(err)
		}
		if tk.ServeSeconds < 299 || tk.ServeSeconds > 305 || tk.WaitSeconds < 0 {
			t.Fatalf("serve %ds wait %ds, want about 300s of service", tk.ServeSeconds, tk.WaitSeconds)
		}
		if _, err := s.Rate(ctx, staff, "610923CW01", "A001", hall.RatingInput{Level: 4, Comment: " "}); zwfw.ErrorCode(err) != zwfw.EINVALID ||
			zwfw.ErrorMessage(err) != "差评请写明不满意的原因，以便整改" {
			t.Fatalf("差评 without a reason: %v, want 422", err)
		}
		if _, err := s.Rate(ctx, staff, "610923CW01", "A001", hall.RatingInput{Level: 9}); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("level 9: %v, want 422", err)
		}
		if _, err := s.Rate(ctx, staff, "610923CW02", "A001", hall.RatingInput{Level: 1}); zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			t.Fatalf("rating at another window: %v, want 409", err)
		}
		tk, err = s.Rate(ctx, staff, "610923CW01", "A001", hall.RatingInput{Level: 4, Comment: "等候时间太长"})
		if err != nil || tk.Rating == nil || tk.Rating.LevelName != "不满意" || tk.Rating.Comment != "等候时间太长" {
			t.Fatalf("rating = %+v %v", tk.Rating, err)
		}
		_, err = s.Rate(ctx, staff, "610923CW01", "A001", hall.RatingInput{Level: 1})
		if zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			t.Fatalf("second rating: %v, want 409", err)
		}
		var n int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM hall_ticket_evaluations").Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d ratings stored (%v), want 1 (the first, unchanged)", n, err)
		}
		d2, err := s.Desk(ctx, staff, "610923CW01")
		if err != nil || d2.Last == nil || d2.Last.Number != "A001" || d2.Last.Rating == nil {
			t.Fatalf("desk's last service = %+v %v", d2.Last, err)
		}
	})
}
