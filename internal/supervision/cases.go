package supervision

import (
	"context"
	"net/url"
	"strconv"

	"zwfw"
	"zwfw/internal/casework"
)

// CaseQuery reads the drill-down filters of a dashboard link
// (/supervision/cases?under=…&from=…&to=…&status=…) into a case query.
func CaseQuery(v url.Values) (casework.Query, error) {
	q := casework.Query{
		Under: v.Get("under"), Org: v.Get("org"), Dept: v.Get("dept"), Window: v.Get("window"), Channel: v.Get("channel"),
		Kind: v.Get("kind"), From: v.Get("from"), To: v.Get("to"), Done: v.Get("done"), Item: v.Get("item"), Q: v.Get("q"),
		Evaluated: v.Get("evaluated") == "1", Overdue: v.Get("overdue") == "1", Warned: v.Get("warned") == "1",
	}
	if st := v.Get("status"); st != "" {
		q.Status = []string{st}
	}
	if p := v.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 100000 {
			return q, &zwfw.Error{Code: zwfw.EINVALID, Message: "页码不正确", Details: []zwfw.ErrorDetail{{Field: "page", Message: "页码不正确"}}}
		}
		q.Offset = (n - 1) * PageSize
	}
	q.Limit = PageSize
	return q, nil
}

// PageSize is how many cases a drill-down page lists.
const PageSize = 50

// Cases lists the cases behind a dashboard figure. Only those who may see
// the dashboard may use it, and the list keeps to what they may see.
func (s *Service) Cases(ctx context.Context, actor *zwfw.Actor, v url.Values) ([]casework.Summary, int, casework.Query, error) {
	if !CanView(actor) {
		return nil, 0, casework.Query{}, zwfw.Errorf(zwfw.EFORBIDDEN, "只有电子监察人员和管理人员可以查看监管数据")
	}
	q, err := CaseQuery(v)
	if err != nil {
		return nil, 0, q, err
	}
	list, total, err := s.cases.List(ctx, actor, q)
	return list, total, q, err
}
