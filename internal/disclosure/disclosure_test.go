package disclosure_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"zwfw"
	"zwfw/internal/app/apptest"
	"zwfw/internal/disclosure"
)

const foodItem = "010100100000" // 食品经营许可 (seed)

func code(err error) string { return zwfw.ErrorCode(err) }

func titles(refs []disclosure.Ref) []string {
	var out []string
	for _, r := range refs {
		out = append(out, r.Title)
	}
	return out
}

func has(refs []disclosure.Ref, id int64) bool {
	for _, r := range refs {
		if r.ID == id {
			return true
		}
	}
	return false
}

// The workflow: the county's 事项管理员 drafts a review rule for an item,
// saves a second version and submits it; he may not publish it himself,
// the county's supervisor may, after which a phrase from the middle of its
// body (across a line break) finds it and the item's guide list names it;
// withdrawn with a reason, it leaves both. Every version and step is kept
// and audited. A town's editor does not find the county's document.
func TestWorkflowSearchAndWithdraw(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		s := e.App.Disclosure
		editor, sup := e.Actor(t, "county.catalog"), e.Actor(t, "county.supervisor")
		c := disclosure.Content{Title: "食品经营许可审查细则", Number: "宁市监发〔2026〕3号",
			Body: "第一条 现场核查时，经营场所与住所分离的，应当\n核对租赁合同原件。", Items: []string{foodItem},
			Fields: map[string]string{"issuer": "宁陕县市场监督管理局"}}
		d, err := s.Create(ctx, editor, disclosure.KindRule, "", c)
		if err != nil {
			t.Fatal(err)
		}
		if d.State != disclosure.Draft || d.Version != 1 || d.OrgCode != "610923" {
			t.Fatalf("created %+v", d)
		}
		c.Body += "第二条 核查结果当场告知申请人。"
		if d, err = s.Revise(ctx, editor, d.ID, 1, c); err != nil || d.Version != 2 {
			t.Fatalf("revise: %v %+v", err, d)
		}
		if _, err := s.Revise(ctx, editor, d.ID, 1, c); code(err) != zwfw.ECONFLICT {
			t.Fatalf("stale revise: %v, want conflict", err)
		}
		if _, err := s.Act(ctx, editor, d.ID, disclosure.ActPublish, ""); code(err) != zwfw.EFORBIDDEN {
			t.Fatalf("editor publishes: %v, want forbidden", err)
		}
		if _, err := s.Act(ctx, editor, d.ID, disclosure.ActSubmit, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Act(ctx, editor, d.ID, disclosure.ActSubmit, ""); code(err) != zwfw.ECONFLICT {
			t.Fatalf("submit twice: %v, want conflict", err)
		}
		if got := disclosure.Actions(sup, mustGet(t, s, sup, d.ID)); strings.Join(got, ",") != "publish,return" {
			t.Fatalf("supervisor's actions %v, want publish and return", got)
		}
		town := e.Actor(t, "chengguan.catalog")
		if _, err := s.Get(ctx, town, d.ID); code(err) != zwfw.ENOTFOUND {
			t.Fatalf("town editor reads the county's document: %v", err)
		}
		if _, err := s.Public(ctx, d.ID); code(err) != zwfw.ENOTFOUND {
			t.Fatalf("unpublished is public: %v", err)
		}
		if d, err = s.Act(ctx, sup, d.ID, disclosure.ActPublish, ""); err != nil || d.State != disclosure.Published {
			t.Fatalf("publish: %v", err)
		}
		for _, q := range []string{"应当核对租赁合同", "宁市监发〔2026〕3号", "核查结果 当场告知"} {
			got, n, err := s.Search(ctx, disclosure.Query{Q: q})
			if err != nil || n < 1 || !has(got, d.ID) {
				t.Errorf("search %q: %v %d %v", q, err, n, titles(got))
			}
		}
		if got, _, _ := s.Search(ctx, disclosure.Query{Q: "营业执照租赁"}); has(got, d.ID) {
			t.Errorf("search for an absent phrase found it")
		}
		refs, err := s.ForItem(ctx, foodItem)
		if err != nil || !has(refs, d.ID) {
			t.Fatalf("guide list: %v %v", err, titles(refs))
		}
		if _, err := s.Act(ctx, sup, d.ID, disclosure.ActWithdraw, ""); code(err) != zwfw.EINVALID {
			t.Fatalf("withdraw without a reason: %v", err)
		}
		if _, err := s.Act(ctx, sup, d.ID, disclosure.ActWithdraw, "依据的规章已修订"); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := s.Search(ctx, disclosure.Query{Q: "应当核对租赁合同"}); has(got, d.ID) {
			t.Errorf("withdrawn document still found")
		}
		if refs, _ := s.ForItem(ctx, foodItem); has(refs, d.ID) {
			t.Errorf("withdrawn document still on the guide")
		}
		if _, err := s.Public(ctx, d.ID); code(err) != zwfw.ENOTFOUND {
			t.Errorf("withdrawn document still public: %v", err)
		}
		d = mustGet(t, s, editor, d.ID)
		if len(d.Versions) != 2 || len(d.Events) != 5 {
			t.Errorf("versions %d events %d, want 2 and 5", len(d.Versions), len(d.Events))
		}
		if v1, err := s.GetVersion(ctx, editor, d.ID, 1); err != nil || v1.Body == d.Body {
			t.Errorf("version 1 not kept: %v", err)
		}
		var audits int
		if err := e.App.DB.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE object = ?`, "disclosure:"+itoa(d.ID)).Scan(&audits); err != nil {
			t.Fatal(err)
		}
		if audits != 5 {
			t.Errorf("audit entries %d, want 5", audits)
		}
	})
}

// Input rules: a kind's required fields, a wrong credit code's check
// digit, an unknown item code, and who may draft at all.
func TestRules(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		s := e.App.Disclosure
		editor := e.Actor(t, "county.catalog")
		_, err := s.Create(ctx, editor, disclosure.KindAgency, "", disclosure.Content{Title: "宁陕县某测绘有限公司",
			Fields: map[string]string{"credit_code": "91610923MA70XJ1K17", "qualifications": "乙级测绘资质", "fees": "按合同", "time_limit": "10 个工作日", "contact": "0915-6821234"}})
		if !invalid(err, "credit_code") {
			t.Errorf("bad check digit: %v", err)
		}
		_, err = s.Create(ctx, editor, disclosure.KindRule, "", disclosure.Content{Title: "细则", Body: "五个字以上的正文", Items: []string{"999999999999"}, Fields: map[string]string{"issuer": "县局"}})
		if !invalid(err, "items") {
			t.Errorf("unknown item: %v", err)
		}
		_, err = s.Create(ctx, editor, disclosure.KindIntermediary, "", disclosure.Content{Title: "房屋安全鉴定", Items: []string{foodItem}})
		if !invalid(err, "legal_basis") || !invalid(err, "fee_basis") || !invalid(err, "time_limit") {
			t.Errorf("intermediary without its fields: %v", err)
		}
		for _, u := range []string{"county.window", "county.supervisor"} {
			if _, err := s.Create(ctx, e.Actor(t, u), disclosure.KindNotice, "", disclosure.Content{Title: "通知", Body: "这是一份通知公告", Fields: map[string]string{"issuer": "县政务服务中心"}}); code(err) != zwfw.EFORBIDDEN {
				t.Errorf("%s drafts: %v, want forbidden", u, err)
			}
		}
		// An administrator may draft and publish, but not the version he
		// saved himself: someone else reviews it.
		adm := e.Actor(t, "county.admin")
		n, err := s.Create(ctx, adm, disclosure.KindNotice, "", disclosure.Content{Title: "通知", Body: "这是一份通知公告", Fields: map[string]string{"issuer": "县政务服务中心"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Act(ctx, adm, n.ID, disclosure.ActSubmit, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Act(ctx, adm, n.ID, disclosure.ActPublish, ""); code(err) != zwfw.EFORBIDDEN {
			t.Errorf("author publishes his own version: %v, want forbidden", err)
		}
		if _, err := s.Act(ctx, e.Actor(t, "county.supervisor"), n.ID, disclosure.ActPublish, ""); err != nil {
			t.Errorf("another publishes: %v", err)
		}
		// A town's editor drafts for the town, not for the county.
		if _, err := s.Create(ctx, e.Actor(t, "chengguan.catalog"), disclosure.KindNotice, "610923", disclosure.Content{Title: "通知", Body: "这是一份通知公告", Fields: map[string]string{"issuer": "城关镇"}}); !invalid(err, "") {
			t.Errorf("town editor drafts for the county: %v", err)
		}
	})
}

// The footer's marks are the county's setting, set by its administrator
// only, and checked.
func TestSiteMarks(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		s := e.App.Disclosure
		m := disclosure.Marks{IDCode: "6109230001", ICP: "陕ICP备12345678号", PSB: "陕公网安备61092302000001号"}
		if _, err := s.SetSite(ctx, e.Actor(t, "chengguan.admin"), "610923", m); code(err) != zwfw.EFORBIDDEN {
			t.Errorf("town admin sets the county's marks: %v", err)
		}
		if _, err := s.SetSite(ctx, e.Actor(t, "county.admin"), "610923", disclosure.Marks{IDCode: "123"}); !invalid(err, "id_code") {
			t.Errorf("short id code: %v", err)
		}
		if _, err := s.SetSite(ctx, e.Actor(t, "county.admin"), "610923", m); err != nil {
			t.Fatal(err)
		}
		got, err := s.Site(ctx, "610923")
		if err != nil || got != m {
			t.Fatalf("marks %+v %v", got, err)
		}
		if got.PSBLink() != "https://beian.mps.gov.cn/#/query/webSearch?code=61092302000001" {
			t.Errorf("psb link %s", got.PSBLink())
		}
	})
}

func invalid(err error, field string) bool {
	if code(err) != zwfw.EINVALID {
		return false
	}
	if field == "" {
		return true
	}
	var ze *zwfw.Error
	if !asError(err, &ze) {
		return false
	}
	for _, d := range ze.Details {
		if d.Field == field {
			return true
		}
	}
	return false
}

func mustGet(t *testing.T, s *disclosure.Service, a *zwfw.Actor, id int64) *disclosure.Doc {
	t.Helper()
	d, err := s.Get(context.Background(), a, id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

func asError(err error, ze **zwfw.Error) bool { return errors.As(err, ze) }

// The demo seed publishes the plan itself (宁政发〔2017〕17号), found by a
// phrase from the middle of its text, with its interpretation linked; the
// guide of 建设项目环境影响报告表审批 lists its intermediary service.
func TestDemoSeed(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		s := e.App.Disclosure
		got, n, err := s.Search(ctx, disclosure.Query{Q: "凡批必进、应进全进"})
		if err != nil || n != 1 {
			t.Fatalf("plan by phrase: %v %d %v", err, n, titles(got))
		}
		plan, err := s.Public(ctx, got[0].ID)
		if err != nil || plan.Number != "宁政发〔2017〕17号" || len(plan.Interpretations) != 1 {
			t.Fatalf("plan %+v %v", plan, err)
		}
		refs, err := s.ForItem(ctx, "012000100000")
		if err != nil || len(refs) != 1 || refs[0].Kind != disclosure.KindIntermediary {
			t.Fatalf("intermediary on the guide: %v %v", err, titles(refs))
		}
		if _, n, _ := s.Search(ctx, disclosure.Query{Kind: disclosure.KindAgency}); n != 2 {
			t.Errorf("agencies %d, want 2", n)
		}
	})
}

// A search's snippet marks the phrase where it stands in the text, even
// across a line break, with the text around it.
func TestSnippet(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		got, _, err := e.App.Disclosure.Search(context.Background(), disclosure.Query{Q: "凡批必进、应进全进"})
		if err != nil || len(got) != 1 || got[0].Snippet == nil {
			t.Fatalf("%v %+v", err, got)
		}
		sn := got[0].Snippet
		if sn.Match != "凡批必进、应进全进" || !strings.Contains(sn.Before, "按照") || !strings.Contains(sn.After, "原则") {
			t.Errorf("snippet %+v", sn)
		}
	})
}
