package org_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/org"
)

func now() time.Time { return time.Date(2026, 11, 26, 9, 0, 0, 0, db.Zone) }

func build(t *testing.T, s *org.Service) {
	t.Helper()
	for _, in := range []org.Input{
		{Code: "610900", Kind: org.KindCity, Name: "安康市"},
		{Code: "610923", ParentCode: "610900", Kind: org.KindCounty, Name: "宁陕县"},
		{Code: "610923D01", ParentCode: "610923", Kind: org.KindDept, Name: "市场监管局"},
		{Code: "610923100", ParentCode: "610923", Kind: org.KindTown, Name: "城关镇"},
		{Code: "610923101", ParentCode: "610923", Kind: org.KindTown, Name: "四亩地镇"},
		{Code: "610923100C", ParentCode: "610923100", Kind: org.KindCentre, Name: "城关镇便民服务中心"},
		{Code: "610923100CW01", ParentCode: "610923100C", Kind: org.KindWindow, Name: "综合窗口", WindowType: org.WindowComprehensive},
		{Code: "610923100201", ParentCode: "610923100", Kind: org.KindVillage, Name: "寨沟村"},
	} {
		if _, err := s.Create(context.Background(), zwfw.System, in); err != nil {
			t.Fatalf("create %s: %v", in.Code, err)
		}
	}
}

func admin(t *testing.T, s *org.Service, code string) *zwfw.Actor {
	o, err := s.ByCode(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	return &zwfw.Actor{UserID: 1, Username: "a", Name: "管理员", Kind: zwfw.KindStaff, Roles: []string{zwfw.RoleAdmin}, OrgPath: o.Path, OrgCode: code}
}

func TestTreeAndScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := org.NewService(d, now)
		build(t, s)
		forest, err := s.Tree(ctx, "")
		if err != nil || len(forest) != 1 || forest[0].Code != "610900" {
			t.Fatalf("tree roots: %v", err)
		}
		if n := len(org.Flatten(forest)); n != 8 {
			t.Fatalf("flatten = %d nodes", n)
		}
		town := admin(t, s, "610923100")
		// A town administrator sees and edits only the town's subtree.
		if _, err := s.Create(ctx, town, org.Input{Code: "610923101C", ParentCode: "610923101", Kind: org.KindCentre, Name: "四亩地镇便民服务中心"}); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("create in another town: %v", err)
		}
		if _, err := s.Create(ctx, town, org.Input{Code: "610923100CW02", ParentCode: "610923100C", Kind: org.KindWindow, Name: "社会事务窗口", WindowType: org.WindowSpecialised, DeptCode: "610923D01"}); err != nil {
			t.Fatalf("create in own town: %v", err)
		}
		if _, err := s.Update(ctx, town, "610923D01", org.Input{Code: "610923D01", ParentCode: "610923", Kind: org.KindDept, Name: "改名"}); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("edit county department: %v", err)
		}
		// A window must hang under a centre; a specialised window names its department.
		if _, err := s.Create(ctx, zwfw.System, org.Input{Code: "X1", ParentCode: "610923", Kind: org.KindWindow, Name: "窗口", WindowType: org.WindowComprehensive}); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("window under county: %v", err)
		}
		if _, err := s.Create(ctx, zwfw.System, org.Input{Code: "X2", ParentCode: "610923100C", Kind: org.KindWindow, Name: "窗口", WindowType: org.WindowSpecialised}); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("specialised window without department: %v", err)
		}
		if _, err := s.Create(ctx, zwfw.System, org.Input{Code: "610923D01", ParentCode: "610923", Kind: org.KindDept, Name: "重复"}); zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			t.Fatalf("duplicate code: %v", err)
		}
		if _, err := s.Create(ctx, zwfw.System, org.Input{Code: "Y1", ParentCode: "610923", Kind: org.KindDept, Name: "局", CreditCode: "11610923MB0000170X"}); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("bad credit code: %v", err)
		}
	})
}

func TestMoveSubtree(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := org.NewService(d, now)
		build(t, s)
		// 寨沟村 moves from 城关镇 to 四亩地镇 with its station and window.
		if _, err := s.Create(ctx, zwfw.System, org.Input{Code: "610923100201C", ParentCode: "610923100201", Kind: org.KindCentre, Name: "寨沟村便民服务站"}); err != nil {
			t.Fatal(err)
		}
		moved, err := s.Update(ctx, zwfw.System, "610923100201", org.Input{Code: "610923100201", ParentCode: "610923101", Kind: org.KindVillage, Name: "寨沟村"})
		if err != nil {
			t.Fatal(err)
		}
		to, _ := s.ByCode(ctx, "610923101")
		station, _ := s.ByCode(ctx, "610923100201C")
		if !strings.HasPrefix(moved.Path, to.Path) || !strings.HasPrefix(station.Path, moved.Path) || station.Depth != moved.Depth+1 {
			t.Fatalf("paths after move: village %s, station %s (depth %d), town %s", moved.Path, station.Path, station.Depth, to.Path)
		}
		// Under itself is refused.
		if _, err := s.Update(ctx, zwfw.System, "610923", org.Input{Code: "610923", ParentCode: "610923101", Kind: org.KindCounty, Name: "宁陕县"}); zwfw.ErrorCode(err) != zwfw.EINVALID {
			t.Fatalf("move under own descendant: %v", err)
		}
	})
}
